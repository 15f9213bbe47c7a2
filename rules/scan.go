package rules

import (
	"strconv"

	"github.com/tidwall/gjson"
)

// The scanner below walks JSON that is already validated (the after phase
// runs only on bodies that passed gjson.Valid), so it checks nothing and
// reads each byte of a record once: gjson alone would scan a list twice,
// once to find each element's end and once more to read its members.

// member is one member of a scanned object.
type member struct {
	key    string // unescaped
	keyRaw string // as written, quotes included
	val    string // raw value
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the index just past the string whose opening quote is
// at i. JSON strings are short: a byte loop beats IndexByte's setup.
func skipString(s string, i int) int {
	end, _ := scanString(s, i)
	return end
}

// scanString is skipString that also reports whether the string holds an
// escape.
func scanString(s string, i int) (int, bool) {
	escaped := false
	for i++; i < len(s); i++ {
		switch s[i] {
		case '"':
			return i + 1, escaped
		case '\\':
			escaped = true
			i++ // the escaped byte; \uXXXX's hex digits are plain bytes
		}
	}
	return len(s), escaped
}

// scanKey reads the member name whose opening quote is at s[i]: the name
// unescaped, as written, and the index of the member's value.
func scanKey(s string, i int) (key, keyRaw string, value int) {
	k := i
	i, escaped := scanString(s, i)
	keyRaw = s[k:i]
	key = keyRaw[1 : len(keyRaw)-1]
	if escaped {
		key = gjson.Parse(keyRaw).Str
	}
	return key, keyRaw, skipSpace(s, skipSpace(s, i)+1) // past ':'
}

// skipValue returns the index just past the value that starts at i.
func skipValue(s string, i int) int {
	switch s[i] {
	case '"':
		return skipString(s, i)
	case '{', '[':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				i = skipString(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(s) {
		switch s[i] {
		case ',', '}', ']', ' ', '\n', '\r', '\t':
			return i
		}
		i++
	}
	return i
}

// scanMembers appends the members of the object at s[i] ('{') to dst and
// returns them with the index just past the object.
func scanMembers(s string, i int, dst []member) ([]member, int) {
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return dst, i + 1
	}
	for i < len(s) {
		var key, keyRaw string
		key, keyRaw, i = scanKey(s, i)
		v := i
		i = skipValue(s, i)
		dst = append(dst, member{key: key, keyRaw: keyRaw, val: s[v:i]})
		i = skipSpace(s, i)
		if i >= len(s) || s[i] == '}' {
			return dst, i + 1
		}
		i = skipSpace(s, i+1) // past ','
	}
	return dst, i
}

// appendMembersDeleting writes the object of members less what the trees
// select, like appendDeleting, without scanning the object again.
func appendMembersDeleting(dst []byte, members []member, trees []*pathTree) ([]byte, int) {
	removed := 0
	dst = append(dst, '{')
	first := true
	var sub [4]*pathTree
	for _, m := range members {
		next := sub[:0]
		leaf := false
		for _, t := range trees {
			named, star := t.lookup(m.key)
			for _, n := range [2]*pathTree{named, star} {
				if n == nil {
					continue
				}
				leaf = leaf || n.leaf
				next = append(next, n)
			}
		}
		if leaf {
			removed++
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, m.keyRaw...)
		dst = append(dst, ':')
		if len(next) == 0 {
			dst = append(dst, m.val...)
			continue
		}
		var n int
		dst, _, n = appendValueDeleting(dst, m.val, 0, next)
		removed += n
	}
	return append(dst, '}'), removed
}

// fillViewMembers is fillView over scanned members.
func fillViewMembers(dst map[string]any, members []member, top []topField) {
	for i := range top {
		t := &top[i]
		for _, m := range members {
			if m.key != t.key {
				continue
			}
			v := gjson.Parse(m.val)
			if t.whole || !v.IsObject() {
				dst[t.key] = valueOf(v)
			} else {
				sub := make(map[string]any, len(t.subs))
				for _, path := range t.subs {
					addField(sub, v, path)
				}
				dst[t.key] = sub
			}
			break // the first of duplicate keys wins
		}
	}
}

// appendValueDeleting writes the value at s[i] less what the trees select,
// streaming through it with the scanner; it returns the index past the
// value and how many values it removed.
func appendValueDeleting(dst []byte, s string, i int, trees []*pathTree) ([]byte, int, int) {
	if s[i] != '{' && s[i] != '[' {
		end := skipValue(s, i)
		return append(dst, s[i:end]...), end, 0
	}
	object := s[i] == '{'
	dst = append(dst, s[i])
	i = skipSpace(s, i+1)
	removed, index := 0, -1
	var sub [4]*pathTree
	for first := true; i < len(s) && s[i] != '}' && s[i] != ']'; {
		index++
		var key, keyRaw string
		if object {
			key, keyRaw, i = scanKey(s, i)
		} else {
			key = strconv.Itoa(index)
		}
		next := sub[:0]
		leaf := false
		for _, t := range trees {
			named, star := t.lookup(key)
			for _, n := range [2]*pathTree{named, star} {
				if n != nil {
					leaf = leaf || n.leaf
					next = append(next, n)
				}
			}
		}
		if leaf {
			removed++
			i = skipValue(s, i)
		} else {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			if object {
				dst = append(dst, keyRaw...)
				dst = append(dst, ':')
			}
			if len(next) == 0 {
				end := skipValue(s, i)
				dst = append(dst, s[i:end]...)
				i = end
			} else {
				var n int
				dst, i, n = appendValueDeleting(dst, s, i, next)
				removed += n
			}
		}
		if i = skipSpace(s, i); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	if object {
		return append(dst, '}'), i + 1, removed
	}
	return append(dst, ']'), i + 1, removed
}
