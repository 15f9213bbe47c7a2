package caddytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSmokeAsyncWebhook(t *testing.T) {
	got := make(chan []byte, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer hook.Close()
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":5,"name":"a","password":"p"}`)
	})
	tester := gateway(t, `
		resource users /api/users {
			after read write {
				hide password
			}
			async create {
				webhook `+hook.URL+`/created
				webhook `+hook.URL+`/custom if `+"`record.id == 5`"+` {
					body `+"`{\"n\": record.name}`"+`
				}
			}
		}`, up)
	send(t, tester, "POST", "/api/users", `{"name":"a"}`).expect(t, 200, `{"id":5,"name":"a"}`)
	var bodies []string
	for range 2 {
		select {
		case b := <-got:
			bodies = append(bodies, string(b))
		case <-time.After(10 * time.Second):
			t.Fatal("webhook not delivered")
		}
	}
	var event map[string]any
	for _, b := range bodies {
		if strings.HasPrefix(b, `{"n":`) {
			if b != `{"n":"a"}` {
				t.Fatalf("custom body %s", b)
			}
			continue
		}
		if err := json.Unmarshal([]byte(b), &event); err != nil {
			t.Fatalf("event %s: %v", b, err)
		}
	}
	recs, _ := json.Marshal(event["records"])
	if event["resource"] != "users" || event["action"] != "create" || string(recs) != `[{"id":5,"name":"a"}]` || event["id"] == "" {
		t.Fatalf("event %v", event)
	}
	res, err := http.Get("http://" + adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`caddy_http_crud_decisions_total{action="create",outcome="passed",phase="after",resource="users"} 1`,
		`caddy_http_crud_filtered_total{kind="hidden",resource="users"} 1`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
