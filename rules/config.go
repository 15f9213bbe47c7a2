package rules

// Block is one rule block of a resource: `before|after|async <actions...> { statements }`.
type Block struct {
	// Actions this block applies to: action names, or the groups `read`
	// (list get), `write` (create update) and `all` (every action).
	Actions []string `json:"actions,omitempty"`

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

	// Paths are the fields of protect, only and hide; `*` stands for every
	// element of an array or every value of an object at that level.
	Paths []string `json:"paths,omitempty"`

	// If is an optional condition (set, protect, hide, webhook): the
	// statement applies only when it is true.
	If string `json:"if,omitempty"`

	// Status is the HTTP status of deny and require. Default: 403.
	Status int `json:"status,omitempty"`

	// Message is the text of deny, require and check; `${expr}` embeds an
	// expression's value.
	Message string `json:"message,omitempty"`

	// Strict makes protect reject a request that carries a protected field
	// (403) instead of removing it.
	Strict bool `json:"strict,omitempty"`

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

	// Secret signs webhook's requests per the Standard Webhooks spec:
	// `whsec_` followed by the base64 of a 24 to 64 byte key. Placeholders
	// (e.g. {env.HOOK_SECRET}) are resolved when the config is loaded.
	// Default: none, requests are not signed.
	Secret string `json:"secret,omitempty"`
}
