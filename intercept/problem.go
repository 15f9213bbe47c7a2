package intercept

import (
	"net/http"
	"strconv"

	"github.com/caddy-crud/caddy-crud/rules"
)

// problem is an RFC 9457 problem document.
type problem struct {
	status int
	detail string
	errors []rules.FieldError
}

// writeProblem answers with application/problem+json.
func writeProblem(w http.ResponseWriter, p problem) {
	b := make([]byte, 0, 128)
	b = append(b, `{"type":"about:blank","title":`...)
	b = appendQuoted(b, http.StatusText(p.status))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(p.status), 10)
	if p.detail != "" {
		b = append(b, `,"detail":`...)
		b = appendQuoted(b, p.detail)
	}
	if len(p.errors) > 0 {
		b = append(b, `,"errors":[`...)
		for i, e := range p.errors {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"field":`...)
			b = appendQuoted(b, e.Field)
			if e.Pointer != "" {
				b = append(b, `,"pointer":`...)
				b = appendQuoted(b, e.Pointer)
			}
			b = append(b, `,"message":`...)
			b = appendQuoted(b, e.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store") // a refusal is about this request only
	for _, name := range []string{"Etag", "Last-Modified", "Accept-Ranges", "Content-Range", "Content-Encoding"} {
		h.Del(name)
	}
	w.WriteHeader(p.status)
	_, _ = w.Write(b)
}

// appendQuoted appends s as a JSON string.
func appendQuoted(b []byte, s string) []byte {
	return rules.AppendString(b, s)
}
