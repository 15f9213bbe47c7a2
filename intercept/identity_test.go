package intercept

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/caddy-crud/caddy-crud/internal/testjwt"
)

// testKeys are generated once per test binary; RSA generation is slow.
type testKeys struct {
	rsa     *rsa.PrivateKey
	ec256   *ecdsa.PrivateKey
	ec384   *ecdsa.PrivateKey
	ec521   *ecdsa.PrivateKey
	ed      ed25519.PrivateKey
	rsaPEM  []byte // PKIX "PUBLIC KEY" of rsa
	secret  []byte
	secret2 []byte
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func getKeys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if keys.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		for _, k := range []struct {
			dst   **ecdsa.PrivateKey
			curve elliptic.Curve
		}{{&keys.ec256, elliptic.P256()}, {&keys.ec384, elliptic.P384()}, {&keys.ec521, elliptic.P521()}} {
			if *k.dst, err = ecdsa.GenerateKey(k.curve, rand.Reader); err != nil {
				panic(err)
			}
		}
		if _, keys.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
		keys.rsaPEM = testjwt.PublicPEM(t, &keys.rsa.PublicKey)
		keys.secret = []byte("0123456789abcdef0123456789abcdef")
		keys.secret2 = []byte("fedcba9876543210fedcba9876543210")
	})
	return &keys
}

// unsigned makes a token with alg none, which the library only signs when
// told it is unsafe.
func unsigned(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return testjwt.Sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims)
}

// claims returns {"sub":"alice","exp":<in an hour>} plus extra.
func claims(extra jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func mustJWT(t testing.TB, j JWT) Authenticator {
	t.Helper()
	if err := j.ready(); err != nil {
		t.Fatalf("ready: %v", err)
	}
	return &j
}

// bearer returns a request with Authorization: Bearer token.
func bearer(token string) *http.Request {
	r := httptest.NewRequest("GET", "/api/x", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestJWTAuthenticate(t *testing.T) {
	k := getKeys(t)
	hs := JWT{key: k.secret, Leeway: caddy.Duration(30 * time.Second)}
	rs := JWT{key: &k.rsa.PublicKey, Leeway: caddy.Duration(30 * time.Second)}
	es := JWT{key: &k.ec256.PublicKey}
	ed := JWT{key: k.ed.Public()}
	iss := JWT{key: k.secret, Issuer: "https://issuer.example", Audience: "my-api"}
	now := time.Now()

	tests := []struct {
		name    string
		cfg     JWT
		token   string
		wantID  string // the user's id when accepted
		wantErr string // the error text when refused
	}{
		// accepted, each algorithm family
		{name: "HS256", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(nil)), wantID: "alice"},
		{name: "HS384", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS384, k.secret, claims(nil)), wantID: "alice"},
		{name: "HS512", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS512, k.secret, claims(nil)), wantID: "alice"},
		{name: "RS256", cfg: rs, token: testjwt.Sign(t, jwt.SigningMethodRS256, k.rsa, claims(nil)), wantID: "alice"},
		{name: "RS512", cfg: rs, token: testjwt.Sign(t, jwt.SigningMethodRS512, k.rsa, claims(nil)), wantID: "alice"},
		{name: "PS256", cfg: rs, token: testjwt.Sign(t, jwt.SigningMethodPS256, k.rsa, claims(nil)), wantID: "alice"},
		{name: "ES256", cfg: es, token: testjwt.Sign(t, jwt.SigningMethodES256, k.ec256, claims(nil)), wantID: "alice"},
		{name: "ES384", cfg: JWT{key: &k.ec384.PublicKey}, token: testjwt.Sign(t, jwt.SigningMethodES384, k.ec384, claims(nil)), wantID: "alice"},
		{name: "ES512", cfg: JWT{key: &k.ec521.PublicKey}, token: testjwt.Sign(t, jwt.SigningMethodES512, k.ec521, claims(nil)), wantID: "alice"},
		{name: "EdDSA", cfg: ed, token: testjwt.Sign(t, jwt.SigningMethodEdDSA, k.ed, claims(nil)), wantID: "alice"},
		{name: "no exp", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"exp": nil})), wantID: "alice"},
		{name: "expired within leeway", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"exp": now.Add(-10 * time.Second).Unix()})), wantID: "alice"},
		{name: "nbf within leeway", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"nbf": now.Add(10 * time.Second).Unix()})), wantID: "alice"},
		{name: "nbf in the past", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"nbf": now.Add(-time.Minute).Unix()})), wantID: "alice"},
		{name: "issuer and audience", cfg: iss, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"iss": "https://issuer.example", "aud": "my-api"})), wantID: "alice"},
		{name: "audience in a list", cfg: iss, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"iss": "https://issuer.example", "aud": []string{"other", "my-api"}})), wantID: "alice"},
		{name: "id claim is replaced by sub", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"id": "mallory"})), wantID: "alice"},

		// refused
		{name: "expired beyond leeway", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"exp": now.Add(-time.Minute).Unix()})), wantErr: "token has expired"},
		{name: "expired with no leeway", cfg: JWT{key: k.secret, Leeway: -1}, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"exp": now.Add(-2 * time.Second).Unix()})), wantErr: "token has expired"},
		{name: "nbf in the future", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"nbf": now.Add(time.Minute).Unix()})), wantErr: "token is not valid yet"},
		{name: "wrong issuer", cfg: iss, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"iss": "https://evil.example", "aud": "my-api"})), wantErr: "token has the wrong issuer"},
		{name: "no issuer", cfg: iss, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"aud": "my-api"})), wantErr: "token is missing a required claim"},
		{name: "wrong audience", cfg: iss, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"iss": "https://issuer.example", "aud": "other"})), wantErr: "token has the wrong audience"},
		{name: "no audience", cfg: iss, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"iss": "https://issuer.example"})), wantErr: "token is missing a required claim"},
		{name: "other secret", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret2, claims(nil)), wantErr: "invalid token signature"},
		{name: "other RSA key", cfg: JWT{key: &k.rsa.PublicKey}, token: func() string {
			other, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			return testjwt.Sign(t, jwt.SigningMethodRS256, other, claims(nil))
		}(), wantErr: "invalid token signature"},
		{name: "alg none with a secret", cfg: hs, token: unsigned(t, claims(nil)), wantErr: "invalid token signature"},
		{name: "alg none with a public key", cfg: rs, token: unsigned(t, claims(nil)), wantErr: "invalid token signature"},
		{name: "HS256 signed with the RSA public key PEM", cfg: rs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.rsaPEM, claims(nil)), wantErr: "invalid token signature"},
		{name: "HS256 signed with the RSA public key DER", cfg: rs, token: func() string {
			der, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
			return testjwt.Sign(t, jwt.SigningMethodHS256, der, claims(nil))
		}(), wantErr: "invalid token signature"},
		{name: "RS256 for a secret", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodRS256, k.rsa, claims(nil)), wantErr: "invalid token signature"},
		{name: "ES384 for a P-256 key", cfg: es, token: testjwt.Sign(t, jwt.SigningMethodES384, k.ec384, claims(nil)), wantErr: "invalid token signature"},
		{name: "EdDSA for an RSA key", cfg: rs, token: testjwt.Sign(t, jwt.SigningMethodEdDSA, k.ed, claims(nil)), wantErr: "invalid token signature"},
		{name: "tampered payload", cfg: hs, token: func() string {
			parts := strings.Split(testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(nil)), ".")
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`))
			return strings.Join(parts, ".")
		}(), wantErr: "invalid token signature"},
		{name: "no subject", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"sub": nil})), wantErr: "token has no subject"},
		{name: "empty subject", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"sub": ""})), wantErr: "token has no subject"},
		{name: "numeric subject", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"sub": 42})), wantErr: "token has no subject"},
		{name: "exp not a number", cfg: hs, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"exp": "tomorrow"})), wantErr: "invalid token"},
		{name: "malformed", cfg: hs, token: "not-a-token", wantErr: "malformed token"},
		{name: "empty bearer", cfg: hs, token: "", wantErr: "malformed token"},
		{name: "two segments", cfg: hs, token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0", wantErr: "malformed token"},
		{name: "bad base64", cfg: hs, token: "!!!.!!!.!!!", wantErr: "malformed token"},
		{name: "unknown alg", cfg: hs, token: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"XYZ","typ":"JWT"}`)) + "." +
			base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice"}`)) + ".c2ln", wantErr: "invalid token"},
		{name: "bad token with optional", cfg: JWT{key: k.secret, Optional: true}, token: "garbage", wantErr: "malformed token"},
		{name: "expired with optional", cfg: JWT{key: k.secret, Optional: true}, token: testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"exp": now.Add(-time.Hour).Unix()})), wantErr: "token has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := mustJWT(t, tt.cfg).Authenticate(bearer(tt.token))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("accepted as %v, want error %q", user, tt.wantErr)
				}
				if err.Error() != tt.wantErr {
					t.Fatalf("error %q, want %q", err, tt.wantErr)
				}
				if user != nil {
					t.Fatalf("user %v with an error", user)
				}
				if tt.token != "" && strings.Contains(err.Error(), tt.token) {
					t.Fatal("the error echoes the token")
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if user["id"] != tt.wantID {
				t.Fatalf("user.id = %#v, want %q (user %v)", user["id"], tt.wantID, user)
			}
		})
	}
}

func TestJWTTokenSource(t *testing.T) {
	k := getKeys(t)
	alice := testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(nil))
	bob := testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"sub": "bob"}))

	tests := []struct {
		name     string
		optional bool
		cookie   string // the configured cookie name
		header   string // Authorization
		cookies  map[string]string
		wantID   string // "" with no error: anonymous
		wantErr  string
	}{
		{name: "no token", wantErr: "authentication required"},
		{name: "no token optional", optional: true},
		{name: "bearer", header: "Bearer " + alice, wantID: "alice"},
		{name: "scheme lower case", header: "bearer " + alice, wantID: "alice"},
		{name: "scheme upper case", header: "BEARER " + alice, wantID: "alice"},
		{name: "extra spaces", header: "  Bearer   " + alice + " ", wantID: "alice"},
		{name: "basic scheme is no token", header: "Basic YWxpY2U6c2VjcmV0", wantErr: "authentication required"},
		{name: "basic scheme optional", optional: true, header: "Basic YWxpY2U6c2VjcmV0"},
		{name: "bearer without token", header: "Bearer", wantErr: "malformed token"},
		{name: "cookie", cookie: "session", cookies: map[string]string{"session": alice}, wantID: "alice"},
		{name: "cookie not configured", cookies: map[string]string{"session": alice}, wantErr: "authentication required"},
		{name: "other cookie", cookie: "session", cookies: map[string]string{"other": alice}, wantErr: "authentication required"},
		{name: "empty cookie optional", optional: true, cookie: "session", cookies: map[string]string{"session": ""}},
		{name: "header wins over cookie", cookie: "session", header: "Bearer " + bob, cookies: map[string]string{"session": alice}, wantID: "bob"},
		{name: "bad header with good cookie", cookie: "session", header: "Bearer garbage", cookies: map[string]string{"session": alice}, wantErr: "malformed token"},
		{name: "good header with bad cookie", cookie: "session", header: "Bearer " + alice, cookies: map[string]string{"session": "garbage"}, wantID: "alice"},
		{name: "basic header falls back to cookie", cookie: "session", header: "Basic YWxpY2U6c2VjcmV0", cookies: map[string]string{"session": bob}, wantID: "bob"},
		{name: "bad cookie optional", optional: true, cookie: "session", cookies: map[string]string{"session": "garbage"}, wantErr: "malformed token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustJWT(t, JWT{key: k.secret, Optional: tt.optional, Cookie: tt.cookie})
			r := httptest.NewRequest("GET", "/api/x", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			for name, value := range tt.cookies {
				r.AddCookie(&http.Cookie{Name: name, Value: value})
			}
			user, err := a.Authenticate(r)
			switch {
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, %v; want error %q", user, err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantID == "":
				if user != nil {
					t.Fatalf("user %v, want anonymous", user)
				}
			case user["id"] != tt.wantID:
				t.Fatalf("user.id = %#v, want %q", user["id"], tt.wantID)
			}
		})
	}
}

func TestJWTClaims(t *testing.T) {
	k := getKeys(t)
	// written by hand so the numbers are exactly as an issuer sends them
	payload := `{"sub":"alice","exp":` + strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) + `,` +
		`"role":"admin","level":3,"neg":-7,"ratio":0.5,"sci":1e3,"big":12345678901234567890,` +
		`"admin":true,"none":null,"tags":["a",2,2.5],"org":{"id":42,"teams":[{"n":1}]}}`
	token := signRaw(t, k.secret, payload)

	user, err := mustJWT(t, JWT{key: k.secret}).Authenticate(bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	exp, ok := user["exp"].(int)
	if !ok || exp < int(time.Now().Unix()) {
		t.Fatalf("exp = %#v, want an int in the future", user["exp"])
	}
	delete(user, "exp")
	want := map[string]any{
		"id": "alice", "sub": "alice", "role": "admin",
		"level": 3, "neg": -7, "ratio": 0.5, "sci": 1000.0, "big": 12345678901234567890.0,
		"admin": true, "none": nil,
		"tags": []any{"a", 2, 2.5},
		"org":  map[string]any{"id": 42, "teams": []any{map[string]any{"n": 1}}},
	}
	if !reflect.DeepEqual(user, want) {
		t.Fatalf("user\n%#v\nwant\n%#v", user, want)
	}
}

// signRaw signs an exact JSON payload with HS256.
func signRaw(t testing.TB, secret []byte, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	text := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(text, secret)
	if err != nil {
		t.Fatal(err)
	}
	return text + "." + enc.EncodeToString(sig)
}

func TestJWTErrors(t *testing.T) {
	k := getKeys(t)
	tests := []struct {
		name string
		j    JWT
		want string
	}{
		{"no key", JWT{}, "set one of secret and public_key"},
		{"both", JWT{Secret: "s", PublicKey: "/k.pem"}, "set only one of secret and public_key"},
		{"private key", JWT{Secret: "s", key: k.rsa}, "unsupported key type"},
		{"P-224", JWT{PublicKey: "/k.pem", key: func() crypto.PublicKey {
			key, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return &key.PublicKey
		}()}, "unsupported key type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.j.Validate()
			if err == nil {
				err = tt.j.ready()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	k := getKeys(t)
	certPEM := func() []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "issuer"},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.ec256.PublicKey, k.ec256)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}()
	rsaPKCS8, _ := x509.MarshalPKCS8PrivateKey(k.rsa)

	tests := []struct {
		name    string
		pem     []byte
		want    crypto.PublicKey
		wantErr string
	}{
		{name: "RSA PKIX", pem: k.rsaPEM, want: &k.rsa.PublicKey},
		{name: "RSA PKCS1", pem: pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)}), want: &k.rsa.PublicKey},
		{name: "ECDSA", pem: testjwt.PublicPEM(t, &k.ec256.PublicKey), want: &k.ec256.PublicKey},
		{name: "Ed25519", pem: testjwt.PublicPEM(t, k.ed.Public()), want: k.ed.Public()},
		{name: "certificate", pem: certPEM, want: &k.ec256.PublicKey},
		{name: "leading text", pem: append([]byte("# issuer key\n"), k.rsaPEM...), want: &k.rsa.PublicKey},
		{name: "empty", pem: nil, wantErr: "no PEM block found"},
		{name: "not PEM", pem: []byte("hello"), wantErr: "no PEM block found"},
		{name: "private key", pem: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaPKCS8}), wantErr: "found a PRIVATE KEY; give the public key only"},
		{name: "other block", pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1}}), wantErr: `unsupported PEM block "CERTIFICATE REQUEST"`},
		{name: "garbage in block", pem: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}), wantErr: "parsing PUBLIC KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKey(tt.pem)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if eq, ok := got.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(tt.want) {
				t.Fatalf("got %T, not the expected key", got)
			}
		})
	}
}

// withReplacer returns a request whose replacer holds vars, as Caddy's
// server and earlier handlers would have left it.
func withReplacer(vars map[string]any, headers ...string) *http.Request {
	r := httptest.NewRequest("GET", "/api/x", nil)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		r.Header.Set(name, strings.TrimSpace(value))
	}
	repl := caddy.NewReplacer()
	for k, v := range vars {
		repl.Set(k, v)
	}
	// the request header placeholders, as caddyhttp provides them
	repl.Map(func(key string) (any, bool) {
		if name, ok := strings.CutPrefix(key, "http.request.header."); ok {
			return strings.Join(r.Header.Values(name), ","), true
		}
		return nil, false
	})
	return r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
}

func TestPlaceholderAuthenticate(t *testing.T) {
	basic := map[string]any{"http.auth.user.id": "alice", "http.auth.user.role": "admin", "http.auth.user.level": 3}
	tests := []struct {
		name string
		cfg  Placeholder
		req  *http.Request
		want map[string]any // nil: anonymous
		err  string
	}{
		{name: "basic_auth id", cfg: Placeholder{Prefix: "http.auth.user"}, req: withReplacer(basic),
			want: map[string]any{"id": "alice"}},
		{name: "fields", cfg: Placeholder{Prefix: "http.auth.user", Fields: map[string]string{"role": "role", "lvl": "level", "missing": "missing"}},
			req: withReplacer(basic), want: map[string]any{"id": "alice", "role": "admin", "lvl": 3}},
		{name: "prefix in braces with a dot", cfg: Placeholder{Prefix: "{http.auth.user.}"}, req: withReplacer(basic),
			want: map[string]any{"id": "alice"}},
		{name: "no id", cfg: Placeholder{Prefix: "http.auth.user"}, req: withReplacer(nil), err: "authentication required"},
		{name: "empty id", cfg: Placeholder{Prefix: "http.auth.user"}, req: withReplacer(map[string]any{"http.auth.user.id": ""}), err: "authentication required"},
		{name: "no id optional", cfg: Placeholder{Prefix: "http.auth.user", Optional: true}, req: withReplacer(nil)},
		{name: "no replacer", cfg: Placeholder{Prefix: "http.auth.user"}, req: httptest.NewRequest("GET", "/", nil), err: "authentication required"},
		{name: "no replacer optional", cfg: Placeholder{Prefix: "http.auth.user", Optional: true}, req: httptest.NewRequest("GET", "/", nil)},
		{name: "forward_auth headers",
			cfg: Placeholder{Prefix: "http.request.header", ID: "Remote-User",
				Fields: map[string]string{"email": "Remote-Email", "groups": "remote-groups", "name": "Remote-Name"}},
			req:  withReplacer(nil, "Remote-User: bob", "Remote-Email: bob@x.io", "Remote-Groups: a,b"),
			want: map[string]any{"id": "bob", "email": "bob@x.io", "groups": "a,b"}},
		{name: "forward_auth without the header", cfg: Placeholder{Prefix: "http.request.header", ID: "Remote-User"},
			req: withReplacer(nil), err: "authentication required"},
		{name: "value types", cfg: Placeholder{Prefix: "p", Fields: map[string]string{"roles": "roles", "n": "n", "ok": "ok", "d": "d"}},
			req:  withReplacer(map[string]any{"p.id": "u", "p.roles": []string{"a", "b"}, "p.n": int64(5), "p.ok": true, "p.d": time.Second}),
			want: map[string]any{"id": "u", "roles": []any{"a", "b"}, "n": 5, "ok": true, "d": "1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := (&Identity{Placeholder: &tt.cfg}).Provision(nil)
			if err != nil {
				t.Fatal(err)
			}
			user, err := a.Authenticate(tt.req)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got %v, %v; want error %q", user, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tt.want == nil {
				if user != nil {
					t.Fatalf("user %v, want anonymous", user)
				}
				return
			}
			if !reflect.DeepEqual(user, tt.want) {
				t.Fatalf("user %#v, want %#v", user, tt.want)
			}
		})
	}
}

func TestPlaceholderErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Placeholder
		want string
	}{
		{"no prefix", Placeholder{}, "no placeholder prefix"},
		{"braces only", Placeholder{Prefix: "{}"}, "no placeholder prefix"},
		{"empty field", Placeholder{Prefix: "p", Fields: map[string]string{"x": ""}}, "empty field name"},
		{"field named id", Placeholder{Prefix: "p", Fields: map[string]string{"id": "uid"}}, `field "id" given more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestJWTConcurrent verifies one authenticator from many goroutines (run
// with -race).
func TestJWTConcurrent(t *testing.T) {
	k := getKeys(t)
	a := mustJWT(t, JWT{key: k.secret, Issuer: "i", Audience: "a"})
	token := testjwt.Sign(t, jwt.SigningMethodHS256, k.secret, claims(jwt.MapClaims{"iss": "i", "aud": "a", "n": 1}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				user, err := a.Authenticate(bearer(token))
				if err != nil || user["id"] != "alice" || user["n"] != 1 {
					t.Errorf("got %v, %v", user, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkJWTAuthenticate(b *testing.B) {
	k := getKeys(b)
	for _, bm := range []struct {
		name   string
		cfg    JWT
		method jwt.SigningMethod
		key    any
	}{
		{"HS256", JWT{key: k.secret}, jwt.SigningMethodHS256, k.secret},
		{"RS256", JWT{key: &k.rsa.PublicKey}, jwt.SigningMethodRS256, k.rsa},
		{"ES256", JWT{key: &k.ec256.PublicKey}, jwt.SigningMethodES256, k.ec256},
		{"EdDSA", JWT{key: k.ed.Public()}, jwt.SigningMethodEdDSA, k.ed},
	} {
		b.Run(bm.name, func(b *testing.B) {
			a := mustJWT(b, bm.cfg)
			r := bearer(testjwt.Sign(b, bm.method, bm.key, claims(jwt.MapClaims{"role": "admin"})))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
