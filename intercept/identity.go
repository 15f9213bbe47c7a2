package intercept

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// The texts of authentication failures; they are shown to the client, so
// they never carry the token or a key.
var (
	errAuthRequired   = errors.New("authentication required")
	errNoSubject      = errors.New("token has no subject")
	errMalformed      = errors.New("malformed token")
	errBadSignature   = errors.New("invalid token signature")
	errExpired        = errors.New("token has expired")
	errNotYetValid    = errors.New("token is not valid yet")
	errWrongIssuer    = errors.New("token has the wrong issuer")
	errWrongAudience  = errors.New("token has the wrong audience")
	errMissingClaim   = errors.New("token is missing a required claim")
	errInvalidToken   = errors.New("invalid token")
	errUnknownKeyType = errors.New("unsupported key type, want an RSA, ECDSA (P-256, P-384, P-521) or Ed25519 public key")
)

// Identity says how the caller is found; the caller becomes the `user`
// variable of rules (a map of claims with `id` set, or nil when anonymous).
// Exactly one of its fields is set.
type Identity struct {
	// JWT verifies a bearer token from the Authorization header or a cookie.
	JWT *JWT `json:"jwt,omitempty"`

	// Placeholder reads the caller from placeholders that an earlier handler
	// set, such as basic_auth's {http.auth.user.*}, or the request headers
	// forward_auth copied from the auth service's response.
	Placeholder *Placeholder `json:"placeholder,omitempty"`
}

// Validate checks that exactly one way of finding the caller is set, and
// that way's own fields.
func (id *Identity) Validate() error {
	switch {
	case id.JWT != nil && id.Placeholder != nil:
		return errors.New("set only one of jwt and placeholder")
	case id.JWT != nil:
		if err := id.JWT.Validate(); err != nil {
			return fmt.Errorf("jwt: %w", err)
		}
	case id.Placeholder != nil:
		if err := id.Placeholder.Validate(); err != nil {
			return fmt.Errorf("placeholder: %w", err)
		}
	default:
		return errors.New("set one of jwt and placeholder")
	}
	return nil
}

// Provision validates id and readies the way it sets, which is then the
// identity check; logger hears about weak secrets.
func (id *Identity) Provision(logger *zap.Logger) (Authenticator, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	if id.JWT != nil {
		if err := id.JWT.provision(logger); err != nil {
			return nil, fmt.Errorf("jwt: %w", err)
		}
		return id.JWT, nil
	}
	id.Placeholder.provision()
	return id.Placeholder, nil
}

// JWT verifies JSON Web Tokens. Exactly one of Secret and PublicKey is
// set. The token's claims become `user`, with `user.id` set to `sub`; a
// token without `sub` is refused. A missing token is refused unless
// Optional; a bad one (signature, exp, nbf, iss, aud) always is.
type JWT struct {
	// Secret is the HMAC key of HS256, HS384 and HS512 tokens, used as is
	// (not base64-decoded). Caddy placeholders are resolved once when the
	// config loads, so `{env.JWT_SECRET}` or `{file./run/secrets/jwt}`
	// keep the secret itself out of the config.
	Secret string `json:"secret,omitempty"`

	// PublicKey is the path of a PEM file holding a public key (PUBLIC KEY,
	// RSA PUBLIC KEY) or a certificate. An RSA key verifies RS256/384/512 and
	// PS256/384/512, an ECDSA key the ES algorithm of its curve (P-256:
	// ES256, P-384: ES384, P-521: ES512), an Ed25519 key EdDSA. Placeholders
	// in the path are resolved; the file is read once when the config loads.
	PublicKey string `json:"public_key,omitempty"`

	// Issuer, when set, must equal the token's `iss`.
	Issuer string `json:"issuer,omitempty"`

	// Audience, when set, must be in the token's `aud`.
	Audience string `json:"audience,omitempty"`

	// Optional lets a request without a token through as anonymous (`user`
	// is nil). A token that is sent but fails verification is still
	// refused. Default: false, a missing token gets 401.
	Optional bool `json:"optional,omitempty"`

	// Cookie names a cookie to read the token from when the request has no
	// `Authorization: Bearer` header; the header wins when both are sent.
	// Default: none, the header only.
	Cookie string `json:"cookie,omitempty"`

	// Leeway is the clock skew allowed when checking `exp` and `nbf`.
	// Default: 30s; a negative value allows none.
	Leeway caddy.Duration `json:"leeway,omitempty"`

	key     any         // the secret ([]byte) or the public key, read once
	parser  *jwt.Parser // nil until provisioned
	keyFunc jwt.Keyfunc // hands the parser key
}

// defaultLeeway is the clock skew allowed on exp and nbf by default.
const defaultLeeway = 30 * time.Second

// Validate checks that exactly one of Secret and PublicKey is set.
func (j *JWT) Validate() error {
	switch {
	case j.Secret != "" && j.PublicKey != "":
		return errors.New("set only one of secret and public_key")
	case j.Secret == "" && j.PublicKey == "":
		return errors.New("set one of secret and public_key")
	}
	return nil
}

// provision resolves the placeholders of Secret or PublicKey, reads the key
// once and readies the verifier.
func (j *JWT) provision(logger *zap.Logger) error {
	repl := caddy.NewReplacer()
	if j.Secret != "" {
		secret := repl.ReplaceKnown(j.Secret, "")
		if secret == "" {
			// only placeholders resolve to nothing, so this names no secret
			return fmt.Errorf("secret %s is empty", j.Secret)
		}
		if len(secret) < 32 && logger != nil {
			logger.Warn("jwt secret is shorter than 32 bytes; use a long random secret",
				zap.Int("length", len(secret)))
		}
		j.key = []byte(secret)
	} else {
		path := repl.ReplaceKnown(j.PublicKey, "")
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("public_key: %w", err)
		}
		if j.key, err = ParsePublicKey(data); err != nil {
			return fmt.Errorf("public_key %s: %w", path, err)
		}
	}
	return j.ready()
}

// ready builds the verifier of j.key: a token is verified with it, only
// with the algorithms of its family, and its claims become the user, with
// "id" set to sub.
func (j *JWT) ready() error {
	var methods []string
	if secret, ok := j.key.([]byte); ok && len(secret) > 0 {
		methods = []string{"HS256", "HS384", "HS512"}
	} else {
		var err error
		if methods, err = methodsOf(j.key); err != nil {
			return err
		}
	}
	leeway := time.Duration(j.Leeway)
	switch {
	case leeway == 0:
		leeway = defaultLeeway
	case leeway < 0:
		leeway = 0
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithJSONNumber(),
		jwt.WithLeeway(leeway),
	}
	if j.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(j.Issuer))
	}
	if j.Audience != "" {
		opts = append(opts, jwt.WithAudience(j.Audience))
	}
	key := j.key
	j.parser = jwt.NewParser(opts...)
	j.keyFunc = func(*jwt.Token) (any, error) { return key, nil }
	return nil
}

// Challenge is the WWW-Authenticate value of a 401.
func (j *JWT) Challenge() string { return `Bearer realm="api"` }

// Authenticate implements Authenticator.
func (j *JWT) Authenticate(r *http.Request) (map[string]any, error) {
	token, ok := j.token(r)
	if !ok {
		if j.Optional {
			return nil, nil
		}
		return nil, errAuthRequired
	}
	claims := jwt.MapClaims{}
	if _, err := j.parser.ParseWithClaims(token, claims, j.keyFunc); err != nil {
		return nil, tokenError(err)
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return nil, errNoSubject
	}
	user := map[string]any(claims)
	for k, v := range user {
		user[k] = plainValue(v)
	}
	user["id"] = sub
	return user, nil
}

// token returns the request's token: from an Authorization header with the
// Bearer scheme (any case), else from the cookie. An Authorization header
// of another scheme, and an empty cookie, count as no token; a Bearer
// header without a token is a (malformed) token.
func (j *JWT) token(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token), true
		}
	}
	if j.Cookie != "" {
		if c, err := r.Cookie(j.Cookie); err == nil && c.Value != "" {
			return c.Value, true
		}
	}
	return "", false
}

// tokenError turns a verification failure into a short text for the client.
func tokenError(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return errMalformed
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return errBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return errExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return errNotYetValid
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return errWrongIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return errWrongAudience
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return errMissingClaim // iss or aud, when configured
	}
	return errInvalidToken
}

// plainValue converts a decoded claim into the values rules see, as the
// rules package reads JSON bodies: integral numbers in the int64 range are
// int, other numbers float64; objects and arrays are converted in place.
func plainValue(v any) any {
	switch v := v.(type) {
	case json.Number:
		return rules.Number(string(v))
	case map[string]any:
		for k, e := range v {
			v[k] = plainValue(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = plainValue(e)
		}
		return v
	}
	return v
}

// ParsePublicKey reads the first PEM block of data: a PKIX public key
// ("PUBLIC KEY"), a PKCS #1 RSA public key ("RSA PUBLIC KEY") or a
// certificate, whose key is used. The key must be RSA, ECDSA on P-256,
// P-384 or P-521, or Ed25519.
func ParsePublicKey(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("no PEM block found")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("found a %s; give the public key only", block.Type)
		}
		return nil, fmt.Errorf("unsupported PEM block %q, want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", block.Type, err)
	}
	if _, err := methodsOf(key); err != nil {
		return nil, err
	}
	return key, nil
}

// methodsOf returns the JWT algorithms a public key may verify.
func methodsOf(key crypto.PublicKey) ([]string, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return []string{"ES256"}, nil
		case elliptic.P384():
			return []string{"ES384"}, nil
		case elliptic.P521():
			return []string{"ES512"}, nil
		}
	case ed25519.PublicKey:
		return []string{"EdDSA"}, nil
	}
	return nil, errUnknownKeyType
}

// Placeholder reads the caller from placeholders an earlier handler set.
// `user.id` is {<prefix>.<id>}; a request where it is empty is anonymous
// when Optional, else refused with 401. Caddy offers no way to list the
// placeholders under a prefix, so besides the id only the Fields named
// here are read.
type Placeholder struct {
	// Prefix is the placeholder namespace, without braces: http.auth.user
	// after basic_auth and other caddyauth providers (which set
	// {http.auth.user.id} and their metadata as {http.auth.user.*});
	// http.reverse_proxy.header after forward_auth, whose auth response
	// headers these placeholders hold until the next reverse_proxy runs (a
	// client cannot forge them); or http.request.header for the request
	// headers forward_auth's copy_headers sets (trusted as sent wherever
	// forward_auth does not run first).
	Prefix string `json:"prefix,omitempty"`

	// ID is the name, under Prefix, of the caller's id, e.g. Remote-User
	// with a header prefix (http.reverse_proxy.header needs the canonical
	// spelling, Remote-User). Default: id.
	ID string `json:"id,omitempty"`

	// Fields maps other fields of `user` to names under Prefix, e.g.
	// {"email": "Remote-Email"} sets user.email to {<prefix>.Remote-Email}.
	// Empty values are left out, so they read as nil. Default: none.
	Fields map[string]string `json:"fields,omitempty"`

	// Optional lets a request with an empty id through as anonymous (`user`
	// is nil). Default: false, such a request gets 401.
	Optional bool `json:"optional,omitempty"`

	id     string             // the full placeholder name of the id
	fields []placeholderField // sorted by field
}

// placeholderField is one extra field of a placeholder identity: the value
// of the placeholder name, as user.<as>.
type placeholderField struct {
	name, as string
}

// prefix is Prefix without braces or a trailing dot.
func (p *Placeholder) prefix() string {
	return strings.TrimSuffix(strings.Trim(p.Prefix, "{}"), ".")
}

// Validate checks that there is a prefix and that each field has a name,
// none of them id.
func (p *Placeholder) Validate() error {
	if p.prefix() == "" {
		return errors.New("no placeholder prefix")
	}
	for _, as := range slices.Sorted(maps.Keys(p.Fields)) {
		if p.Fields[as] == "" || as == "" {
			return errors.New("empty field name")
		}
		if as == "id" {
			return errors.New(`field "id" given more than once (id is always set)`)
		}
	}
	return nil
}

// provision readies the reader: the caller is {<prefix>.<id>}, with the
// listed fields.
func (p *Placeholder) provision() {
	prefix := p.prefix()
	p.id = prefix + "." + cmp.Or(p.ID, "id")
	p.fields = p.fields[:0]
	for _, as := range slices.Sorted(maps.Keys(p.Fields)) {
		p.fields = append(p.fields, placeholderField{name: prefix + "." + p.Fields[as], as: as})
	}
}

// Authenticate implements Authenticator.
func (p *Placeholder) Authenticate(r *http.Request) (map[string]any, error) {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	var id string
	if repl != nil {
		id, _ = repl.GetString(p.id)
	}
	if id == "" {
		if p.Optional {
			return nil, nil
		}
		return nil, errAuthRequired
	}
	user := make(map[string]any, 1+len(p.fields))
	user["id"] = id
	for _, f := range p.fields {
		if v, ok := repl.Get(f.name); ok {
			if v = placeholderValue(v); v != nil {
				user[f.as] = v
			}
		}
	}
	return user, nil
}

// placeholderValue converts a placeholder's value into a value rules see;
// an empty string (an absent header, say) is nil.
func placeholderValue(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if v == "" {
			return nil
		}
		return v
	case bool, int, float64:
		return v
	case int64:
		return int(v)
	case int32:
		return int(v)
	case float32:
		return float64(v)
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	case []any, map[string]any:
		return v
	}
	if s := caddy.ToString(v); s != "" {
		return s
	}
	return nil
}

// Interface guards
var (
	_ Authenticator = (*JWT)(nil)
	_ Authenticator = (*Placeholder)(nil)
)
