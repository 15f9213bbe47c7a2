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
			x.sent = setBody(r, *rewritten, nil)
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

// TestGetBodyGivesTheBodySetLast: a body the rules rewrote replaces the
// body as read in the same sentBody; a retry's GetBody must read the
// rewritten bytes, and Content-Length must count them.
func TestGetBodyGivesTheBodySetLast(t *testing.T) {
	r := httptest.NewRequest("POST", "/users", strings.NewReader(`{"a":1}`))
	r.Header.Set("Content-Length", "7")
	b := setBody(r, []byte(`{"a":1}`), nil)
	setBody(r, []byte(`{"a":22}`), b)
	rc, err := r.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	sent, _ := io.ReadAll(r.Body)
	if string(got) != `{"a":22}` || string(sent) != `{"a":22}` || r.ContentLength != 8 || r.Header.Get("Content-Length") != "8" {
		t.Fatalf("GetBody %q, Body %q, ContentLength %d, header %q", got, sent, r.ContentLength, r.Header.Get("Content-Length"))
	}
}
