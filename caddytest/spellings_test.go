package caddytest

import (
	"net/http"
	"testing"
)

// spellingResource hides a password from reads and protects the role of
// writes, behind an upstream that answers every request with both.
const spellingResource = `
		resource users /api/users {
			after read {
				hide password
			}
			before write {
				protect role
			}
		}`

// fullUser is what the upstream answers: a hidden password included.
const fullUser = `{"id":1,"name":"a","password":"secret","role":"user"}`

func userUpstream(t *testing.T) *upstream {
	return newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(fullUser))
	})
}

// spelling is one request target a backend may read as a users path.
type spelling struct{ method, target, detail string }

// refuseSpellings sends each spelling byte for byte (a GET without a body,
// a write with a protected role) and expects 400 with its detail, the
// upstream never called.
func refuseSpellings(t *testing.T, up *upstream, cases []spelling) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			up.reset()
			body, headers := "", []string(nil)
			if c.method != "GET" && c.method != "HEAD" {
				body, headers = `{"role":"admin"}`, []string{"Content-Type: application/json"}
			}
			sendRaw(t, rawRequest(c.method, c.target, body, false, headers...)).
				expectProblem(t, 400, problemJSON(400, c.detail))
			up.none(t)
		})
	}
}

const (
	slashes = "the path holds dot segments, empty segments or encoded slashes"
	params  = "the path holds segment parameters (;)"
	encoded = "the path holds double-encoded characters"
	suffix  = "the path holds a format suffix on a resource path"
)

func TestMatchingEncodedSeparators(t *testing.T) {
	up := userUpstream(t)
	crud(t, spellingResource, up)
	refuseSpellings(t, up, []spelling{
		{"GET", `/api/users%5C1`, slashes},
		{"GET", `/api/users%5c1`, slashes},
		{"GET", `/API/USERS%5c1`, slashes},
		{"GET", `/api/users/%5C1`, slashes},
		{"GET", `/api/users%2F1`, slashes},
		{"GET", `/api/users/%2f1`, slashes},
		{"GET", `/api%5Cusers`, slashes},
		{"GET", `/api/users\1`, slashes},
		{"GET", `/api\users\1`, slashes},
		{"GET", `/api/users%255C1`, encoded},
		{"GET", `/api/users%255c1`, encoded},
		{"GET", `/api/users%252F1`, encoded},
		{"GET", `/api/users/%252f1`, encoded},
		{"GET", `/api%252Fusers`, encoded},
		{"GET", `/api/users%25255C1`, encoded},
		{"PUT", `/api/users%5C1`, slashes},
		{"PUT", `/api/users%252F1`, encoded},
		{"POST", `/api/users\`, slashes},
	})
}

func TestMatchingSegmentParameters(t *testing.T) {
	up := userUpstream(t)
	crud(t, spellingResource, up)
	refuseSpellings(t, up, []spelling{
		{"GET", `/api/users;jsessionid=x`, params},
		{"GET", `/api/users;jsessionid=x/1`, params},
		{"GET", `/api/users;/1`, params},
		{"GET", `/api/users/1;x`, params},
		{"GET", `/api/users/1/..;/1`, params},
		{"GET", `/x/..;/api/users/1`, params},
		{"GET", `/API/Users;v=1`, params},
		{"GET", `/api;x/users`, params},
		{"GET", `/api/users%3Bjsessionid=x`, params},
		{"GET", `/api/users%3b/1`, params},
		{"GET", `/api/users/1/..%3B/1`, params},
		{"GET", `/api/users%253B`, encoded},
		{"PUT", `/api/users;x/1`, params},
		{"PUT", `/api/users/1;x`, params},
		{"POST", `/api/users;jsessionid=x`, params},
	})
}

func TestMatchingFormatSuffixes(t *testing.T) {
	up := userUpstream(t)
	tester := crud(t, spellingResource, up)
	refuseSpellings(t, up, []spelling{
		{"GET", `/api/users.json`, suffix},
		{"GET", `/api/users.xml/`, suffix},
		{"GET", `/API/USERS.JSON`, suffix},
		{"GET", `/api/users%2Ejson`, suffix},
		{"GET", `/api/users%2ejson`, suffix},
		{"GET", `/api/users%252Ejson`, encoded},
		{"POST", `/api/users.json`, suffix},
		{"POST", `/api/users%2Ejson`, suffix},
	})

	// A suffix on an id is part of the id (ids may hold dots): the request
	// is matched as that id, and the rules of its action run.
	t.Run("GET suffix on an id is get", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/api/users/1.xml", "").expect(t, 200, `{"id":1,"name":"a","role":"user"}`)
		up.got(t, "GET", "/api/users/1.xml", "")
	})
	t.Run("GET encoded dot on an id is get", func(t *testing.T) {
		up.reset()
		sendRaw(t, rawRequest("GET", "/api/users/1%2Ejson", "", false)).expect(t, 200, `{"id":1,"name":"a","role":"user"}`)
		up.got(t, "GET", "/api/users/1%2Ejson", "")
	})
	t.Run("PUT suffix on an id is update", func(t *testing.T) {
		up.reset()
		send(t, tester, "PUT", "/api/users/1.json", `{"name":"b","role":"admin"}`).expect(t, 200, fullUser)
		up.got(t, "PUT", "/api/users/1.json", `{"name":"b"}`)
	})

	// Deeper paths are not the resource's, with or without a suffix.
	for _, target := range []string{"/api/users/1/avatar.png", "/static/app.js", "/api/usersx.json", "/other.json"} {
		t.Run("passes "+target, func(t *testing.T) {
			up.reset()
			send(t, tester, "GET", target, "").expect(t, 200, fullUser)
			up.got(t, "GET", target, "")
		})
	}
}

func TestMatchingSpellingsElsewherePass(t *testing.T) {
	up := userUpstream(t)
	crud(t, spellingResource, up)
	for _, target := range []string{`/other;jsessionid=x`, `/other%5Cx`, `/other/a%252Fb`, `/other/x.json`, `/apiusers;x`} {
		t.Run(target, func(t *testing.T) {
			up.reset()
			sendRaw(t, rawRequest("GET", target, "", false)).expect(t, 200, fullUser)
			if got := up.only(t); got.URI != target {
				t.Fatalf("upstream got %s, want %s", got.URI, target)
			}
		})
	}
}
