package rules

import "encoding/json"

// Block is one rule block of a resource: `before|after|async <actions...> { statements }`.
type Block struct {
	// Actions this block applies to: action names, or the groups `read`
	// (list get), `write` (create update) and `all` (every action).
	Actions []string `json:"actions,omitempty"`

	// Params lists the query parameters the block's actions accept (before
	// blocks only); any other is refused with 400. It replaces the
	// resource's params for these actions; several blocks of one action
	// add up. A listed name also accepts its bracket and dotted forms
	// (filter accepts filter[name]). Default: none given, every name is
	// accepted (a name that refers to a hidden field is still refused).
	Params []string `json:"params,omitempty"`

	// Statements run top to bottom.
	Statements []*Statement `json:"statements,omitempty"`
}

// Statement is one rule statement. Op names the statement; the other
// fields are its arguments, as the Caddyfile writes them.
type Statement struct {
	// Op is the statement: deny, require, check, set, default, transform,
	// protect, only, hide, drop, header, query, log or webhook.
	Op string `json:"op"`

	// Expr is the statement's expression: the condition of deny, require,
	// check and drop; the value of set, default, transform, header, query
	// and log.
	Expr string `json:"expr,omitempty"`

	// Path is the field that check, set, default and transform act on
	// (dot-separated, `\.` escapes a dot).
	Path string `json:"path,omitempty"`

	// Paths are the fields of protect, only, hide, mask and redact; `*`
	// stands for every element of an array or every value of an object at
	// that level.
	Paths []string `json:"paths,omitempty"`

	// If is an optional condition (set, protect, hide, mask, redact,
	// webhook): the statement applies only when it is true.
	If string `json:"if,omitempty"`

	// Status is the HTTP status of deny and require. Default: 403.
	Status int `json:"status,omitempty"`

	// Message is the text of deny, require and check; `${expr}` embeds an
	// expression's value.
	Message string `json:"message,omitempty"`

	// Strict makes protect reject a request that carries a protected field
	// (403) instead of removing it.
	Strict bool `json:"strict,omitempty"`

	// Keep is how many characters at the end of a string mask leaves as
	// they are. Default: 0.
	Keep int `json:"keep,omitempty"`

	// With is the expression whose value redact writes in place of each
	// field. Default: null.
	With string `json:"with,omitempty"`

	// Name is the header or query parameter name of header and query.
	Name string `json:"name,omitempty"`

	// Remove makes header remove the named header (`header -Name`).
	Remove bool `json:"remove,omitempty"`

	// Level is the level of log: debug, info (default), warn or error.
	Level string `json:"level,omitempty"`

	// URL is the target of webhook.
	URL string `json:"url,omitempty"`

	// Body is an expression whose value webhook sends instead of the
	// default event.
	Body string `json:"body,omitempty"`

	// SchemaFile is the JSON Schema file that schema validates each record
	// against; $refs to other local files are resolved when the config loads.
	SchemaFile string `json:"schema_file,omitempty"`

	// Schema is the JSON Schema of schema, given inline instead of as a file.
	Schema json.RawMessage `json:"schema,omitempty"`

	// Parameters are the path and query parameters that parameters checks
	// (derived from an OpenAPI document's operations).
	Parameters []Parameter `json:"parameters,omitempty"`

	// Responses are the JSON Schemas that response_schema checks a 2xx
	// response against, by status ("200", "2XX" or "default"), each as a
	// file and a JSON Pointer (derived from an OpenAPI document).
	Responses map[string]string `json:"responses,omitempty"`

	// Enforce makes response_schema answer 502 for a response that does
	// not match; without it the mismatch is logged and counted.
	Enforce bool `json:"enforce,omitempty"`

	// Secret signs webhook's requests per the Standard Webhooks spec:
	// `whsec_` followed by the base64 of a 24 to 64 byte key. Placeholders
	// (e.g. {env.HOOK_SECRET}) are resolved when the config is loaded.
	// Default: none, requests are not signed.
	Secret string `json:"secret,omitempty"`
}
