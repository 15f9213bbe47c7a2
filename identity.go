package crud

import (
	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-crud/caddy-crud/intercept"
)

// Identity says how the caller is found. Exactly one of its fields is set.
type Identity struct {
	// JWT verifies a bearer token (placeholder until built).
	JWT *struct{} `json:"jwt,omitempty"`
}

// authenticator builds the identity check.
func (id *Identity) authenticator(ctx caddy.Context) (intercept.Authenticator, error) {
	return nil, nil
}
