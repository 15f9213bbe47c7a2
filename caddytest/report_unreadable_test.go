package caddytest

import (
	"io"
	"net/http"
	"testing"
)

// In report mode a response the after rules cannot read passes as it came
// (enforce mode answers 502: see TestAfterMalformedJSON).
func TestReportModePassesUnreadableResponse(t *testing.T) {
	const broken = `{"id":1,"password":"p",`
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, broken)
	})
	tester := gateway(t, `
		mode report
		resource users /api/users {
			after get {
				hide password
			}
		}`, up)
	send(t, tester, "GET", "/api/users/1", "").expect(t, 200, broken)
}
