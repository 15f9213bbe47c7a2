package rules

import (
	"fmt"
	"github.com/expr-lang/expr/vm"
	"sync"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// Input is what one request brings to its rules.
type Input struct {
	Resource string
	Action   string

	// User is the caller's claims (user.id always set), or nil.
	User any

	// Old is the stored record before the change, or nil.
	Old any

	// OldJSON is Old as the JSON it was decoded from, when known: protect
	// strict compares its numbers by their exact decimal value, which the
	// decoded numbers (float64 beyond int64) may have lost.
	OldJSON []byte

	// LoadOld, when set, fetches Old and OldJSON the first time a before
	// statement needs them (an expression that reads old, protect strict),
	// so that the statements before it, such as a require of a caller, run
	// without revealing whether the record exists. RunBefore sets it to nil
	// once it has called it; its error ends the phase as it is.
	LoadOld func() (old any, oldJSON []byte, err error)

	// JSONPatch says the body is a JSON Patch by its media type
	// (application/json-patch+json).
	JSONPatch bool

	// Index is what the request check (PlainRequestJSON) found of the
	// body, or nil; RunBefore reads it for that body alone.
	Index *BodyIndex

	// RawQuery is the request's query string as sent (without '?');
	// protect reads and rewrites it in the before phase.
	RawQuery string

	// Request builds the request variable; called at most once, and only
	// when an expression reads it.
	Request func() map[string]any

	// Response builds the response variable (after and async phases).
	Response func() map[string]any

	// Placeholder resolves a Caddy placeholder such as {http.auth.user.id}.
	Placeholder func(string) string

	// Lookup fetches a path through the gateway (nil when not available).
	Lookup func(string) (any, error)

	// Logger receives log statements.
	Logger *zap.Logger

	// BulkPartial makes a bulk body keep its valid elements: an element
	// that fails a check, deny or require is left out (BeforeResult.Excluded)
	// instead of refusing the whole body.
	BulkPartial bool

	// Trace, when set, receives every statement's decision on every
	// record of the before and after phases, in order (`caddy crud
	// explain`). Nil: nothing is traced.
	Trace func(Step)
}

// RuntimeError is a rule that failed while it ran; Where names it. Its text
// is for logs, never for clients.
type RuntimeError struct {
	Where string
	Err   error
}

func (e *RuntimeError) Error() string { return e.Where + ": " + e.Err.Error() }
func (e *RuntimeError) Unwrap() error { return e.Err }

// Rejection is a request or response the rules refused.
type Rejection struct {
	Status int
	Detail string
	Errors []FieldError
	Where  string

	byRule bool // a deny or require refused the record (bulk partial leaves it out)
}

// FieldError is one failed check.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// Pointer is the field as a JSON Pointer into the request body (set by
	// schema statements).
	Pointer string `json:"pointer,omitempty"`
}

// envs keeps Envs, with their VM and value buffer, from one run to the
// next (see Env.release).
var envs = sync.Pool{New: func() any { return &Env{machine: &vm.VM{}, regs: make([]val, 8)} }}

// newEnv fills an Env with what every expression of p may read.
func newEnv(p *Program, in *Input) *Env {
	env := envs.Get().(*Env)
	*env = Env{
		Old:         in.Old,
		User:        in.User,
		Action:      in.Action,
		Resource:    in.Resource,
		Index:       -1,
		UUID:        uuid.NewString,
		PathEscape:  pathEscape,
		QueryEscape: queryEscape,
		Get:         get,
		machine:     env.machine,
		json:        env.json[:0],
		built:       env.built,
		times:       env.times,
		lists:       env.lists[:0],
		regs:        env.regs,
		runValues:   env.runValues[:0],
	}
	if p.fold {
		env.Get, env.fold = getFolded, true
	}
	if p.vars&varRequest != 0 && in.Request != nil {
		env.Request = in.Request()
	}
	if p.vars&varResponse != 0 && in.Response != nil {
		env.Response = in.Response()
	}
	env.Placeholder = in.Placeholder
	if env.Placeholder == nil {
		env.Placeholder = func(string) string { return "" }
	}
	env.Lookup = in.Lookup
	if env.Lookup == nil {
		env.Lookup = func(path string) (any, error) {
			return nil, fmt.Errorf("lookup(%q): lookups are not available here", path)
		}
	}
	return env
}

// log writes a log statement's value.
func (s *stmt) log(env *Env, in *Input) error {
	v, err := s.expr.run(env)
	if err != nil {
		return err
	}
	if in.Logger == nil {
		return nil
	}
	if ce := in.Logger.Check(s.level, "rule log"); ce != nil {
		ce.Write(zap.String("resource", in.Resource), zap.String("action", in.Action),
			zap.String("rule", s.where), zap.String("value", string(render(nil, v))))
	}
	return nil
}
