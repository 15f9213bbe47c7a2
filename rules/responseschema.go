package rules

import (
	"fmt"
	"strconv"
)

// responseSchemas is a response_schema statement compiled: the JSON Schema
// of each response status an OpenAPI operation declares.
type responseSchemas struct {
	byStatus map[string]*recordSchema // "200", "2XX", "default"
	enforce  bool
}

func compileResponseSchemas(responses map[string]string, enforce bool) (*responseSchemas, error) {
	rs := &responseSchemas{byStatus: map[string]*recordSchema{}, enforce: enforce}
	for status, file := range responses {
		sch, err := compileSchema(file, nil)
		if err != nil {
			return nil, fmt.Errorf("response %s: %w", status, err)
		}
		rs.byStatus[status] = sch
	}
	return rs, nil
}

// forStatus is the schema of a status: its own, its class's (2XX), or the
// default one; nil when none applies.
func (rs *responseSchemas) forStatus(status int) *recordSchema {
	code := strconv.Itoa(status)
	for _, key := range []string{code, code[:1] + "XX", code[:1] + "xx", "default"} {
		if s := rs.byStatus[key]; s != nil {
			return s
		}
	}
	return nil
}

// ResponseMismatch is how a response differs from the schema its API
// declares for it.
type ResponseMismatch struct {
	// Errors are the violations, each with its JSON Pointer.
	Errors []FieldError
	// Enforce says the response must not reach the client.
	Enforce bool
	// Where names the statement.
	Where string
}

// ChecksResponses reports whether the program validates whole responses.
func (p *Program) ChecksResponses() bool {
	for _, s := range p.stmts {
		if s.responses != nil {
			return true
		}
	}
	return false
}

// CheckResponse validates a JSON response body (already shown valid)
// against the schema declared for its status; nil when it matches or no
// schema applies.
func (p *Program) CheckResponse(status int, body []byte) (*ResponseMismatch, error) {
	for _, s := range p.stmts {
		if s.responses == nil {
			continue
		}
		sch := s.responses.forStatus(status)
		if sch == nil {
			continue
		}
		errs, err := sch.errors(body, "", "", false)
		if err != nil {
			return nil, &RuntimeError{Where: s.where, Err: err}
		}
		if len(errs) > 0 {
			return &ResponseMismatch{Errors: errs, Enforce: s.responses.enforce, Where: s.where}, nil
		}
	}
	return nil, nil
}
