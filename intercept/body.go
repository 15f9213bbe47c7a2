package intercept

import (
	"bytes"
	"github.com/caddy-crud/caddy-crud/rules"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
)

// sentBody is a request body read from a pooled buffer. The transport may
// go on writing a body after the response has arrived, until it closes it:
// the buffer goes back to the pool only once the body is closed, and never
// when GetBody handed out another reader of it.
type sentBody struct {
	bytes.Reader
	data   []byte
	closed atomic.Bool
	copied atomic.Bool                   // GetBody gave out a reader we cannot follow
	get    func() (io.ReadCloser, error) // getBody, bound once
}

// reset makes b a body nothing has read yet.
func (b *sentBody) reset() *sentBody {
	b.closed.Store(false)
	b.copied.Store(false)
	return b
}

func (b *sentBody) Close() error {
	b.closed.Store(true)
	return nil
}

// getBody is the request's GetBody: another reader of the same bytes.
func (b *sentBody) getBody() (io.ReadCloser, error) {
	b.copied.Store(true)
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

// reusable reports whether nothing can read the body's buffer any more.
func (b *sentBody) reusable() bool { return b.closed.Load() && !b.copied.Load() }

// hasBody reports whether the request may carry a body.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// readBody reads and checks a JSON request body: 415 for a non-JSON or
// encoded body, 413 over max_body, 400 for bad JSON. An empty body is nil;
// a JSON body notes in the rules' input whether its media type is a JSON Patch.
func (x *exchange) readBody() ([]byte, *problem) {
	r, max := x.r, x.e.cfg.MaxBody
	if ce := header(r.Header, "Content-Encoding"); ce != "" && ce != "identity" {
		return nil, &problem{status: http.StatusUnsupportedMediaType,
			detail: "encoded request bodies are not accepted"}
	}
	if r.ContentLength > max {
		return nil, &problem{status: http.StatusRequestEntityTooLarge,
			detail: "the request body is larger than " + strconv.FormatInt(max, 10) + " bytes"}
	}
	buf := bodyPool.Get().(*bodyBuffer)
	x.body = buf
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	x.limit = io.LimitedReader{R: r.Body, N: max + 1} // in the pooled exchange: no allocation
	n, err := buf.ReadFrom(&x.limit)
	if err != nil {
		return nil, &problem{status: http.StatusBadRequest, detail: "the request body could not be read"}
	}
	if n > max {
		// what was read goes back in front of the rest, for report mode
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf.Bytes()), r.Body), r.Body}
		return nil, &problem{status: http.StatusRequestEntityTooLarge,
			detail: "the request body is larger than " + strconv.FormatInt(max, 10) + " bytes"}
	}
	body := buf.Bytes()
	x.sent = setBody(r, body, buf.sent.reset()) // what goes upstream unless a rule changes it: the exact bytes
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	ct := header(r.Header, "Content-Type")
	if !IsJSON(ct) {
		return nil, &problem{status: http.StatusUnsupportedMediaType,
			detail: "the request body must be JSON (application/json or a +json type)"}
	}
	x.in.JSONPatch = IsJSONPatch(ct)
	x.index.Nested = x.act.before.ReadsNested()
	if err := ValidateRequestJSON(body, x.e.cfg.MaxDepth, !x.res.cfg.CaseSensitive, &x.index); err != nil {
		detail := "malformed JSON"
		if be, ok := err.(*BodyError); ok {
			detail = be.Detail
		}
		return nil, &problem{status: http.StatusBadRequest, detail: detail}
	}
	return body, nil
}

// setBody replaces the request body, keeping Content-Length right. b is
// the body set before or one nothing has read yet (nil: a new one).
func setBody(r *http.Request, body []byte, b *sentBody) *sentBody {
	if b == nil {
		b = &sentBody{}
	}
	if b.get == nil {
		b.get = b.getBody
	}
	r.GetBody = b.get
	b.data = body
	b.Reset(body)
	r.Body = b
	r.ContentLength = int64(len(body))
	if cl := r.Header["Content-Length"]; len(cl) == 1 {
		cl[0] = lengthText(len(body)) // the request's own header: no new slice
	} else {
		r.Header.Set("Content-Length", lengthText(len(body)))
	}
	r.TransferEncoding = nil
	delete(r.Header, "Transfer-Encoding") // a canonical name: as Header.Del
	return b
}

// drain reads up to max bytes of the body so the client sees the answer
// rather than a reset connection.
func drain(r *http.Request, max int64) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, max))
}

// applyEdits sets the headers and query parameters the rules asked for.
func (x *exchange) applyEdits(res rules.BeforeResult) {
	for _, h := range res.Headers {
		if h.Remove {
			x.r.Header.Del(h.Name)
		} else {
			x.r.Header.Set(h.Name, h.Value)
		}
	}
	if res.QueryRewritten {
		x.r.URL.RawQuery = res.RawQuery
		x.queryValues = nil // request.query reads what is sent from now on
	}
	if len(res.Query) == 0 {
		return
	}
	q := x.r.URL.Query()
	for _, e := range res.Query {
		if e.Remove {
			q.Del(e.Name)
		} else {
			q.Set(e.Name, e.Value)
		}
	}
	x.r.URL.RawQuery = q.Encode()
}
