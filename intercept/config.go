package intercept

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/caddy-crud/caddy-crud/rules"
)

// Config is the JSON config the engine is built from: the resources it
// guards, its limits and its modes. The crud handler embeds it, so these
// fields are the handler's own JSON fields.
type Config struct {
	// Resources are the API resources this handler guards, in declaration order.
	Resources []*Resource `json:"resources,omitempty"`

	// MaxBody is the largest request body, in bytes, that is read for rules;
	// larger bodies get 413. Default: 1 MiB.
	MaxBody int64 `json:"max_body,omitempty"`

	// MaxDepth is the deepest nesting of objects and arrays accepted in a JSON
	// body (the top-level value is depth 1); deeper bodies get 400. Default: 64.
	MaxDepth int `json:"max_depth,omitempty"`

	// MaxResponse is the largest response body, in bytes, that is buffered for
	// after rules; larger responses get 502. Default: 16 MiB.
	MaxResponse int64 `json:"max_response,omitempty"`

	// MaxLookups is the most lookup() calls one request may make. Default: 16.
	MaxLookups int `json:"max_lookups,omitempty"`

	// OnError says what a rule runtime error does: `deny` answers 500
	// (default), `pass` lets the request through, logged.
	OnError string `json:"on_error,omitempty"`

	// Mode is `enforce` (default) or `report`: report evaluates every rule and
	// logs what it would have done, changing nothing.
	Mode string `json:"mode,omitempty"`

	// MethodOverride says what X-HTTP-Method-Override and its cousins do on a
	// matched resource: `reject` answers 400 (default), `allow` lets them pick
	// the action.
	MethodOverride string `json:"method_override,omitempty"`

	// CaseSensitive makes path matching and the field names of request
	// bodies case-sensitive. Default: false, so /API/users meets the rules
	// of /api/users, and {"ROLE":…} (or {"iſAdmin":…}) is read as role (and
	// isAdmin), the way Go's encoding/json binds it, under Unicode simple
	// case folding; two keys of one object that fold alike are duplicates.
	CaseSensitive bool `json:"case_sensitive,omitempty"`

	// Webhooks tunes the delivery of webhook statements. Default: durable
	// on an embedded NATS JetStream, with the defaults of each option.
	Webhooks *WebhookConfig `json:"webhooks,omitempty"`
}

// The limits a zero Config field stands for.
const (
	defaultMaxBody     = 1 << 20
	defaultMaxDepth    = 64
	defaultMaxResponse = 16 << 20
	defaultMaxLookups  = 16
)

// Resource is one API resource: a base path, its actions and its rules.
type Resource struct {
	// Name names the resource in rules, logs and metrics.
	Name string `json:"name"`

	// Base is the resource's base path, e.g. /api/users; it may hold
	// parameters, e.g. /api/posts/{postId}/comments.
	Base string `json:"base"`

	// RestOff turns the default REST mapping off (`rest off`), leaving only
	// the declared actions.
	RestOff bool `json:"rest_off,omitempty"`

	// Actions map legacy endpoints to actions:
	// `action <name> <METHOD> <path>[?<query>]`.
	Actions []*Action `json:"actions,omitempty"`

	// Records is where the record(s) sit in response bodies, e.g. `data`.
	// Default: the body itself.
	Records string `json:"records,omitempty"`

	// Total is a count field of list responses, lowered by the records that
	// drop removed. Needs Records.
	Total string `json:"total,omitempty"`

	// FetchOld makes update and delete fetch the stored record first and
	// expose it to rules as `old`.
	FetchOld *FetchOld `json:"fetch_old,omitempty"`

	// Mode overrides the handler's mode for this resource: enforce or report.
	Mode string `json:"mode,omitempty"`

	// CaseSensitive overrides the handler's case_sensitive for this resource.
	CaseSensitive *bool `json:"case_sensitive,omitempty"`

	// MethodOverride overrides the handler's method_override for this
	// resource: reject or allow.
	MethodOverride string `json:"method_override,omitempty"`

	// Unmapped says what a method that maps to no action gets on this
	// resource's paths: `reject` answers 405 (default), `pass` lets it through.
	Unmapped string `json:"unmapped,omitempty"`

	// Bulk says what a bulk (JSON array) body with failing elements gets:
	// `all` refuses the whole body (default); `partial` leaves out the
	// elements that fail a check, deny or require, forwards the rest, and
	// names the left-out elements in the Crud-Bulk-Excluded and
	// Crud-Bulk-Errors response headers (422 when every element fails).
	Bulk string `json:"bulk,omitempty"`

	// Params lists the query parameters every action of the resource
	// accepts; any other is refused with 400. A before block's params
	// replace it for the block's actions. A listed name also accepts its
	// bracket and dotted forms (filter accepts filter[name]); the names of
	// an action's query pattern are always accepted. Default: none given,
	// every name is accepted (a name that refers to a field hidden on the
	// action is still refused).
	Params []string `json:"params,omitempty"`

	// NonJSON says what a 2xx answer that is not JSON (an HTML, XML or CSV
	// rendering, JSONP, an event stream) gets on an action with after
	// rules, which cannot filter it: `reject` answers 502 (default), `pass`
	// streams it through unfiltered and leaves the client's Accept header
	// as it came. A body whose first non-space byte is `{` or `[` is JSON
	// whatever its label, and a 206 is refused, either way.
	NonJSON string `json:"non_json,omitempty"`

	// Before are the rule blocks run on requests, in order.
	Before []*rules.Block `json:"before,omitempty"`

	// After are the rule blocks run on 2xx JSON responses, in order.
	After []*rules.Block `json:"after,omitempty"`

	// Async are the rule blocks run after the response is written, in order.
	Async []*rules.Block `json:"async,omitempty"`
}

// Action maps one endpoint to an action: `action <name> <METHOD> <path>[?<query>]`.
type Action struct {
	// Name is the action: list, get, create, update, delete, or a custom name.
	Name string `json:"name"`

	// Method is the HTTP method, upper case.
	Method string `json:"method"`

	// Path is the endpoint path; `{name}` segments are parameters.
	Path string `json:"path"`

	// Query is an optional query pattern, e.g. `op=add` or `id={id}`; every
	// pair must be present (a `{name}` value captures a parameter).
	Query string `json:"query,omitempty"`
}

// FetchOld is the request that fetches the stored record before a change.
type FetchOld struct {
	// Method is the method of the fetch. Default: GET.
	Method string `json:"method,omitempty"`

	// Path is the path of the fetch, with `{param}` placeholders and an
	// optional query. Default: the request's own path.
	Path string `json:"path,omitempty"`
}

// A Choice lists the words an option that takes one of a few accepts; an
// empty value is the option's default.
type Choice []string

// The words of each option that takes one of a few.
var (
	OnErrorChoice        = Choice{"deny", "pass"}
	ModeChoice           = Choice{"enforce", "report"}
	MethodOverrideChoice = Choice{"reject", "allow"}
	UnmappedChoice       = Choice{"reject", "pass"}
	BulkChoice           = Choice{"all", "partial"}
	NonJSONChoice        = Choice{"reject", "pass"}
)

// Check returns an error naming option when v is neither empty nor one of
// the words of c.
func (c Choice) Check(option, v string) error {
	if v == "" || slices.Contains(c, v) {
		return nil
	}
	return fmt.Errorf("%s: %q is not one of %s", option, v, strings.Join(c, ", "))
}

// Validate checks the values of the handler's options and of each
// resource's own fields; paths, actions and rules are checked when New
// builds the engine.
func (c *Config) Validate() error {
	if err := OnErrorChoice.Check("on_error", c.OnError); err != nil {
		return err
	}
	if err := ModeChoice.Check("mode", c.Mode); err != nil {
		return err
	}
	if err := MethodOverrideChoice.Check("method_override", c.MethodOverride); err != nil {
		return err
	}
	for _, r := range c.Resources {
		if err := r.Validate(); err != nil {
			return err
		}
	}
	if c.MaxBody < 0 || c.MaxDepth < 0 || c.MaxResponse < 0 || c.MaxLookups < 0 {
		return errors.New("limits must not be negative")
	}
	return c.Webhooks.Validate()
}

// Validate checks the values of the resource's own fields: a name, the
// options that take one of a few words, and records for total. The errors
// name the resource.
func (r *Resource) Validate() error {
	if r.Name == "" {
		return errors.New("a resource needs a name")
	}
	for _, o := range []struct {
		name, value string
		choice      Choice
	}{
		{"mode", r.Mode, ModeChoice},
		{"method_override", r.MethodOverride, MethodOverrideChoice},
		{"unmapped", r.Unmapped, UnmappedChoice},
		{"bulk", r.Bulk, BulkChoice},
		{"non_json", r.NonJSON, NonJSONChoice},
	} {
		if err := o.choice.Check(o.name, o.value); err != nil {
			return fmt.Errorf("resource %q: %w", r.Name, err)
		}
	}
	if r.Total != "" && r.Records == "" {
		return fmt.Errorf("resource %q: total needs records", r.Name)
	}
	return nil
}
