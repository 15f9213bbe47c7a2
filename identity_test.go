package crud

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/caddy-crud/caddy-crud/intercept"
	"github.com/caddy-crud/caddy-crud/internal/testjwt"
)

func testContext(t *testing.T) caddy.Context {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	return ctx
}

// writePEM writes a public key as PEM into a temporary file and returns its
// path.
func writePEM(t *testing.T, name, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// authenticate provisions id and runs its check on a request with token.
func authenticate(t *testing.T, id *intercept.Identity, token string) (map[string]any, error) {
	t.Helper()
	a, err := id.Provision(testContext(t).Logger())
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return a.Authenticate(r)
}

func TestJWTIdentityKeys(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaPath := writePEM(t, "rsa.pem", "PUBLIC KEY", testjwt.PublicDER(t, &rsaKey.PublicKey))
	ecPath := writePEM(t, "ec.pem", "PUBLIC KEY", testjwt.PublicDER(t, &ecKey.PublicKey))
	edPath := writePEM(t, "ed.pem", "PUBLIC KEY", testjwt.PublicDER(t, edPub))
	rsaPEM, err := os.ReadFile(rsaPath)
	if err != nil {
		t.Fatal(err)
	}
	secret := "a-long-random-secret-of-32-bytes!"
	t.Setenv("CRUD_TEST_JWT_SECRET", secret)
	t.Setenv("CRUD_TEST_KEY_DIR", filepath.Dir(rsaPath))
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := jwt.MapClaims{"sub": "alice"}

	tests := []struct {
		name    string
		jwt     intercept.JWT
		token   string
		wantErr string // "" accepts as alice
	}{
		{name: "secret", jwt: intercept.JWT{Secret: secret}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), sub)},
		{name: "secret from env", jwt: intercept.JWT{Secret: "{env.CRUD_TEST_JWT_SECRET}"}, token: testjwt.Sign(t, jwt.SigningMethodHS384, []byte(secret), sub)},
		{name: "secret from file", jwt: intercept.JWT{Secret: "{file." + secretFile + "}"}, token: testjwt.Sign(t, jwt.SigningMethodHS512, []byte(secret), sub)},
		{name: "unknown placeholder kept", jwt: intercept.JWT{Secret: "{not.a.placeholder}"}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte("{not.a.placeholder}"), sub)},
		{name: "RSA key file", jwt: intercept.JWT{PublicKey: rsaPath}, token: testjwt.Sign(t, jwt.SigningMethodRS256, rsaKey, sub)},
		{name: "RSA key path with placeholder", jwt: intercept.JWT{PublicKey: "{env.CRUD_TEST_KEY_DIR}/rsa.pem"}, token: testjwt.Sign(t, jwt.SigningMethodPS384, rsaKey, sub)},
		{name: "ECDSA key file", jwt: intercept.JWT{PublicKey: ecPath}, token: testjwt.Sign(t, jwt.SigningMethodES256, ecKey, sub)},
		{name: "Ed25519 key file", jwt: intercept.JWT{PublicKey: edPath}, token: testjwt.Sign(t, jwt.SigningMethodEdDSA, edKey, sub)},
		{name: "key confusion refused", jwt: intercept.JWT{PublicKey: rsaPath}, token: testjwt.Sign(t, jwt.SigningMethodHS256, rsaPEM, sub), wantErr: "invalid token signature"},
		{name: "secret from env is not the literal", jwt: intercept.JWT{Secret: "{env.CRUD_TEST_JWT_SECRET}"}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte("{env.CRUD_TEST_JWT_SECRET}"), sub), wantErr: "invalid token signature"},
		{name: "default leeway 30s", jwt: intercept.JWT{Secret: secret}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(-20 * time.Second).Unix()})},
		{name: "beyond default leeway", jwt: intercept.JWT{Secret: secret}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(-40 * time.Second).Unix()}), wantErr: "token has expired"},
		{name: "longer leeway", jwt: intercept.JWT{Secret: secret, Leeway: caddy.Duration(time.Minute)}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(-40 * time.Second).Unix()})},
		{name: "negative leeway is none", jwt: intercept.JWT{Secret: secret, Leeway: caddy.Duration(-1)}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(-2 * time.Second).Unix()}), wantErr: "token has expired"},
		{name: "issuer", jwt: intercept.JWT{Secret: secret, Issuer: "https://issuer.example"}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "alice", "iss": "https://other.example"}), wantErr: "token has the wrong issuer"},
		{name: "audience", jwt: intercept.JWT{Secret: secret, Audience: "my-api"}, token: testjwt.Sign(t, jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "alice", "aud": "my-api"})},
		{name: "required", jwt: intercept.JWT{Secret: secret}, wantErr: "authentication required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, err := authenticate(t, &intercept.Identity{JWT: &tt.jwt}, tt.token)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, %v; want error %q", user, err, tt.wantErr)
				}
				return
			}
			if err != nil || user["id"] != "alice" {
				t.Fatalf("got %v, %v; want alice", user, err)
			}
		})
	}

	t.Run("optional", func(t *testing.T) {
		user, err := authenticate(t, &intercept.Identity{JWT: &intercept.JWT{Secret: secret, Optional: true}}, "")
		if err != nil || user != nil {
			t.Fatalf("got %v, %v; want anonymous", user, err)
		}
	})
}

func TestIdentityErrors(t *testing.T) {
	dir := t.TempDir()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	privPath := writePEM(t, "private.pem", "EC PRIVATE KEY", der)
	notPEM := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CRUD_TEST_EMPTY", "")

	tests := []struct {
		name string
		id   intercept.Identity
		want string
	}{
		{"none", intercept.Identity{}, "set one of jwt and placeholder"},
		{"both", intercept.Identity{JWT: &intercept.JWT{Secret: "s"}, Placeholder: &intercept.Placeholder{Prefix: "p"}}, "set only one of jwt and placeholder"},
		{"jwt without key", intercept.Identity{JWT: &intercept.JWT{}}, "jwt: set one of secret and public_key"},
		{"jwt with both keys", intercept.Identity{JWT: &intercept.JWT{Secret: "s", PublicKey: "/k.pem"}}, "jwt: set only one of secret and public_key"},
		{"empty secret from env", intercept.Identity{JWT: &intercept.JWT{Secret: "{env.CRUD_TEST_EMPTY}"}}, "jwt: secret {env.CRUD_TEST_EMPTY} is empty"},
		{"unset env", intercept.Identity{JWT: &intercept.JWT{Secret: "{env.CRUD_TEST_NOT_SET_ANYWHERE}"}}, "is empty"},
		{"missing key file", intercept.Identity{JWT: &intercept.JWT{PublicKey: filepath.Join(dir, "missing.pem")}}, "jwt: public_key: open"},
		{"private key file", intercept.Identity{JWT: &intercept.JWT{PublicKey: privPath}}, "found a EC PRIVATE KEY; give the public key only"},
		{"not PEM", intercept.Identity{JWT: &intercept.JWT{PublicKey: notPEM}}, "no PEM block found"},
		{"placeholder without prefix", intercept.Identity{Placeholder: &intercept.Placeholder{}}, "placeholder: no placeholder prefix"},
		{"placeholder empty field name", intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "p", Fields: map[string]string{"a": ""}}}, "placeholder: empty field name"},
		{"placeholder empty alias", intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "p", Fields: map[string]string{"": "a"}}}, "placeholder: empty field name"},
		{"placeholder field id", intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "p", Fields: map[string]string{"id": "uid"}}}, `placeholder: field "id" given more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.id.Provision(testContext(t).Logger())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestIdentityProvision(t *testing.T) {
	h := &Handler{Identity: &intercept.Identity{JWT: &intercept.JWT{Secret: "{env.CRUD_TEST_NOT_SET_ANYWHERE}"}}}
	err := h.Provision(testContext(t))
	if err == nil || err.Error() != "identity: jwt: secret {env.CRUD_TEST_NOT_SET_ANYWHERE} is empty" {
		t.Fatalf("error %v", err)
	}
	h = &Handler{Identity: &intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "http.auth.user"}}}
	if err := h.Provision(testContext(t)); err != nil {
		t.Fatal(err)
	}
}

func TestPlaceholderIdentity(t *testing.T) {
	id := &intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "http.auth.user", Fields: map[string]string{"role": "role", "org": "org_id"}}}
	a, err := id.Provision(testContext(t).Logger())
	if err != nil {
		t.Fatal(err)
	}
	repl := caddy.NewReplacer()
	repl.Set("http.auth.user.id", "alice")
	repl.Set("http.auth.user.role", "admin")
	repl.Set("http.auth.user.org_id", "o1")
	repl.Set("http.auth.user.other", "not read")
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
	user, err := a.Authenticate(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"id": "alice", "role": "admin", "org": "o1"}; !reflect.DeepEqual(user, want) {
		t.Fatalf("user %v, want %v", user, want)
	}
}

func TestUnmarshalCaddyfileIdentity(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  *intercept.Identity
	}{
		{"jwt secret", "identity jwt {\n secret {env.JWT_SECRET}\n}", &intercept.Identity{JWT: &intercept.JWT{Secret: "{env.JWT_SECRET}"}}},
		{"jwt all options", `identity jwt {
				public_key /etc/keys/{env.KEY}.pem
				issuer     https://issuer.example
				audience   my-api
				optional
				cookie     session
				leeway     1m30s
			}`, &intercept.Identity{JWT: &intercept.JWT{PublicKey: "/etc/keys/{env.KEY}.pem", Issuer: "https://issuer.example",
			Audience: "my-api", Optional: true, Cookie: "session", Leeway: caddy.Duration(90 * time.Second)}}},
		{"jwt leeway in days", "identity jwt {\n secret s\n leeway 1d\n}", &intercept.Identity{JWT: &intercept.JWT{Secret: "s", Leeway: caddy.Duration(24 * time.Hour)}}},
		{"jwt negative leeway", "identity jwt {\n secret s\n leeway -1s\n}", &intercept.Identity{JWT: &intercept.JWT{Secret: "s", Leeway: caddy.Duration(-time.Second)}}},
		{"placeholder", "identity placeholder http.auth.user", &intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "http.auth.user"}}},
		{"placeholder empty block", "identity placeholder http.auth.user {\n}", &intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "http.auth.user"}}},
		{"placeholder all options", `identity placeholder http.request.header {
				id       Remote-User
				fields   Remote-Email>email Remote-Groups>groups Remote-Name
				optional
			}`, &intercept.Identity{Placeholder: &intercept.Placeholder{Prefix: "http.request.header", ID: "Remote-User",
			Fields: map[string]string{"email": "Remote-Email", "groups": "Remote-Groups", "Remote-Name": "Remote-Name"}, Optional: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unmarshal(t, "crud {\n"+tt.input+"\n}")
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if want := (&Handler{Identity: tt.want}); !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%s\nwant\n%s", toJSON(t, got), toJSON(t, want))
			}
		})
	}
}

func TestUnmarshalCaddyfileIdentityErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"no kind", "identity", "identity: wrong argument count, want: identity jwt { ... } | identity placeholder <prefix> [{ ... }]"},
		{"unknown kind", "identity oauth", `identity: unknown kind "oauth"`},
		{"twice", "identity placeholder a\n identity placeholder b", "identity: given more than once, at Testfile:3"},
		{"jwt without block", "identity jwt", "identity jwt: set one of secret and public_key"},
		{"jwt empty block", "identity jwt {\n}", "identity jwt: set one of secret and public_key"},
		{"jwt argument", "identity jwt s3cret", `identity jwt: unexpected argument "s3cret"; jwt takes its options in a block`},
		{"jwt both keys", "identity jwt {\n secret s\n public_key /k.pem\n}", "identity jwt: set only one of secret and public_key"},
		{"jwt unknown option", "identity jwt {\n secret s\n algorithm HS256\n}", `identity jwt: unknown option "algorithm", at Testfile:4`},
		{"jwt repeated option", "identity jwt {\n secret s\n issuer a\n issuer b\n}", "identity jwt: issuer: given more than once, at Testfile:5"},
		{"jwt secret without value", "identity jwt {\n secret\n}", "identity jwt: secret: wrong argument count, want: secret <secret>"},
		{"jwt secret two values", "identity jwt {\n secret a b\n}", "identity jwt: secret: wrong argument count"},
		{"jwt audience two values", "identity jwt {\n secret s\n audience a b\n}", "identity jwt: audience: wrong argument count, want: audience <aud>"},
		{"jwt optional with value", "identity jwt {\n secret s\n optional yes\n}", "identity jwt: optional: wrong argument count, want: optional"},
		{"jwt cookie without name", "identity jwt {\n secret s\n cookie\n}", "identity jwt: cookie: wrong argument count"},
		{"jwt bad leeway", "identity jwt {\n secret s\n leeway soon\n}", `identity jwt: leeway: parsing duration "soon"`},
		{"jwt option with block", "identity jwt {\n secret s {\n x\n }\n}", "identity jwt: secret: unexpected block"},
		{"placeholder no prefix", "identity placeholder", "identity placeholder: wrong argument count, want: identity placeholder <prefix> [{ ... }]"},
		{"placeholder two prefixes", "identity placeholder a b", "identity placeholder: wrong argument count"},
		{"placeholder unknown option", "identity placeholder a {\n prefix b\n}", `identity placeholder: unknown option "prefix"`},
		{"placeholder fields empty", "identity placeholder a {\n fields\n}", "identity placeholder: fields: wrong argument count"},
		{"placeholder fields bad alias", "identity placeholder a {\n fields x>\n}", `identity placeholder: fields: "x>": want <name> or <name>><alias>`},
		{"placeholder fields no name", "identity placeholder a {\n fields >x\n}", `identity placeholder: fields: ">x"`},
		{"placeholder alias twice", "identity placeholder a {\n fields x y>x\n}", "identity placeholder: fields: user.x given more than once"},
		{"placeholder field id", "identity placeholder a {\n fields uid>id\n}", `identity placeholder: field "id" given more than once (id is always set)`},
		{"placeholder repeated fields", "identity placeholder a {\n fields x\n fields y\n}", "identity placeholder: fields: given more than once"},
		{"placeholder id two values", "identity placeholder a {\n id x y\n}", "identity placeholder: id: wrong argument count, want: id <name>"},
		{"placeholder optional with value", "identity placeholder a {\n optional on\n}", "identity placeholder: optional: wrong argument count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := unmarshal(t, "crud {\n "+tt.input+"\n}")
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
		})
	}
}
