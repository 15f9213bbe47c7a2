package rules

import (
	"bytes"
	"time"

	"github.com/google/uuid"
	"github.com/tidwall/gjson"
)

// Webhook is one webhook event an async program decided to send, built
// and ready to deliver.
type Webhook struct {
	URL string
	// EventID names the event; receivers dedupe on it. Empty in report mode.
	EventID string
	// Body is the JSON the `body` expression produced, else the default
	// event (see AsyncInput); nil in report mode when there is no body
	// expression.
	Body  []byte
	Where string
	// Secret is the Standard Webhooks signing key; nil: not signed.
	Secret []byte
}

// AsyncInput is what the async phase reads of a request whose response was
// written, besides its Input and the body: Input.Old and Input.User fill
// the default event's old and user.
type AsyncInput struct {
	// Records is where the record(s) sit in Body (Shape.Records).
	Records []string

	// Params returns the matched route's parameters; RequestID the
	// request's id. Each is called at most once, and only to build a
	// default event.
	Params    func() map[string]string
	RequestID func() string

	// Now is the event's time; zero: the time it is built.
	Now time.Time

	// Report asks only which webhooks would be sent: no event is built.
	Report bool
}

// RunAsync runs the async program once for a request whose response was
// written, with body the response body the client received, decoded from
// its content encoding (nil when it was not JSON, empty or too large), and
// returns the webhooks it sends with their events. On a runtime error it
// returns the webhooks decided before it, built.
func (p *Program) RunAsync(in *Input, body []byte, a *AsyncInput) ([]Webhook, error) {
	if p.Empty() {
		return nil, nil
	}
	var target gjson.Result
	if len(bytes.TrimSpace(body)) > 0 && ValidJSON(body) {
		target = records(body, a.Records)
	}
	env := newEnv(p, in)
	defer env.release()
	if target.IsObject() {
		env.Record = valueOf(target)
	}
	if p.vars&varBody != 0 && len(body) > 0 {
		env.Body = valueOf(parse(body))
	}
	out, err := p.decideWebhooks(env, in)
	if !a.Report {
		a.build(p.readOld, in, target, out)
	}
	return out, err
}

// decideWebhooks runs the statements: the webhooks they send, with the
// bodies their body expressions produce, and the log lines they write.
func (p *Program) decideWebhooks(env *Env, in *Input) ([]Webhook, error) {
	var out []Webhook
	for _, s := range p.stmts {
		switch s.op {
		case opWebhook:
			if ok, err := s.applies(env); err != nil || !ok {
				if err != nil {
					return out, &RuntimeError{Where: s.where, Err: err}
				}
				continue
			}
			w := Webhook{URL: s.url, Where: s.where, Secret: s.secret}
			if s.body != nil {
				v, err := s.body.run(env)
				if err == nil {
					w.Body, err = appendJSON(nil, v)
				}
				if err != nil {
					return out, &RuntimeError{Where: s.where, Err: err}
				}
			}
			out = append(out, w)
		case opLog:
			if err := s.log(env, in); err != nil {
				return out, &RuntimeError{Where: s.where, Err: err}
			}
		}
	}
	return out, nil
}

// build gives each webhook an event id, and the default event to those
// without a body expression (built once, its id filled in for each).
func (a *AsyncInput) build(readOld *Program, in *Input, target gjson.Result, hooks []Webhook) {
	var event []byte
	for i := range hooks {
		h := &hooks[i]
		h.EventID = uuid.NewString()
		if h.Body != nil {
			continue
		}
		if event == nil {
			event = a.event(readOld, in, target)
		}
		h.Body = withEventID(event, h.EventID)
	}
}

// OldReadBy makes the default events of an async program carry old as
// read, a program that decides what a caller may read of a record (the
// get action's after program), leaves it: a webhook never carries a field
// the caller could not read, and old is null when read refuses the record.
// Without it old is sent as stored.
func OldReadBy(read *Program) ProgramOption { return func(p *Program) { p.readOld = read } }

// HasWebhook reports whether the program may send a webhook.
func (p *Program) HasWebhook() bool {
	if p == nil {
		return false
	}
	for _, s := range p.stmts {
		if s.op == opWebhook {
			return true
		}
	}
	return false
}

// Secrets returns the signing secrets of the program's webhooks.
func (p *Program) Secrets() [][]byte {
	if p == nil {
		return nil
	}
	var out [][]byte
	for _, s := range p.stmts {
		if s.op == opWebhook && s.secret != nil {
			out = append(out, s.secret)
		}
	}
	return out
}
