package caddytest

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/caddy-crud/caddy-crud/internal/testjwt"
)

// identitySecret is the HS256 secret of the JWT tests, given to Caddy as
// {env.JWT_SECRET}.
const identitySecret = "test-secret-0123456789abcdef0123456789"

// identityRules are the rules that show the caller reaching rules and the
// upstream body: ´ stands for a backtick.
const identityRules = `
		resource posts /api/posts {
			before create {
				require ´user != nil´ 401 "login required"
				set creatorId ´user.id´
			}
		}`

func identityConfig(s string) string { return strings.ReplaceAll(s, "´", "`") }

// identityToken signs claims with HS256 and the secret.
func identityToken(t *testing.T, secret string, claims jwt.MapClaims) string {
	t.Helper()
	return testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), claims)
}

// identityUnauthorized asserts a 401 problem with the Bearer challenge.
func identityUnauthorized(t *testing.T, r response, detail string) {
	t.Helper()
	r.expect(t, 401, problemJSON(401, detail))
	if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="api"` {
		t.Fatalf("WWW-Authenticate %q", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

func TestIdentityJWT(t *testing.T) {
	t.Setenv("JWT_SECRET", identitySecret)
	up := newUpstream(t, nil)
	tester := gateway(t, identityConfig(`
		identity jwt {
			secret {env.JWT_SECRET}
			issuer https://issuer.example
			cookie session
		}
		resource posts /api/posts {
			before create {
				set creatorId ´user.id´
				set creatorRole ´user.role´
				set level ´user.level + 1´
			}
		}`), up)

	exp := time.Now().Add(time.Hour).Unix()
	claims := func(sub string, extra ...any) jwt.MapClaims {
		c := jwt.MapClaims{"sub": sub, "iss": "https://issuer.example", "exp": exp, "role": "editor", "level": 2}
		for i := 0; i < len(extra); i += 2 {
			c[extra[i].(string)] = extra[i+1]
		}
		return c
	}
	alice := identityToken(t, identitySecret, claims("alice"))
	bob := identityToken(t, identitySecret, claims("bob"))

	t.Run("token reaches rules and upstream", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{"title":"x"}`, "Authorization: Bearer "+alice).expect(t, 200, `{}`)
		if got := up.only(t); got.Body != `{"title":"x","creatorId":"alice","creatorRole":"editor","level":3}` {
			t.Fatalf("upstream got %s", got.Body)
		}
	})
	t.Run("scheme in lower case", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{}`, "Authorization: bearer "+bob).expect(t, 200, `{}`)
		if got := up.only(t); !strings.Contains(got.Body, `"creatorId":"bob"`) {
			t.Fatalf("upstream got %s", got.Body)
		}
	})
	t.Run("cookie", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{}`, "Cookie: session="+alice).expect(t, 200, `{}`)
		if got := up.only(t); !strings.Contains(got.Body, `"creatorId":"alice"`) {
			t.Fatalf("upstream got %s", got.Body)
		}
	})
	t.Run("header wins over cookie", func(t *testing.T) {
		up.reset()
		send(t, tester, "POST", "/api/posts", `{}`, "Cookie: session="+alice, "Authorization: Bearer "+bob).expect(t, 200, `{}`)
		if got := up.only(t); !strings.Contains(got.Body, `"creatorId":"bob"`) {
			t.Fatalf("upstream got %s", got.Body)
		}
	})
	t.Run("reads need a token too", func(t *testing.T) {
		up.reset()
		identityUnauthorized(t, send(t, tester, "GET", "/api/posts/1", ""), "authentication required")
		up.none(t)
		send(t, tester, "GET", "/api/posts/1", "", "Authorization: Bearer "+alice).expect(t, 200, `{}`)
	})
	t.Run("other paths are not guarded", func(t *testing.T) {
		up.reset()
		send(t, tester, "GET", "/health", "").expect(t, 200, `{}`)
		up.only(t)
	})

	refused := []struct {
		name   string
		header string
		detail string
	}{
		{"no token", "", "authentication required"},
		{"basic credentials are no token", "Authorization: Basic YWxpY2U6c2VjcmV0", "authentication required"},
		{"malformed", "Authorization: Bearer not.a.token", "malformed token"},
		{"other secret", "Authorization: Bearer " + identityToken(t, "another-secret-0123456789abcdef0123", claims("alice")), "invalid token signature"},
		{"literal placeholder as secret", "Authorization: Bearer " + identityToken(t, "{env.JWT_SECRET}", claims("alice")), "invalid token signature"},
		{"alg none", "Authorization: Bearer " + testjwt.Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims("alice")), "invalid token signature"},
		{"expired", "Authorization: Bearer " + identityToken(t, identitySecret, claims("alice", "exp", time.Now().Add(-time.Hour).Unix())), "token has expired"},
		{"not valid yet", "Authorization: Bearer " + identityToken(t, identitySecret, claims("alice", "nbf", time.Now().Add(time.Hour).Unix())), "token is not valid yet"},
		{"wrong issuer", "Authorization: Bearer " + identityToken(t, identitySecret, claims("alice", "iss", "https://evil.example")), "token has the wrong issuer"},
		{"no subject", "Authorization: Bearer " + identityToken(t, identitySecret, claims("", "sub", "")), "token has no subject"},
		{"bad cookie", "Cookie: session=garbage", "malformed token"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			up.reset()
			var headers []string
			if tt.header != "" {
				headers = append(headers, tt.header)
			}
			identityUnauthorized(t, send(t, tester, "POST", "/api/posts", `{"title":"x"}`, headers...), tt.detail)
			up.none(t)
		})
	}
}

func TestIdentityJWTOptional(t *testing.T) {
	t.Setenv("JWT_SECRET", identitySecret)
	up := newUpstream(t, nil)
	tester := gateway(t, identityConfig(`
		identity jwt {
			secret {env.JWT_SECRET}
			optional
		}`+identityRules), up)

	// anonymous reads pass, anonymous writes meet the rule
	send(t, tester, "GET", "/api/posts", "").expect(t, 200, `{}`)
	up.only(t)
	up.reset()
	send(t, tester, "POST", "/api/posts", `{"title":"x"}`).expect(t, 401, problemJSON(401, "login required"))
	up.none(t)

	token := identityToken(t, identitySecret, jwt.MapClaims{"sub": "alice"})
	send(t, tester, "POST", "/api/posts", `{"title":"x"}`, "Authorization: Bearer "+token).expect(t, 200, `{}`)
	if got := up.only(t); got.Body != `{"title":"x","creatorId":"alice"}` {
		t.Fatalf("upstream got %s", got.Body)
	}

	// a bad token is refused even though a token is optional
	up.reset()
	identityUnauthorized(t, send(t, tester, "GET", "/api/posts", "", "Authorization: Bearer "+token+"x"), "invalid token signature")
	up.none(t)
}

func TestIdentityJWTPublicKey(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := testjwt.PublicPEM(t, pub)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jwt.pem"), pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("JWT_KEY_DIR", dir)

	up := newUpstream(t, nil)
	tester := gateway(t, identityConfig(`
		identity jwt {
			public_key {env.JWT_KEY_DIR}/jwt.pem
			audience my-api
		}`+identityRules), up)

	token := testjwt.Sign(t, jwt.SigningMethodEdDSA, priv, jwt.MapClaims{"sub": "carol", "aud": "my-api"})
	send(t, tester, "POST", "/api/posts", `{}`, "Authorization: Bearer "+token).expect(t, 200, `{}`)
	if got := up.only(t); got.Body != `{"creatorId":"carol"}` {
		t.Fatalf("upstream got %s", got.Body)
	}

	up.reset()
	// the public key's PEM used as an HMAC secret: algorithm confusion
	confused := identityToken(t, string(pemBytes), jwt.MapClaims{"sub": "mallory", "aud": "my-api"})
	identityUnauthorized(t, send(t, tester, "POST", "/api/posts", `{}`, "Authorization: Bearer "+confused), "invalid token signature")
	other := testjwt.Sign(t, jwt.SigningMethodEdDSA, priv, jwt.MapClaims{"sub": "carol", "aud": "other-api"})
	identityUnauthorized(t, send(t, tester, "POST", "/api/posts", `{}`, "Authorization: Bearer "+other), "token has the wrong audience")
	up.none(t)
}

func TestIdentityBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	up := newUpstream(t, nil)
	// basic_auth guards /api/* only; crud also guards /public/notes, where
	// no one is authenticated
	tester := startGateway(t, identityConfig(fmt.Sprintf(`
	basic_auth /api/* {
		alice %s
	}
	crud {
		identity placeholder http.auth.user
		%s
		resource notes /public/notes
	}
	reverse_proxy {upstream}`, hash, identityRules)), up)

	send(t, tester, "POST", "/api/posts", `{"title":"x"}`, "Authorization: Basic "+basic("alice", "s3cret")).expect(t, 200, `{}`)
	if got := up.only(t); got.Body != `{"title":"x","creatorId":"alice"}` {
		t.Fatalf("upstream got %s", got.Body)
	}

	up.reset()
	if r := send(t, tester, "POST", "/api/posts", `{}`, "Authorization: Basic "+basic("alice", "wrong")); r.Status != 401 {
		t.Fatalf("wrong password: got %d %s", r.Status, r.Body)
	}
	if r := send(t, tester, "POST", "/api/posts", `{}`); r.Status != 401 || r.Header.Get("WWW-Authenticate") == `Bearer realm="api"` {
		t.Fatalf("no credentials: got %d %s, want basic_auth's own 401", r.Status, r.Body)
	}
	up.none(t)

	// a path crud guards but basic_auth does not: no id, so 401
	noBearer := send(t, tester, "GET", "/public/notes", "")
	noBearer.expect(t, 401, problemJSON(401, "authentication required"))
	if got := noBearer.Header.Get("WWW-Authenticate"); got != "" {
		t.Fatalf("WWW-Authenticate %q: a placeholder identity has no scheme to announce", got)
	}
	up.none(t)
}

// basic encodes user:password for the Basic scheme.
func basic(user, password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestIdentityForwardAuth(t *testing.T) {
	// the auth service accepts one token and names its user in headers
	auth := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Remote-User", "dave")
		w.Header().Set("Remote-Email", "dave@example.com")
		w.WriteHeader(http.StatusOK)
	})
	for _, tt := range []struct{ name, identity string }{
		{"request headers", `identity placeholder http.request.header {
			id Remote-User
			fields Remote-Email>email
		}`},
		{"auth response placeholders", `identity placeholder http.reverse_proxy.header {
			id Remote-User
			fields Remote-Email>email
		}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, nil)
			tester := startGateway(t, identityConfig(fmt.Sprintf(`
	forward_auth %s {
		uri /verify
		copy_headers Remote-User Remote-Email
	}
	crud {
		%s
		resource posts /api/posts {
			before create {
				set creatorId ´user.id´
				set creatorEmail ´user.email´
			}
		}
	}
	reverse_proxy {upstream}`, auth.Listener.Addr(), tt.identity)), up)

			// a client-sent Remote-User is replaced by the auth service's
			send(t, tester, "POST", "/api/posts", `{}`, "Authorization: Bearer good", "Remote-User: mallory").expect(t, 200, `{}`)
			if got := up.only(t); got.Body != `{"creatorId":"dave","creatorEmail":"dave@example.com"}` {
				t.Fatalf("upstream got %s", got.Body)
			}
			up.reset()
			if r := send(t, tester, "POST", "/api/posts", `{}`, "Authorization: Bearer bad", "Remote-User: mallory"); r.Status != 401 {
				t.Fatalf("bad token: got %d %s", r.Status, r.Body)
			}
			up.none(t)
		})
	}
}
