package intercept

import (
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
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/golang-jwt/jwt/v5"
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

// JWTConfig configures a JWT authenticator. Exactly one of Secret and
// PublicKey is set.
type JWTConfig struct {
	// Secret is the HMAC key of HS256, HS384 and HS512 tokens.
	Secret []byte
	// PublicKey verifies RS*/PS* (RSA), ES* (ECDSA, the algorithm of the
	// key's curve) or EdDSA (Ed25519) tokens; see ParsePublicKey.
	PublicKey crypto.PublicKey
	// Issuer and Audience, when set, must match iss and aud.
	Issuer, Audience string
	// Optional lets a request without a token through as anonymous.
	Optional bool
	// Cookie names the cookie to read the token from when there is no
	// Authorization: Bearer header.
	Cookie string
	// Leeway is the clock skew allowed on exp and nbf.
	Leeway time.Duration
}

// jwtAuth verifies bearer tokens with one key.
type jwtAuth struct {
	parser   *jwt.Parser
	keyFunc  jwt.Keyfunc
	optional bool
	cookie   string
}

// NewJWT builds the authenticator of cfg: a request's token is verified
// with the configured key, only with the algorithms of that key's family,
// and its claims become the user, with "id" set to sub.
func NewJWT(cfg JWTConfig) (Authenticator, error) {
	var (
		key     any
		methods []string
	)
	switch {
	case len(cfg.Secret) > 0 && cfg.PublicKey != nil:
		return nil, fmt.Errorf("set only one of secret and public key")
	case len(cfg.Secret) > 0:
		key, methods = cfg.Secret, []string{"HS256", "HS384", "HS512"}
	case cfg.PublicKey != nil:
		var err error
		if methods, err = methodsOf(cfg.PublicKey); err != nil {
			return nil, err
		}
		key = cfg.PublicKey
	default:
		return nil, fmt.Errorf("no secret or public key")
	}
	if cfg.Leeway < 0 {
		cfg.Leeway = 0
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithJSONNumber(),
		jwt.WithLeeway(cfg.Leeway),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &jwtAuth{
		parser:   jwt.NewParser(opts...),
		keyFunc:  func(*jwt.Token) (any, error) { return key, nil },
		optional: cfg.Optional,
		cookie:   cfg.Cookie,
	}, nil
}

// Authenticate implements Authenticator.
// Challenge is the WWW-Authenticate value of a 401.
func (a *jwtAuth) Challenge() string { return `Bearer realm="api"` }

func (a *jwtAuth) Authenticate(r *http.Request) (map[string]any, error) {
	token, ok := a.token(r)
	if !ok {
		if a.optional {
			return nil, nil
		}
		return nil, errAuthRequired
	}
	claims := jwt.MapClaims{}
	if _, err := a.parser.ParseWithClaims(token, claims, a.keyFunc); err != nil {
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
func (a *jwtAuth) token(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token), true
		}
	}
	if a.cookie != "" {
		if c, err := r.Cookie(a.cookie); err == nil && c.Value != "" {
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
		return numberValue(string(v))
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

func numberValue(raw string) any {
	if !strings.ContainsAny(raw, ".eE") {
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return int(n)
		}
	}
	f, _ := strconv.ParseFloat(raw, 64)
	return f
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

// PlaceholderField is one extra field of a placeholder identity: the value
// of {<prefix>.<Name>}, as user.<As>.
type PlaceholderField struct {
	Name, As string
}

// PlaceholderConfig configures an authenticator that reads what an earlier
// handler (basic_auth, forward_auth, an auth plugin) left in the request's
// placeholders.
type PlaceholderConfig struct {
	// Prefix is the placeholder namespace, e.g. http.auth.user.
	Prefix string
	// ID names the placeholder under Prefix that holds the caller's id.
	// Default: id.
	ID string
	// Fields are the other placeholders read.
	Fields []PlaceholderField
	// Optional lets a request without an id through as anonymous.
	Optional bool
}

// placeholderAuth reads the caller from placeholders.
type placeholderAuth struct {
	id       string
	fields   []PlaceholderField // Name is the full placeholder name
	optional bool
}

// NewPlaceholder builds the authenticator of cfg: the caller is
// {<prefix>.<id>}, anonymous when that is empty, with the listed fields.
func NewPlaceholder(cfg PlaceholderConfig) (Authenticator, error) {
	prefix := strings.TrimSuffix(strings.Trim(cfg.Prefix, "{}"), ".")
	if prefix == "" {
		return nil, fmt.Errorf("no placeholder prefix")
	}
	id := cfg.ID
	if id == "" {
		id = "id"
	}
	a := &placeholderAuth{id: prefix + "." + id, optional: cfg.Optional}
	seen := map[string]bool{"id": true}
	for _, f := range cfg.Fields {
		if f.Name == "" || f.As == "" {
			return nil, fmt.Errorf("empty field name")
		}
		if seen[f.As] {
			return nil, fmt.Errorf("field %q given more than once (id is always set)", f.As)
		}
		seen[f.As] = true
		a.fields = append(a.fields, PlaceholderField{Name: prefix + "." + f.Name, As: f.As})
	}
	return a, nil
}

// Authenticate implements Authenticator.
func (a *placeholderAuth) Authenticate(r *http.Request) (map[string]any, error) {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	var id string
	if repl != nil {
		id, _ = repl.GetString(a.id)
	}
	if id == "" {
		if a.optional {
			return nil, nil
		}
		return nil, errAuthRequired
	}
	user := make(map[string]any, 1+len(a.fields))
	user["id"] = id
	for _, f := range a.fields {
		if v, ok := repl.Get(f.Name); ok {
			if v = placeholderValue(v); v != nil {
				user[f.As] = v
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
	_ Authenticator = (*jwtAuth)(nil)
	_ Authenticator = (*placeholderAuth)(nil)
)
