package intercept

import "net/http"

// header returns the first value of the request header named key, which
// must be written canonically ("Content-Type"). It reads the map as
// Header.Get does, without canonicalizing a constant name again on every
// request: the servers Caddy runs (net/http's HTTP/1 and HTTP/2, quic-go's
// HTTP/3, which fills the header with Header.Add) and Header.Set store
// every valid name canonically, and refuse requests with invalid ones.
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
