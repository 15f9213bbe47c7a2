// Package caddytest holds the integration tests: a real Caddy with the crud
// handler in front of httptest upstreams.
package caddytest
