package rules

import "strings"

// Quick format checks: each tells, without allocating, that a string
// certainly has its format, as the library's check would tell. A string
// they do not vouch for goes to the library's check, whose verdict counts.

type quickFormat func(string) bool

var quickFormats = map[string]quickFormat{
	"email":     quickEmail,
	"hostname":  quickHostname,
	"uuid":      quickUUID,
	"date":      quickDate,
	"date-time": quickDateTime,
	"ipv4":      quickIPv4,
}

// quickEmail: an unquoted local part and a hostname domain.
func quickEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if len(s) > 254 || at < 0 || at > 64 {
		return false
	}
	local := s[:at]
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.HasPrefix(local, `"`) ||
		strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isAlnum(c) && strings.IndexByte(".!#$%&'*+-/=?^_`{|}~", c) < 0 {
			return false
		}
	}
	domain := s[at+1:]
	return !strings.HasPrefix(domain, "[") && quickHostname(domain)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// quickHostname: dot-separated labels of 1 to 63 letters, digits and
// inner hyphens, 253 bytes in all (less a final dot).
func quickHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return false
	}
	for {
		label := s
		dot := strings.IndexByte(s, '.')
		if dot >= 0 {
			label = s[:dot]
		}
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isAlnum(label[i]) && label[i] != '-' {
				return false
			}
		}
		if dot < 0 {
			return true
		}
		s = s[dot+1:]
	}
}

// quickUUID: 8-4-4-4-12 hex digits.
func quickUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isDigit(c) && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// digits2 reads two decimal digits.
func digits2(s string) (int, bool) {
	if len(s) < 2 || !isDigit(s[0]) || !isDigit(s[1]) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// quickDate: yyyy-mm-dd, a day of that month.
func quickDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	hi, ok1 := digits2(s[0:])
	lo, ok2 := digits2(s[2:])
	m, ok3 := digits2(s[5:])
	d, ok4 := digits2(s[8:])
	if !ok1 || !ok2 || !ok3 || !ok4 || m < 1 || m > 12 || d < 1 {
		return false
	}
	y := hi*100 + lo
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// quickDateTime: a date, T, hh:mm:ss (no leap second), an optional
// fraction, and Z or an offset ±hh:mm.
func quickDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') || !quickDate(s[:10]) {
		return false
	}
	t := s[11:]
	h, ok1 := digits2(t)
	m, ok2 := digits2(t[3:])
	sec, ok3 := digits2(t[6:])
	if !ok1 || !ok2 || !ok3 || t[2] != ':' || t[5] != ':' || h > 23 || m > 59 || sec > 59 {
		return false
	}
	t = t[8:]
	if len(t) > 0 && t[0] == '.' {
		n := 1
		for n < len(t) && isDigit(t[n]) {
			n++
		}
		if n == 1 {
			return false
		}
		t = t[n:]
	}
	if t == "Z" || t == "z" {
		return true
	}
	if len(t) != 6 || (t[0] != '+' && t[0] != '-') || t[3] != ':' {
		return false
	}
	zh, ok1 := digits2(t[1:])
	zm, ok2 := digits2(t[4:])
	return ok1 && ok2 && zh <= 23 && zm <= 59
}

// quickIPv4: four decimals 0 to 255 without leading zeros.
func quickIPv4(s string) bool {
	for part := 0; part < 4; part++ {
		n, i := 0, 0
		for i < len(s) && i < 4 && isDigit(s[i]) {
			n = n*10 + int(s[i]-'0')
			i++
		}
		if i == 0 || i > 3 || n > 255 || (i > 1 && s[0] == '0') {
			return false
		}
		s = s[i:]
		if part < 3 {
			if len(s) == 0 || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
	}
	return len(s) == 0
}
