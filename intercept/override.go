package intercept

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// overrideHeaders are the headers that ask a server to treat a request as
// another method.
var overrideHeaders = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// The details of the 400 answers to method overrides.
const (
	detailOverrideHeader = "method override headers are not accepted here"
	detailOverrideParam  = "the _method parameter is not accepted here"
	detailOverrideClash  = "the method overrides disagree"
)

// override finds the method the request asks to be treated as, on a
// matched resource: the override headers, a _method query parameter, and
// for a POST a _method field of a form body (Laravel and Symfony read the
// query and the form, Rails, Spring and Express the form). It returns ""
// when there is none (or only empty ones), and a problem when overrides are refused here or
// disagree. A form body is read (up to max_body) and put back as it came.
func (e *Engine) override(r *http.Request, allow bool) (string, *problem) {
	method, where := "", ""
	add := func(v, from string) *problem {
		if where == "" {
			where = from
		}
		switch {
		case v == "":
		case method == "":
			method = v
		case !strings.EqualFold(method, v):
			return &problem{status: http.StatusBadRequest, detail: detailOverrideClash}
		}
		return nil
	}
	for _, h := range overrideHeaders {
		for _, v := range r.Header[h] { // canonical names: as Header.Values
			if v == "" {
				continue // as before: an empty header asks for nothing
			}
			if p := add(v, detailOverrideHeader); p != nil {
				return "", p
			}
		}
	}
	if q := r.URL.RawQuery; q != "" && (containsFold(q, "method") || strings.IndexByte(q, '%') >= 0) {
		for _, v := range methodFields(q) {
			if p := add(v, detailOverrideParam); p != nil {
				return "", p
			}
		}
	}
	if r.Method == http.MethodPost && hasBody(r) && isForm(header(r.Header, "Content-Type")) {
		body, prob := e.readForm(r)
		if prob != nil {
			return "", prob
		}
		for _, v := range methodFields(string(body)) {
			if p := add(v, detailOverrideParam); p != nil {
				return "", p
			}
		}
	}
	if where != "" && !allow {
		return "", &problem{status: http.StatusBadRequest, detail: where}
	}
	return strings.ToUpper(method), nil
}

// methodFields returns the values of the fields of an urlencoded string
// that a backend reads as _method: any case, its _ also spelled as . or [
// (PHP turns those into _ in parameter names, and drops leading spaces), pairs
// split at & and at ; (older Rack). An empty value is a value.
func methodFields(s string) []string {
	var out []string
	for s != "" {
		var pair string
		if i := strings.IndexAny(s, "&;"); i >= 0 {
			pair, s = s[:i], s[i+1:]
		} else {
			pair, s = s, ""
		}
		name, value, _ := strings.Cut(pair, "=")
		if !isMethodName(formUnescape(name)) {
			continue
		}
		out = append(out, formUnescape(value))
	}
	return out
}

// isMethodName reports whether a decoded field name reads as _method.
func isMethodName(name string) bool {
	name = strings.TrimLeft(name, " ") // PHP drops leading spaces of names
	if len(name) != len("_method") || !strings.ContainsRune("_.[", rune(name[0])) {
		return false
	}
	return equalFoldASCII(name[1:], "method")
}

// formUnescape decodes an application/x-www-form-urlencoded name or
// value: + is a space, %XX a byte; a bad escape stays as it is.
func formUnescape(s string) string {
	if strings.IndexByte(s, '+') < 0 && !hasEscape(s) {
		return s
	}
	return escape.Percent(s, true)
}

// isForm reports whether a Content-Type is a form body backends read
// fields from.
func isForm(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return equalFoldASCII(trimOWS(mt), "application/x-www-form-urlencoded")
}

// readForm reads a form body (up to max_body, 413 beyond: a field that
// cannot be read cannot be checked) and puts it back as it came.
func (e *Engine) readForm(r *http.Request) ([]byte, *problem) {
	max := e.cfg.MaxBody
	tooBig := &problem{status: http.StatusRequestEntityTooLarge,
		detail: "the request body is larger than " + strconv.FormatInt(max, 10) + " bytes"}
	if r.ContentLength > max {
		return nil, tooBig
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, &problem{status: http.StatusBadRequest, detail: "the request body could not be read"}
	}
	if int64(len(body)) > max {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return nil, tooBig
	}
	setBody(r, body, nil)
	return body, nil
}
