package intercept

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// errResponseTooBig stops the next handler once a buffered response passes
// max_response.
var errResponseTooBig = errors.New("response larger than max_response")

// errNotJSON stops the next handler once its response is refused as one
// the after rules cannot read.
var errNotJSON = errors.New("response is not JSON")

// responseBuffer holds back a 2xx JSON response so the after rules can
// filter it. A 2xx body labelled otherwise is held until its first
// non-space byte shows whether it is JSON after all; one that is not JSON
// (and a 206, and a stream) is put to notJSON, which answers for it or
// lets it stream through. Anything else streams through untouched.
//
// Without notJSON (newResponseBuffer's hold mode, for an action with
// webhooks and no after rules), every 2xx that is not a stream is held
// until its webhook events are stored; one that outgrows max is let
// through (spilled).
type responseBuffer struct {
	*caddyhttp.ResponseWriterWrapper
	max         int64
	buf         *bytes.Buffer
	status      int
	wroteHeader bool
	buffering   bool
	sniffing    bool // buffering until the body shows whether it is JSON
	refused     bool // not JSON and not passed: notJSON answered instead
	tooBig      bool
	events      bool // written only once its webhook events are stored
	spilled     bool // hold mode: held, then let through, larger than max

	// notJSON decides on a 2xx response that is not JSON: true lets it
	// stream through; false means it answered the client itself. partial
	// is set for a 206, which no option passes.
	notJSON func(reason string, partial bool) bool
}

func newResponseBuffer(w http.ResponseWriter, max int64, notJSON func(string, bool) bool) *responseBuffer {
	return &responseBuffer{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, max: max, notJSON: notJSON}
}

func (rb *responseBuffer) WriteHeader(status int) {
	if rb.wroteHeader {
		return
	}
	if status >= 100 && status <= 199 {
		rb.ResponseWriterWrapper.WriteHeader(status) // informational: not final
		return
	}
	rb.wroteHeader = true
	rb.status = status
	if rb.notJSON == nil { // hold mode
		ct := rb.Header().Get("Content-Type")
		if status >= 200 && status <= 299 && !streamLabel(ct) && !caddyhttp.IsIncremental(rb.Header()) {
			rb.hold()
			return
		}
		rb.ResponseWriterWrapper.WriteHeader(status)
		return
	}
	if status < 200 || status > 299 || status == http.StatusNoContent {
		rb.ResponseWriterWrapper.WriteHeader(status)
		return
	}
	h := rb.Header()
	ct := h.Get("Content-Type")
	switch {
	case status == http.StatusPartialContent:
		rb.refuse("partial content (206)", true)
	case streamLabel(ct) || caddyhttp.IsIncremental(h):
		rb.refuse("response is a stream", false) // never held back
	case jsonLabel(ct):
		rb.hold()
	default:
		rb.hold()
		rb.sniffing = true
	}
}

// hold starts buffering the body.
func (rb *responseBuffer) hold() {
	rb.buffering = true
	rb.buf = bufferPool.Get().(*bytes.Buffer)
	if n := contentLength(rb.Header()); n > 0 && n <= rb.max {
		rb.buf.Grow(int(n))
	}
}

// refuse puts a response that is not JSON to notJSON: it streams through
// from here, or what follows is discarded.
func (rb *responseBuffer) refuse(reason string, partial bool) {
	if rb.notJSON(reason, partial) {
		rb.ResponseWriterWrapper.WriteHeader(rb.status)
		return
	}
	rb.refused = true
}

func (rb *responseBuffer) Write(p []byte) (int, error) {
	if !rb.wroteHeader {
		rb.WriteHeader(http.StatusOK)
	}
	if rb.refused {
		return 0, errNotJSON
	}
	if !rb.buffering {
		return rb.ResponseWriterWrapper.Write(p)
	}
	if int64(rb.buf.Len()+len(p)) > rb.max {
		if rb.notJSON == nil {
			if err := rb.spill(); err != nil {
				return 0, err
			}
			return rb.ResponseWriterWrapper.Write(p)
		}
		rb.tooBig = true
		return 0, errResponseTooBig
	}
	n, err := rb.buf.Write(p)
	if rb.sniffing {
		return n, rb.sniff()
	}
	return n, err
}

// sniff decides on a held body of another label once its first non-space
// byte is in: `{` or `[` is JSON, whatever the label (clients parse it
// as JSON); anything else is not.
func (rb *responseBuffer) sniff() error {
	c, ok := firstByte(rb.buf.Bytes(), rb.Header().Get("Content-Encoding"), rb.max)
	if !ok {
		return nil // nothing but space so far
	}
	rb.sniffing = false
	if c == '{' || c == '[' {
		return nil
	}
	rb.buffering = false
	rb.refuse("response is not JSON", false)
	if rb.refused {
		return errNotJSON
	}
	_, err := rb.ResponseWriterWrapper.Write(rb.buf.Bytes())
	rb.release()
	return err
}

// ReadFrom keeps io.Copy from going around the buffer.
func (rb *responseBuffer) ReadFrom(r io.Reader) (int64, error) {
	if !rb.wroteHeader {
		rb.WriteHeader(http.StatusOK)
	}
	if rb.refused {
		return 0, errNotJSON
	}
	if rb.sniffing {
		return io.Copy(writerOnly{rb}, r) // through Write, which decides
	}
	if !rb.buffering {
		return rb.ResponseWriterWrapper.ReadFrom(r)
	}
	room := rb.max - int64(rb.buf.Len())
	n, err := rb.buf.ReadFrom(io.LimitReader(r, room+1))
	if int64(rb.buf.Len()) > rb.max {
		if rb.notJSON == nil {
			if err := rb.spill(); err != nil {
				return n, err
			}
			m, err := rb.ResponseWriterWrapper.ReadFrom(r)
			return n + m, err
		}
		rb.tooBig = true
		return n, errResponseTooBig
	}
	return n, err
}

// spill lets a held response through once it outgrows max: what is held
// is written, and the rest streams.
func (rb *responseBuffer) spill() error {
	rb.buffering, rb.spilled = false, true
	rb.ResponseWriterWrapper.WriteHeader(rb.status)
	_, err := rb.ResponseWriterWrapper.Write(rb.buf.Bytes())
	return err
}

// writerOnly hides ReadFrom, so io.Copy calls Write.
type writerOnly struct{ io.Writer }

// FlushError flushes only what streams; a held-back response waits.
func (rb *responseBuffer) FlushError() error {
	if rb.buffering {
		return nil
	}
	return http.NewResponseController(rb.ResponseWriterWrapper).Flush()
}

func (rb *responseBuffer) release() {
	if rb.buf != nil && rb.buf.Cap() <= maxPooledBuffer {
		rb.buf.Reset()
		bufferPool.Put(rb.buf)
	}
	rb.buf = nil
}

func contentLength(h http.Header) int64 {
	v := h.Get("Content-Length")
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' || n > 1<<40 {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	if v == "" {
		return -1
	}
	return n
}

// Interface guards
var (
	_ http.ResponseWriter = (*responseBuffer)(nil)
	_ io.ReaderFrom       = (*responseBuffer)(nil)
)
