package intercept

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// errResponseTooBig stops the next handler once a buffered response passes
// max_response.
var errResponseTooBig = errors.New("response larger than max_response")

// responseBuffer holds back a 2xx JSON response so the after rules can
// filter it; anything else streams through untouched. With hold, every
// other 2xx that is not a stream is held back too, until its webhook
// events are stored; one that outgrows max is let through (spilled).
type responseBuffer struct {
	*caddyhttp.ResponseWriterWrapper
	max         int64
	buf         *bytes.Buffer
	status      int
	wroteHeader bool
	buffering   bool
	filter      bool // buffered for the after rules: 2xx JSON
	hold        bool // buffer every 2xx that is not a stream
	spilled     bool // held, then let through: larger than max
	tooBig      bool
}

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newResponseBuffer(w http.ResponseWriter, max int64) *responseBuffer {
	return &responseBuffer{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, max: max}
}

// shouldBuffer: 2xx with a body (not 204, not 206), JSON, not a stream.
func shouldBuffer(status int, h http.Header) bool {
	if status < 200 || status > 299 || status == http.StatusNoContent || status == http.StatusPartialContent {
		return false
	}
	ct := h.Get("Content-Type")
	return IsJSON(ct) && !strings.HasPrefix(strings.ToLower(ct), "text/event-stream") && !caddyhttp.IsIncremental(h)
}

// shouldHold: 2xx, not a stream.
func shouldHold(status int, h http.Header) bool {
	return status >= 200 && status <= 299 &&
		!strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "text/event-stream") && !caddyhttp.IsIncremental(h)
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
	rb.filter = shouldBuffer(status, rb.Header())
	if rb.filter || rb.hold && shouldHold(status, rb.Header()) {
		rb.buffering = true
		rb.buf = bufferPool.Get().(*bytes.Buffer)
		if n := contentLength(rb.Header()); n > 0 && n <= rb.max {
			rb.buf.Grow(int(n))
		}
		return
	}
	rb.ResponseWriterWrapper.WriteHeader(status)
}

func (rb *responseBuffer) Write(p []byte) (int, error) {
	if !rb.wroteHeader {
		rb.WriteHeader(http.StatusOK)
	}
	if !rb.buffering {
		return rb.ResponseWriterWrapper.Write(p)
	}
	if int64(rb.buf.Len()+len(p)) > rb.max {
		if !rb.filter {
			if err := rb.spill(); err != nil {
				return 0, err
			}
			return rb.ResponseWriterWrapper.Write(p)
		}
		rb.tooBig = true
		return 0, errResponseTooBig
	}
	return rb.buf.Write(p)
}

// spill lets a held response through once it outgrows max: what is held
// is written, and the rest streams.
func (rb *responseBuffer) spill() error {
	rb.buffering, rb.spilled = false, true
	rb.ResponseWriterWrapper.WriteHeader(rb.status)
	_, err := rb.ResponseWriterWrapper.Write(rb.buf.Bytes())
	return err
}

// ReadFrom keeps io.Copy from going around the buffer.
func (rb *responseBuffer) ReadFrom(r io.Reader) (int64, error) {
	if !rb.wroteHeader {
		rb.WriteHeader(http.StatusOK)
	}
	if !rb.buffering {
		return rb.ResponseWriterWrapper.ReadFrom(r)
	}
	room := rb.max - int64(rb.buf.Len())
	n, err := rb.buf.ReadFrom(io.LimitReader(r, room+1))
	if int64(rb.buf.Len()) > rb.max {
		if !rb.filter {
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

// FlushError flushes only what streams; a held-back response waits.
func (rb *responseBuffer) FlushError() error {
	if rb.buffering {
		return nil
	}
	return http.NewResponseController(rb.ResponseWriterWrapper).Flush()
}

func (rb *responseBuffer) release() {
	if rb.buf != nil && rb.buf.Cap() <= 4<<20 {
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
