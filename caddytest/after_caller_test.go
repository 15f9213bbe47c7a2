package caddytest

import (
	"io"
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestAfterCallerReadOncePerRequest: operands that read only the caller
// (user.id, user.level, user.role) are computed once a request and mean
// that request's caller on every record, request after request from
// callers taking turns, two such operands in one statement each keeping
// its own value; the before phase's value and check read the caller too.
func TestAfterCallerReadOncePerRequest(t *testing.T) {
	t.Setenv("JWT_SECRET", identitySecret)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"id":1,"owner":"alice","secret":"a1","level":1},{"id":2,"owner":"bob","secret":"b2","level":3},`+
			`{"id":3,"owner":"alice","secret":"a3","level":5},{"id":4,"owner":"x","secret":"x4","level":0}]`)
	})
	tester := crud(t, `
		identity jwt {
			secret {env.JWT_SECRET}
		}
		resource notes /api/notes {
			after list {
				drop ´record.owner == "x" && user.role != "admin" || user.level == record.level * 2´
				hide secret if ´user.id != record.owner´
				hide level if ´user.level < record.level´
			}
			before create {
				set owner ´user.id + "/" + user.role´
				check level ´record.level <= user.level´ "above your level"
			}
		}`, up)
	token := func(sub, role string, level int) string {
		return "Authorization: Bearer " + identityToken(t, identitySecret, jwt.MapClaims{"sub": sub, "role": role, "level": level})
	}
	alice, bob := token("alice", "editor", 4), token("bob", "admin", 2)
	lists := map[string]string{
		alice: `[{"id":1,"owner":"alice","secret":"a1","level":1},{"id":2,"owner":"bob","level":3},{"id":3,"owner":"alice","secret":"a3"}]`,
		bob:   `[{"id":2,"owner":"bob","secret":"b2"},{"id":3,"owner":"alice"},{"id":4,"owner":"x","level":0}]`,
	}
	for _, caller := range []string{alice, bob, alice, bob, bob, alice} {
		send(t, tester, "GET", "/api/notes", "", caller).expect(t, 200, lists[caller])
	}
	up.reset()
	send(t, tester, "POST", "/api/notes", `{"level":3}`, alice).expect(t, 200, `{}`)
	send(t, tester, "POST", "/api/notes", `{"level":3}`, bob).expectProblem(t, 422, invalid(fieldError{"level", "above your level"}))
	if got := up.only(t); got.Body != `{"level":3,"owner":"alice/editor"}` {
		t.Fatalf("upstream got %s", got.Body)
	}
}
