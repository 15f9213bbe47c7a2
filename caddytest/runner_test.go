package caddytest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/caddy-crud/caddy-crud/crudtest"
	"github.com/caddy-crud/caddy-crud/internal/testjwt"
)

// The rule test runner is the product: each case of a test file, run in
// process by crudtest and sent through a real Caddy in front of an API
// answering as the case says, gives the client the same status and body
// and sends the API the same request.

const runnerSecret = "runner-compare-secret"

const runnerRules = `
		identity jwt {
			secret ` + runnerSecret + `
			optional
		}
		resource posts /api/posts {
			records data
			total total
			fetch_old
			before write delete {
				require ´user != nil´ 401 "login required"
			}
			before create update {
				protect role createdAt
				transform title ´trim(value)´
			}
			before create {
				check title ´len(record.title ?? "") >= 2´ "must have at least 2 characters"
				set authorId ´user.id´
				set authorName ´lookup("/api/authors/" + user.id).name´
				default status ´"draft"´
			}
			before update delete {
				deny ´old.authorId != user.id´ 403 "not your post"
			}
			after read write {
				hide secret
				hide notes if ´user == nil || user.id != record.authorId´
				drop ´record.deleted == true´
			}
			async create {
				log ´"post " + string(record.id) + " created by " + string(user.id)´
			}
		}
		resource authors /api/authors {
			after read {
				hide email
			}
		}`

const runnerCases = `
cases:
  - name: an author creates a post
    user: {id: "5", role: author}
    request: {method: POST, path: /api/posts, body: {title: " Hi there ", role: admin}}
    answers:
      GET /api/authors/5: {body: {id: "5", name: Ada, email: ada@example.com}}
    upstream: {status: 201, body: {id: 9, title: Hi there, authorId: "5", secret: s, notes: n}}
    expect:
      status: 201
      body: {id: 9, title: Hi there, authorId: "5", notes: n}
      upstream: {body_raw: '{"title":"Hi there","authorId":"5","authorName":"Ada","status":"draft"}'}
  - name: a short title is refused
    user: {id: "5"}
    request: {method: POST, path: /api/posts, body: {title: " H"}}
    answers:
      GET /api/authors/5: {body: {id: "5", name: Ada}}
  - name: an anonymous caller may not write
    request: {method: POST, path: /api/posts, body: {title: Hello}}
    expect: {status: 401, upstream: {called: false}}
  - name: another caller's post may not be changed
    user: {id: "6"}
    request: {method: PATCH, path: /api/posts/9, body: {title: Mine}}
    answers:
      GET /api/posts/9: {body: {id: 9, authorId: "5"}}
  - name: the author updates the post
    user: {id: "5"}
    request: {method: PATCH, path: /api/posts/9, body: {title: " New ", createdAt: "2020"}}
    answers:
      GET /api/posts/9: {body: {id: 9, authorId: "5"}}
    upstream: {body: {id: 9, title: New, authorId: "5", secret: s}}
  - name: a list hides and drops
    user: {id: "5"}
    request: {path: /api/posts, query: {page: "2"}}
    upstream:
      body:
        data:
          - {id: 1, authorId: "5", notes: a, secret: x}
          - {id: 2, authorId: "6", notes: b, secret: y}
          - {id: 3, authorId: "5", deleted: true}
        total: 3
    expect: {body_raw: '{"data":[{"authorId":"5","id":1,"notes":"a"},{"authorId":"6","id":2}],"total":2}'}
  - name: a lookup target is filtered by its own rules
    request: {path: /api/authors/5}
    upstream: {body: {id: "5", name: Ada, email: ada@example.com}}
`

func TestRunnerAgreesWithCaddy(t *testing.T) {
	var (
		mu  sync.Mutex
		cur *crudtest.Case
	)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		c := cur
		mu.Unlock()
		a := c.Upstream
		if ans := answerTo(c, r.Method, r.URL); ans != nil {
			a = ans
		}
		if a == nil {
			a = &crudtest.Answer{Body: map[string]any{}}
		}
		writeAnswer(t, w, a)
	})
	site := "\tcrud {\n" + bt(runnerRules) + "\n\t}\n\treverse_proxy " + up.Listener.Addr().String()
	tester := startGateway(t, site, nil)
	config := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(config, []byte(caddyConfig("", site)), 0o600); err != nil {
		t.Fatal(err)
	}
	suite, err := crudtest.Load(config, "caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	file, err := crudtest.Parse("runner.crudtest.yaml", []byte(runnerCases))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			res := suite.RunCase(c)
			if !res.Passed {
				t.Fatalf("the runner: %v", res.Failures)
			}
			mu.Lock()
			cur = c
			mu.Unlock()
			up.reset()
			var headers []string
			if c.User != nil {
				claims := jwt.MapClaims{"sub": c.User["id"]}
				for k, v := range c.User {
					claims[k] = v
				}
				headers = append(headers, "Authorization: Bearer "+testjwt.Sign(t, jwt.SigningMethodHS256, []byte(runnerSecret), claims))
			}
			body := ""
			if c.Request.Body != nil {
				b, err := json.Marshal(c.Request.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
			}
			target := c.Request.Path
			for k, v := range c.Request.Query {
				target += "?" + k + "=" + v
			}
			method := c.Request.Method
			if method == "" {
				method = http.MethodGet
			}
			got := send(t, tester, method, target, body, headers...)
			if got.Status != res.Got.Status || got.Body != res.Got.Body {
				t.Errorf("client: Caddy %d %s, runner %d %s", got.Status, got.Body, res.Got.Status, res.Got.Body)
			}
			var sent []received // the request passed on, not the handler's own
			for _, r := range up.requests() {
				if u, _ := url.Parse(r.URI); answerTo(c, r.Method, u) == nil {
					sent = append(sent, r)
				}
			}
			switch {
			case res.Got.Upstream == nil && len(sent) != 0:
				t.Errorf("upstream: Caddy sent %+v, the runner sent nothing", sent)
			case res.Got.Upstream != nil && len(sent) != 1:
				t.Errorf("upstream: Caddy sent %+v, the runner %+v", sent, *res.Got.Upstream)
			case res.Got.Upstream != nil:
				want := res.Got.Upstream.Path
				if res.Got.Upstream.Query != "" {
					want += "?" + res.Got.Upstream.Query
				}
				if sent[0].Method != res.Got.Upstream.Method || sent[0].URI != want || sent[0].Body != res.Got.Upstream.Body {
					t.Errorf("upstream: Caddy got %s %s %s, the runner %s %s %s", sent[0].Method, sent[0].URI, sent[0].Body,
						res.Got.Upstream.Method, want, res.Got.Upstream.Body)
				}
			}
		})
	}
}

// answerTo is the case's answer to one of the handler's own requests, by
// "METHOD /path?query" or "METHOD /path"; nil for any other request.
func answerTo(c *crudtest.Case, method string, u *url.URL) *crudtest.Answer {
	if a := c.Answers[method+" "+u.RequestURI()]; a != nil {
		return a
	}
	return c.Answers[method+" "+u.Path]
}

// writeAnswer answers as the runner's in-memory API does.
func writeAnswer(t *testing.T, w http.ResponseWriter, a *crudtest.Answer) {
	if err := a.Write(w); err != nil {
		t.Error(err)
	}
}
