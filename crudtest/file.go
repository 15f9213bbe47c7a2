package crudtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/caddy-crud/caddy-crud/rules"
	"go.yaml.in/yaml/v3"
)

// File is one test file: `*.crudtest.yaml`.
type File struct {
	// Listen picks the crud handler of the server that listens on this
	// address (as the config writes it, e.g. `:8080`) for every case of
	// the file. Default: the config's only crud handler.
	Listen string `yaml:"listen" json:"listen,omitempty"`

	// Cases run in order.
	Cases []*Case `yaml:"cases" json:"cases"`
}

// Case is one request through the handler and what must come of it.
type Case struct {
	// Name names the case in the output and for --run. Required.
	Name string `yaml:"name" json:"name"`

	// Listen overrides the file's Listen for this case.
	Listen string `yaml:"listen" json:"listen,omitempty"`

	// Request is what the client sends.
	Request Request `yaml:"request" json:"request"`

	// User is the caller's claims (`id` or `sub` is the caller's id);
	// nil: an anonymous caller.
	User map[string]any `yaml:"user" json:"user,omitempty"`

	// Upstream is what the API answers to the request the handler passes
	// on. Default: 200 with the JSON body {}.
	Upstream *Answer `yaml:"upstream" json:"upstream,omitempty"`

	// Answers are what the API answers to the handler's own requests
	// (fetch_old and lookup()), by "METHOD /path" or "METHOD /path?query".
	// An internal request that has no answer gets 404.
	Answers map[string]*Answer `yaml:"answers" json:"answers,omitempty"`

	// Expect is what must come out.
	Expect Expect `yaml:"expect" json:"expect"`

	// File and Line are where the case is written.
	File string `yaml:"-" json:"file,omitempty"`
	Line int    `yaml:"-" json:"line,omitempty"`

	// trace, when set, receives the decision of every statement the
	// handler runs (explain).
	trace func(rules.Step)
}

// Request is the client's request.
type Request struct {
	// Method is the HTTP method. Default: GET.
	Method string `yaml:"method" json:"method,omitempty"`

	// Path is the request path, e.g. /api/users/1; it may carry a query.
	Path string `yaml:"path" json:"path"`

	// Query adds query parameters.
	Query map[string]string `yaml:"query" json:"query,omitempty"`

	// Headers are request headers.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`

	// Body is sent as JSON (with Content-Type application/json unless
	// Headers set one); BodyRaw is sent as is. Give at most one.
	Body    any     `yaml:"body" json:"body,omitempty"`
	BodyRaw *string `yaml:"body_raw" json:"body_raw,omitempty"`
}

// Answer is what the in-memory API answers.
type Answer struct {
	// Status is the status code. Default: 200.
	Status int `yaml:"status" json:"status,omitempty"`

	// Headers are response headers. Content-Type defaults to
	// application/json when there is a body.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`

	// Body is answered as JSON, BodyRaw as is. Default: {} (with neither
	// and no status given), else no body.
	Body    any     `yaml:"body" json:"body,omitempty"`
	BodyRaw *string `yaml:"body_raw" json:"body_raw,omitempty"`
}

// Expect is what the client and the API must see. Only what is given is
// checked.
type Expect struct {
	// Status is the status the client gets.
	Status int `yaml:"status" json:"status,omitempty"`

	// Body must equal the client's body as JSON; BodyContains must be a
	// subset of it (objects: the keys given, arrays: the same length and
	// each element a subset); BodyRaw must equal it byte for byte.
	Body         any     `yaml:"body" json:"body,omitempty"`
	BodyContains any     `yaml:"body_contains" json:"body_contains,omitempty"`
	BodyRaw      *string `yaml:"body_raw" json:"body_raw,omitempty"`

	// Headers must be on the client's response with these values; an
	// empty value means the header must be absent.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`

	// Errors are the validation errors of the problem document, in order.
	Errors *[]FieldError `yaml:"errors" json:"errors,omitempty"`

	// Resource and Action are what the request matched ("" and no action
	// for a request no resource claims); Outcome is the handler's
	// decision: passed, rejected, invalid, error, would_reject or
	// would_invalidate.
	Resource string `yaml:"resource" json:"resource,omitempty"`
	Action   string `yaml:"action" json:"action,omitempty"`
	Outcome  string `yaml:"outcome" json:"outcome,omitempty"`

	// Rule must be part of the location of the rule that refused the
	// request, e.g. `before create: statement 2`.
	Rule string `yaml:"rule" json:"rule,omitempty"`

	// Upstream is what the API must have received.
	Upstream *ExpectUpstream `yaml:"upstream" json:"upstream,omitempty"`

	// Webhooks are the webhook events the request queued, in order;
	// an empty list: none.
	Webhooks *[]ExpectWebhook `yaml:"webhooks" json:"webhooks,omitempty"`

	// Logs must each be part of some line the handler logged, e.g. the
	// value of a log statement (lines read `level message key=value...`).
	Logs []string `yaml:"logs" json:"logs,omitempty"`
}

// FieldError is one failed check of a 422 answer.
type FieldError struct {
	Field   string `yaml:"field" json:"field"`
	Message string `yaml:"message" json:"message"`
}

// ExpectUpstream is what the API must have received.
type ExpectUpstream struct {
	// Called false: the request never reached the API. Default: true.
	Called *bool `yaml:"called" json:"called,omitempty"`

	// Method, Path and Query (each parameter given) must match.
	Method string            `yaml:"method" json:"method,omitempty"`
	Path   string            `yaml:"path" json:"path,omitempty"`
	Query  map[string]string `yaml:"query" json:"query,omitempty"`

	// Headers as in Expect.Headers.
	Headers map[string]string `yaml:"headers" json:"headers,omitempty"`

	// Body, BodyContains and BodyRaw as in Expect.
	Body         any     `yaml:"body" json:"body,omitempty"`
	BodyContains any     `yaml:"body_contains" json:"body_contains,omitempty"`
	BodyRaw      *string `yaml:"body_raw" json:"body_raw,omitempty"`
}

// ExpectWebhook is one webhook event the request queued.
type ExpectWebhook struct {
	// URL is where the event would be sent.
	URL string `yaml:"url" json:"url"`

	// Body and BodyContains as in Expect: the event's JSON payload.
	Body         any `yaml:"body" json:"body,omitempty"`
	BodyContains any `yaml:"body_contains" json:"body_contains,omitempty"`
}

// ParseFile reads a test file. Errors name the file and line.
func ParseFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads a test file's content; name is its name in errors.
func Parse(name string, data []byte) (*File, error) {
	f := &File{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty test file", name)
		}
		return nil, yamlError(name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	lines := caseLines(&root)
	if len(f.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases (want a `cases:` list)", name)
	}
	for i, c := range f.Cases {
		if c == nil {
			return nil, fmt.Errorf("%s:%d: case %d is empty", name, lines[i], i+1)
		}
		c.File, c.Line = name, lines[i]
		if c.Listen == "" {
			c.Listen = f.Listen
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("%s: %w", c.where(), err)
		}
	}
	return f, nil
}

// caseLines finds the line of each item of the top-level `cases` list.
func caseLines(root *yaml.Node) []int {
	var lines []int
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return lines
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "cases" {
			for _, item := range m.Content[i+1].Content {
				lines = append(lines, item.Line)
			}
		}
	}
	return lines
}

var (
	unknownKey = regexp.MustCompile(`line (\d+): field (\S+) not found in type crudtest\.(\w+)`)
	wrongType  = regexp.MustCompile(`^cannot unmarshal !!\w+ (.*) into (\S+)$`)
	yamlLine   = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// sections name the types of the file format as the file writes them.
var sections = map[string]string{
	"File": "the file", "Case": "a case", "Request": "request", "Answer": "an answer",
	"Expect": "expect", "FieldError": "errors", "ExpectUpstream": "expect.upstream",
	"ExpectWebhook": "expect.webhooks",
}

// yamlError turns a YAML error into lines of `file:line: message`.
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out []string
	for _, m := range msgs {
		if s := unknownKey.FindStringSubmatch(m); s != nil {
			out = append(out, fmt.Sprintf("%s:%s: unknown key %q in %s", name, s[1], s[2], sections[s[3]]))
			continue
		}
		if s := yamlLine.FindStringSubmatch(strings.TrimSpace(m)); s != nil {
			msg := s[2]
			if t := wrongType.FindStringSubmatch(msg); t != nil {
				msg = fmt.Sprintf("%s is not a valid %s", t[1], strings.TrimPrefix(t[2], "*"))
			}
			out = append(out, fmt.Sprintf("%s:%s: %s", name, s[1], msg))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s", name, m))
	}
	return errors.New(strings.Join(out, "\n"))
}

// where is the case's location and name, for messages.
func (c *Case) where() string {
	return fmt.Sprintf("%s:%d: case %q", c.File, c.Line, c.Name)
}

// check refuses a case that cannot run.
func (c *Case) check() error {
	if c.Name == "" {
		return errors.New("case has no name")
	}
	if c.Request.Path == "" || c.Request.Path[0] != '/' {
		return fmt.Errorf("request.path must start with /, got %q", c.Request.Path)
	}
	if c.Request.Body != nil && c.Request.BodyRaw != nil {
		return errors.New("request: give body or body_raw, not both")
	}
	for _, v := range []any{c.Request.Body, c.User, c.Expect.Body, c.Expect.BodyContains} {
		if _, err := toJSON(v); err != nil {
			return err
		}
	}
	if c.Upstream != nil {
		if err := c.Upstream.check(); err != nil {
			return fmt.Errorf("upstream: %w", err)
		}
	}
	for key, a := range c.Answers {
		if _, _, err := splitAnswerKey(key); err != nil {
			return fmt.Errorf("answers: %w", err)
		}
		if a == nil {
			return fmt.Errorf("answers: %s: empty answer", key)
		}
		if err := a.check(); err != nil {
			return fmt.Errorf("answers: %s: %w", key, err)
		}
	}
	return nil
}

func (a *Answer) check() error {
	if a.Body != nil && a.BodyRaw != nil {
		return errors.New("give body or body_raw, not both")
	}
	if a.Status != 0 && (a.Status < 100 || a.Status > 599) {
		return fmt.Errorf("status %d is not an HTTP status", a.Status)
	}
	_, err := toJSON(a.Body)
	return err
}

// splitAnswerKey splits "METHOD /path[?query]".
func splitAnswerKey(key string) (method, target string, err error) {
	method, target, ok := strings.Cut(strings.TrimSpace(key), " ")
	target = strings.TrimSpace(target)
	if !ok || method == "" || !strings.HasPrefix(target, "/") {
		return "", "", fmt.Errorf("%q: want \"METHOD /path\"", key)
	}
	return strings.ToUpper(method), target, nil
}

// toJSON encodes a value decoded from YAML; nil stays nil.
func toJSON(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not a JSON value: %v", err)
	}
	return b, nil
}
