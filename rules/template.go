package rules

import (
	"fmt"
	"strings"
)

// template is a message with embedded ${expr} parts, compiled once.
type template struct {
	parts []templatePart
}

type templatePart struct {
	text string
	expr *program
}

// compileTemplate splits s at each ${...}; the braces may nest and may hold
// string literals with braces in them.
func compileTemplate(s string) (*template, error) {
	t := &template{}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			if s != "" {
				t.parts = append(t.parts, templatePart{text: s})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{text: s[:i]})
		}
		end := matchBrace(s, i+2)
		if end < 0 {
			return nil, fmt.Errorf("unclosed ${ in message %q", s)
		}
		p, err := compileExpr(strings.TrimSpace(s[i+2:end]), false)
		if err != nil {
			return nil, fmt.Errorf("in message: %w", err)
		}
		t.parts = append(t.parts, templatePart{expr: p})
		s = s[end+1:]
	}
}

// matchBrace returns the index of the } closing the ${ that ends at start.
func matchBrace(s string, start int) int {
	depth := 1
	var quote byte
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// vars lists what the template's expressions read.
func (t *template) usage() (varSet, fieldSet) {
	var vs varSet
	var fs fieldSet
	if t == nil {
		return vs, fs
	}
	for _, p := range t.parts {
		if p.expr != nil {
			vs |= p.expr.vars
			fs.add(p.expr.record)
		}
	}
	return vs, fs
}

// render evaluates the template; the rendered text is never evaluated again.
func (t *template) render(env *Env) (string, error) {
	if t == nil {
		return "", nil
	}
	if len(t.parts) == 1 && t.parts[0].expr == nil {
		return t.parts[0].text, nil
	}
	var b []byte
	for _, p := range t.parts {
		if p.expr == nil {
			b = append(b, p.text...)
			continue
		}
		v, err := p.expr.run(env)
		if err != nil {
			return "", err
		}
		b = render(b, v)
	}
	return string(b), nil
}
