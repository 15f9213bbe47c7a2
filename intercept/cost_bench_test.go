package intercept_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/rules"
)

// BenchmarkServeUpdateFetchOld measures what one fetch_old adds to an
// update: the same PUT and ownership rule, with the stored record fetched
// through next (old) or the rule reading the body only (body).
func BenchmarkServeUpdateFetchOld(b *testing.B) {
	stored := []byte(`{"data":{"id":1,"creatorId":"u1","name":"Jane","email":"jane@example.com","role":"member"}}`)
	body := []byte(`{"name":"Jane Doe","email":"jane@example.com"}`)
	for _, c := range []struct {
		name string
		rule string
		old  bool
	}{
		{"body", `record.name == "nobody"`, false},
		{"old", `old.creatorId != user.id`, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			res := usersResource([]*rules.Block{benchBlock("update",
				&rules.Statement{Op: "deny", Expr: c.rule, Status: 403})}, nil)
			if c.old {
				res.FetchOld = &intercept.FetchOld{}
			}
			e := benchEngine(b, staticUser{"id": "u1"}, res)
			r := benchRequest(http.MethodPut, "/api/users/1")
			r.Header.Set("Content-Type", "application/json")
			cl := []string{strconv.Itoa(len(body))}
			rd := &benchBody{}
			next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "application/json")
				if r.Method == http.MethodGet {
					_, err := w.Write(stored)
					return err
				}
				r.Body.Close() // as the transport does once the body is sent
				_, err := w.Write([]byte(`{}`))
				return err
			})
			w := newBenchWriter()
			run := func() {
				rd.Reset(body)
				r.Body, r.ContentLength, r.GetBody = rd, int64(len(body)), nil
				r.Header["Content-Length"] = cl
				w.reset()
				if err := e.ServeHTTP(w, r, next); err != nil || w.status != http.StatusOK {
					b.Fatalf("status %d, %v: %s", w.status, err, w.body)
				}
			}
			run()
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
	}
}

// BenchmarkServeAsync measures what an async webhook adds on the request's
// critical path: evaluating the rule, building the event and queueing it
// (delivery happens on the queue's workers, to a receiver that answers 204).
func BenchmarkServeAsync(b *testing.B) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	reply := []byte(`{"id":1,"name":"Jane"}`)
	for _, c := range []struct {
		name  string
		async bool
	}{{"none", false}, {"webhook", true}} {
		b.Run(c.name, func(b *testing.B) {
			res := usersResource(nil, nil)
			if c.async {
				res.Async = []*rules.Block{benchBlock("create", &rules.Statement{Op: "webhook", URL: receiver.URL + "/hook"})}
			}
			e := benchEngine(b, staticUser{"id": "u1"}, res)
			r := benchRequest(http.MethodPost, "/api/users")
			next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, err := w.Write(reply)
				return err
			})
			w := newBenchWriter()
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				r.Body = http.NoBody
				if err := e.ServeHTTP(w, r, next); err != nil || w.status != http.StatusCreated || !bytes.Equal(w.body, reply) {
					b.Fatalf("status %d, %v", w.status, err)
				}
			}
		})
	}
}
