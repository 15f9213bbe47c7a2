package crud

import (
	"testing"

	"github.com/caddy-crud/caddy-crud/intercept"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		h    Handler
		want string // "" when valid
	}{
		{"empty", Handler{}, ""},
		{"every value allowed", Handler{
			Config: intercept.Config{OnError: "pass", Mode: "report", MethodOverride: "allow",
				Resources: []*intercept.Resource{{Name: "u", Mode: "enforce", MethodOverride: "reject", Unmapped: "pass", Records: "data", Total: "total"}},
			},
		}, ""},
		{"on_error", Handler{Config: intercept.Config{OnError: "ignore"}}, `on_error: "ignore" is not one of deny, pass`},
		{"mode", Handler{Config: intercept.Config{Mode: "audit"}}, `mode: "audit" is not one of enforce, report`},
		{"method_override", Handler{Config: intercept.Config{MethodOverride: "yes"}}, `method_override: "yes" is not one of reject, allow`},
		{"resource mode", Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "u", Mode: "x"}}}}, `resource "u": mode: "x" is not one of enforce, report`},
		{"resource method_override", Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "u", MethodOverride: "x"}}}}, `resource "u": method_override: "x" is not one of reject, allow`},
		{"resource unmapped", Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "u", Unmapped: "x"}}}}, `resource "u": unmapped: "x" is not one of reject, pass`},
		{"resource bulk", Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "u", Bulk: "some"}}}}, `resource "u": bulk: "some" is not one of all, partial`},
		{"resource non_json", Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "u", NonJSON: "x"}}}}, `resource "u": non_json: "x" is not one of reject, pass`},
		{"resource without a name", Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Base: "/u"}}}}, "a resource needs a name"},
		{"openapi validate_responses", Handler{OpenAPI: &OpenAPI{File: "api.yaml", ValidateResponses: "log"}}, `openapi: validate_responses: "log" is not one of report, enforce`},
		{"total without records", Handler{Config: intercept.Config{Resources: []*intercept.Resource{{Name: "u", Total: "total"}}}}, `resource "u": total needs records`},
		{"negative max_body", Handler{Config: intercept.Config{MaxBody: -1}}, "limits must not be negative"},
		{"negative max_depth", Handler{Config: intercept.Config{MaxDepth: -1}}, "limits must not be negative"},
		{"negative max_response", Handler{Config: intercept.Config{MaxResponse: -1}}, "limits must not be negative"},
		{"negative max_lookups", Handler{Config: intercept.Config{MaxLookups: -1}}, "limits must not be negative"},
		{"webhooks every option", Handler{Config: intercept.Config{Webhooks: &intercept.WebhookConfig{Store: "jetstream",
			NATS: &intercept.NATSConfig{URL: "nats://n:4222"}, MaxEvents: 1, MaxBytes: 1, Replicas: 3, StoreTimeout: 1}}}, ""},
		{"webhooks store", Handler{Config: intercept.Config{Webhooks: &intercept.WebhookConfig{Store: "disk"}}}, `webhooks: store: "disk" is not one of jetstream, memory`},
		{"webhooks memory with nats", Handler{Config: intercept.Config{Webhooks: &intercept.WebhookConfig{Store: "memory", Replicas: 2}}},
			"webhooks: nats, max_events, max_bytes, replicas and store_timeout need store jetstream, not memory"},
		{"webhooks nats without url", Handler{Config: intercept.Config{Webhooks: &intercept.WebhookConfig{NATS: &intercept.NATSConfig{User: "u"}}}},
			"webhooks: nats: a server URL is required"},
		{"webhooks negative limit", Handler{Config: intercept.Config{Webhooks: &intercept.WebhookConfig{MaxEvents: -1}}}, "webhooks: limits must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}
