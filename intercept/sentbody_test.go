package intercept

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBodyBuffersWaitForTheTransport: the transport may still be writing a
// request body after the response arrived, until it closes the body; the
// buffers behind it must not be reused (and overwritten) before that.
func TestBodyBuffersWaitForTheTransport(t *testing.T) {
	for _, c := range []struct {
		name             string
		closed, getBody  bool
		wantBufferReused bool
	}{
		{"closed by the transport", true, false, true},
		{"still open", false, false, false},
		{"copied by GetBody", true, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/users", strings.NewReader(`{"a":1}`))
			read := bodyPool.Get().(*bodyBuffer)
			read.WriteString(`{"a":1}`)
			rewritten := rewritePool.Get().(*[]byte)
			*rewritten = append((*rewritten)[:0], `{"a":2}`...)
			x := &exchange{r: r, body: read, rewritten: rewritten}
			x.sent = setBody(r, *rewritten)
			if c.getBody {
				if _, err := r.GetBody(); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := io.ReadAll(r.Body); string(got) != `{"a":2}` {
				t.Fatalf("body %q", got)
			}
			if c.closed {
				r.Body.Close()
			}
			x.release()
			reused := read.Len() == 0 && len(*rewritten) == 0 // release resets what it pools
			if reused != c.wantBufferReused {
				t.Fatalf("buffers reused: %v, want %v", reused, c.wantBufferReused)
			}
		})
	}
}
