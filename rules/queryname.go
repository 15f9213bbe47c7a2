package rules

import (
	"strings"
	"unicode"

	"github.com/caddy-crud/caddy-crud/internal/escape"
)

// A raw query string is read the way the most permissive backends read
// it: pairs separated by & or ; (older Rack and Python split on both), a
// name and a value percent-decoded with + as a space, and an invalid %
// escape kept as written (PHP keeps it) rather than failing the pair.

// queryPair is one name=value pair of a raw query.
type queryPair struct {
	start, end int    // the pair's bytes in the raw query, separators excluded
	name       string // decoded
	rawValue   string // as sent; decode with escape.Percent(…, true)
}

// eachQueryPair calls fn for each non-empty pair of raw, in order, until fn
// returns false.
func eachQueryPair(raw string, fn func(queryPair) bool) {
	for start := 0; start <= len(raw); {
		end := start + strings.IndexAny(raw[start:], "&;")
		if end < start {
			end = len(raw)
		}
		if end > start {
			name, value, _ := strings.Cut(raw[start:end], "=")
			if !fn(queryPair{start: start, end: end, name: escape.Percent(name, true), rawValue: value}) {
				return
			}
		}
		start = end + 1
	}
}

// nameSegments splits a decoded parameter name into the field names it
// binds: the head and each bracket segment (user[profile][role] is user,
// profile, role; role[] is role and ""), in two readings, each bracket
// segment and the head split at dots (profile.verified is profile,
// verified, as dotted keys bind) and not (so a field whose name holds a
// dot still meets it).
func nameSegments(name string) (whole, dotted []string) {
	head, rest, _ := strings.Cut(name, "[")
	whole = append(whole, head)
	for rest != "" {
		seg, after, closed := strings.Cut(rest, "]")
		if !closed {
			// an unclosed bracket: PHP and qs read it as part of the name
			whole[len(whole)-1] += "[" + rest
			break
		}
		whole = append(whole, seg)
		i := strings.IndexByte(after, '[')
		if i < 0 {
			break
		}
		rest = after[i+1:]
	}
	for _, s := range whole {
		dotted = append(dotted, strings.Split(s, ".")...)
	}
	return whole, dotted
}

// nameTokens appends the tokens of s: its runs of letters and numbers,
// folded. password__icontains, filter[password] and _sort are password
// icontains, filter password and sort.
func nameTokens(dst []string, s string) []string {
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsNumber(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			dst = append(dst, foldName(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		dst = append(dst, foldName(s[start:]))
	}
	return dst
}

// mentions reports whether some run of adjacent tokens, joined, is term:
// credit_card_like and creditCard_like both mention creditcard.
func mentions(tokens []string, term string) bool {
	for i := range tokens {
		rest := term
		for _, t := range tokens[i:] {
			if !strings.HasPrefix(rest, t) || t == "" {
				break
			}
			rest = rest[len(t):]
			if rest == "" {
				return true
			}
		}
	}
	return false
}

// fieldTerm is a field name as tokens meet it: its tokens joined ("" when
// it has no letter or digit).
func fieldTerm(key string) string {
	return strings.Join(nameTokens(nil, key), "")
}
