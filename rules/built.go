package rules

import (
	"strconv"
	"strings"
	"unsafe"
)

// The strings the compiled expressions build (a + b, string(n), upper,
// lower, replace, join, and the JSON text of the lists fastlists.go
// builds) are written into a chunk the environment keeps (Env.built)
// instead of each being allocated. A byte written there is
// never written again: a built string stays what it is for as long as
// anything holds it (a rejection's message, a header a rule sets, a
// value written into a body), and a full chunk is left to the collector,
// not reused. So building a string costs its copy, and one allocation a
// chunk.

// builtChunk is the size of a chunk; a string longer than a quarter of it
// gets storage of its own.
const builtChunk = 4 << 10

// room is storage to append a string of about n bytes to: the free end of
// the chunk, or storage of its own. keep takes what was appended.
func (env *Env) room(n int) []byte {
	free := env.built[len(env.built):]
	if cap(free) >= n {
		return free
	}
	if n > builtChunk/4 {
		return make([]byte, 0, n)
	}
	env.built = make([]byte, 0, builtChunk)
	return env.built
}

// keep is the string of b, appended to what room gave: when b is still
// in the chunk, its bytes are taken from the free end, so nothing writes
// them again (an append that outgrew the room moved b elsewhere).
func (env *Env) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if free := env.built[len(env.built):cap(env.built)]; len(free) > 0 && unsafe.SliceData(b) == unsafe.SliceData(free) {
		env.built = env.built[:len(env.built)+len(b)]
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// concat is a + b, as the string concatenation of expr's runtime.
func (env *Env) concat(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return env.keep(append(append(env.room(len(a)+len(b)), a...), b...))
}

// stringOf is string(v) of a number, a string, a boolean or nil, as expr's
// string() prints it (fmt's %v); false, out untouched, for a list or a map.
func (env *Env) stringOf(out, v *val) bool {
	switch v.class() {
	case strClass:
		s, _ := v.text()
		out.setStr(s)
	case boolClass:
		b, _ := v.boolean()
		out.setStr(strconv.FormatBool(b))
	case nilClass:
		if v.kind == anyKind && v.v != nil {
			return false // a nil map or list: printed as one
		}
		out.setStr("<nil>")
	case numClass:
		i, f, isInt, ok := v.number()
		if !ok {
			return false
		}
		if isInt {
			out.setStr(env.keep(strconv.AppendInt(env.room(20), int64(i), 10)))
		} else {
			out.setStr(env.keep(strconv.AppendFloat(env.room(24), f, 'g', -1, 64)))
		}
	default:
		return false
	}
	return true
}

// changeCase is strings.ToUpper (upper) or strings.ToLower of s: s itself
// when no letter changes, a built string when s is ASCII, else the
// strings package's own.
func (env *Env) changeCase(s string, upper bool) string {
	from := byte('A') // the letters that change: from up to from+25
	if upper {
		from = 'a'
	}
	if !isASCII(s) {
		if upper {
			return strings.ToUpper(s)
		}
		return strings.ToLower(s)
	}
	if !hasLetterFrom(s, from) {
		return s
	}
	b := env.room(len(s))[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c-from < 26 {
			c ^= 0x20
		}
		b[i] = c
	}
	return env.keep(b)
}

// hasLetterFrom reports whether the ASCII text s holds a byte from from
// up to from+25 (one case's letters), eight bytes at a time: a byte c is
// in range when c+(0x80-from) reaches 0x80 and c+(0x80-from-26) does not
// (each byte and each addend below 0x80: no byte's sum carries into the
// next).
func hasLetterFrom(s string, from byte) bool {
	ge, gt := (0x80-uint64(from))*ones, (0x80-uint64(from)-26)*ones
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if w := wordAt(s, i); (w+ge)&^(w+gt)&highs != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i]-from < 26 {
			return true
		}
	}
	return false
}

// replaceAll is strings.ReplaceAll(s, old, new) for an old that is not
// empty (an empty one inserts new between runes: the strings package's).
func (env *Env) replaceAll(s, old, new string) string {
	n := strings.Count(s, old)
	if n == 0 {
		return s
	}
	b := env.room(len(s) + n*(len(new)-len(old)))
	for {
		i := strings.Index(s, old)
		if i < 0 {
			break
		}
		b = append(append(b, s[:i]...), new...)
		s = s[i+len(old):]
	}
	return env.keep(append(b, s...))
}

// joinTexts is join(list, glue) of an array's JSON text whose elements
// are all strings; false, out untouched, for any other list or element
// (expr's function then reads it, or fails).
func (env *Env) joinTexts(out, list *val, glue string) bool {
	if list.kind != rawKind || list.s[0] != '[' {
		return false
	}
	var each elements
	var item val
	each.begin(list)
	b := env.room(len(list.s))
	for first := true; each.next(&item); first = false {
		s, ok := item.text()
		if !ok {
			return false
		}
		if !first {
			b = append(b, glue...)
		}
		b = append(b, s...)
	}
	out.setStr(env.keep(b))
	return true
}
