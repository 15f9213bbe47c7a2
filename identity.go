package crud

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/intercept"
)

// Identity says how the caller is found; the caller becomes the `user`
// variable of rules (a map of claims with `id` set, or nil when anonymous).
// Exactly one of its fields is set.
type Identity struct {
	// JWT verifies a bearer token from the Authorization header or a cookie.
	JWT *JWTIdentity `json:"jwt,omitempty"`

	// Placeholder reads the caller from placeholders that an earlier handler
	// set, such as basic_auth's {http.auth.user.*}, or the request headers
	// forward_auth copied from the auth service's response.
	Placeholder *PlaceholderIdentity `json:"placeholder,omitempty"`
}

// JWTIdentity verifies JSON Web Tokens. Exactly one of Secret and PublicKey
// is set. The token's claims become `user`, with `user.id` set to `sub`; a
// token without `sub` is refused. A missing token is refused unless
// Optional; a bad one (signature, exp, nbf, iss, aud) always is.
type JWTIdentity struct {
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
}

// PlaceholderIdentity reads the caller from placeholders an earlier handler
// set. `user.id` is {<prefix>.<id>}; a request where it is empty is
// anonymous when Optional, else refused with 401. Caddy offers no way to
// list the placeholders under a prefix, so besides the id only the Fields
// named here are read.
type PlaceholderIdentity struct {
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
}

// defaultLeeway is the clock skew allowed on exp and nbf by default.
const defaultLeeway = 30 * time.Second

// authenticator builds the identity check.
func (id *Identity) authenticator(ctx caddy.Context) (intercept.Authenticator, error) {
	switch {
	case id.JWT != nil && id.Placeholder != nil:
		return nil, fmt.Errorf("set only one of jwt and placeholder")
	case id.JWT != nil:
		a, err := id.JWT.authenticator(ctx)
		if err != nil {
			return nil, fmt.Errorf("jwt: %w", err)
		}
		return a, nil
	case id.Placeholder != nil:
		a, err := id.Placeholder.authenticator()
		if err != nil {
			return nil, fmt.Errorf("placeholder: %w", err)
		}
		return a, nil
	}
	return nil, fmt.Errorf("set one of jwt and placeholder")
}

// authenticator resolves placeholders, reads the key once and builds the
// verifier.
func (j *JWTIdentity) authenticator(ctx caddy.Context) (intercept.Authenticator, error) {
	if j.Secret != "" && j.PublicKey != "" {
		return nil, fmt.Errorf("set only one of secret and public_key")
	}
	cfg := intercept.JWTConfig{
		Issuer:   j.Issuer,
		Audience: j.Audience,
		Optional: j.Optional,
		Cookie:   j.Cookie,
		Leeway:   time.Duration(j.Leeway),
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = defaultLeeway
	}
	repl := caddy.NewReplacer()
	switch {
	case j.Secret != "":
		secret := repl.ReplaceKnown(j.Secret, "")
		if secret == "" {
			// only placeholders resolve to nothing, so this names no secret
			return nil, fmt.Errorf("secret %s is empty", j.Secret)
		}
		if len(secret) < 32 {
			ctx.Logger().Warn("jwt secret is shorter than 32 bytes; use a long random secret",
				zap.Int("length", len(secret)))
		}
		cfg.Secret = []byte(secret)
	case j.PublicKey != "":
		path := repl.ReplaceKnown(j.PublicKey, "")
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("public_key: %w", err)
		}
		if cfg.PublicKey, err = intercept.ParsePublicKey(data); err != nil {
			return nil, fmt.Errorf("public_key %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("set one of secret and public_key")
	}
	return intercept.NewJWT(cfg)
}

// authenticator builds the placeholder reader.
func (p *PlaceholderIdentity) authenticator() (intercept.Authenticator, error) {
	cfg := intercept.PlaceholderConfig{Prefix: p.Prefix, ID: p.ID, Optional: p.Optional}
	for _, as := range slices.Sorted(maps.Keys(p.Fields)) {
		cfg.Fields = append(cfg.Fields, intercept.PlaceholderField{Name: p.Fields[as], As: as})
	}
	return intercept.NewPlaceholder(cfg)
}
