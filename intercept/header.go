package intercept

import (
	"net/http"
	"strconv"
)

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

// decimals holds 0000 to 9999, four digits each, for lengthText.
var decimals = func() string {
	b := make([]byte, 0, 4*10000)
	for n := range 10000 {
		b = append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
	}
	return string(b)
}()

// lengthText is strconv.Itoa(n) for a Content-Length: below 10 000 a
// slice of decimals, so setting the length of a body allocates nothing.
func lengthText(n int) string {
	if n < 0 || n >= 10000 {
		return strconv.Itoa(n)
	}
	digits := 4
	switch {
	case n < 10:
		digits = 1
	case n < 100:
		digits = 2
	case n < 1000:
		digits = 3
	}
	return decimals[4*n+4-digits : 4*n+4]
}
