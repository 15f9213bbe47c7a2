package intercept

import "net/http"

// header returns the first value of the request header named key, which
// must be written canonically ("Content-Type"). It reads the map as
// Header.Get does, without canonicalizing a constant name again on every
// request: net/http's servers (HTTP/1, HTTP/2) and Header.Set store every
// valid name canonically, and refuse requests with invalid ones.
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
