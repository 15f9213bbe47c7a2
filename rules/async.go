package rules

// Webhook is one webhook an async program decided to send.
type Webhook struct {
	URL string
	// Body is the JSON the `body` expression produced; nil: send the event.
	Body  []byte
	Where string
	// Secret is the Standard Webhooks signing key; nil: not signed.
	Secret []byte
}

// RunAsync runs the async program once for a request whose response was
// written: record is the single record as the client received it (nil
// for lists and empty bodies), body the whole response body.
func (p *Program) RunAsync(in *Input, record, body any) ([]Webhook, error) {
	if p.Empty() {
		return nil, nil
	}
	env := newEnv(p, in)
	defer env.release()
	env.Record, env.Body = record, body
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
