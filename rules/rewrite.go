package rules

import (
	"errors"
	"strconv"

	"github.com/tidwall/gjson"
)

// The rewrites below copy a JSON value into dst in one pass, leaving out or
// replacing what a path tree selects. Keys are compared after unescaping, so
// "r\u006fle" is role, and every duplicate of a key is treated alike.

var errNotObject = errors.New("expected a JSON object")

// appendDeleting appends raw less every value the trees select. It
// returns how many values it removed. raw is validated JSON (request bodies
// are checked before rules run, responses before after rules).
func appendDeleting(dst []byte, raw gjson.Result, trees ...*pathTree) ([]byte, int) {
	return appendDeletingSpans(dst, raw.Raw, trees, nil)
}

// appendDeletingSpans is appendDeleting that records in top where the
// kept members of an object sit in the output.
func appendDeletingSpans(dst []byte, raw string, trees []*pathTree, top *spans) ([]byte, int) {
	if raw == "" {
		return dst, 0
	}
	dst, _, n := appendValueDeleting(dst, raw, skipSpace(raw, 0), trees, top)
	return dst, n
}

// appendKeeping appends raw with only the values the tree selects (for
// `only`). Within arrays the tree applies to each element through `*`.
func appendKeeping(dst []byte, raw gjson.Result, t *pathTree) ([]byte, bool) {
	if t.leaf || (!raw.IsObject() && !raw.IsArray()) {
		return append(dst, raw.Raw...), false
	}
	changed := false
	isObject := raw.IsObject()
	if isObject {
		dst = append(dst, '{')
	} else {
		dst = append(dst, '[')
	}
	first := true
	i := -1
	raw.ForEach(func(k, v gjson.Result) bool {
		i++
		key := k.Str
		if !isObject {
			key = strconv.Itoa(i)
		}
		n, _ := t.lookup(key)
		if n == nil {
			n = t.star
		}
		if n == nil {
			if isObject {
				changed = true
				return true
			}
			n = &pathTree{leaf: true} // array elements not named stay
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		if isObject {
			dst = append(dst, k.Raw...)
			dst = append(dst, ':')
		}
		var c bool
		dst, c = appendKeeping(dst, v, n)
		changed = changed || c
		return true
	})
	if isObject {
		dst = append(dst, '}')
	} else {
		dst = append(dst, ']')
	}
	return dst, changed
}

// appendSetting appends the object raw (validated JSON) with the value at
// keys replaced by value (raw JSON), creating the member and intermediate
// objects when absent. top, when not nil, records where the members sit.
func appendSetting(dst []byte, raw string, keys []string, value []byte, top *spans) ([]byte, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return dst, errNotObject
	}
	dst, _ = appendObjectSetting(dst, raw, i, keys, value, top)
	return dst, nil
}

// appendObjectSetting streams the object at s[i] through the scanner,
// setting keys to value; it returns the index past the object.
func appendObjectSetting(dst []byte, s string, i int, keys []string, value []byte, top *spans) ([]byte, int) {
	base := len(dst)
	dst = append(dst, '{')
	i = skipSpace(s, i+1)
	first, found := true, false
	for i < len(s) && s[i] != '}' {
		var key, keyRaw string
		key, keyRaw, i = trustedKey(s, i)
		end := trustedValue(s, i)
		if key != keys[0] || !found { // a duplicate of the key set is left out (refused before rules run)
			if !first {
				dst = append(dst, ',')
			}
			first = false
			k0 := len(dst) - base
			dst = append(dst, keyRaw...)
			dst = append(dst, ':')
			v0 := len(dst) - base
			switch {
			case key != keys[0]:
				dst = append(dst, s[i:end]...)
			case len(keys) == 1:
				dst = append(dst, value...)
			case s[i] == '{':
				dst, _ = appendObjectSetting(dst, s, i, keys[1:], value, nil)
			default:
				dst = appendNested(dst, keys[1:], value)
			}
			found = found || key == keys[0]
			top.add(k0, v0-1, v0, len(dst)-base)
		}
		if i = skipSpace(s, end); i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
		}
	}
	if !found {
		if !first {
			dst = append(dst, ',')
		}
		k0 := len(dst) - base
		dst = appendString(dst, keys[0])
		dst = append(dst, ':')
		v0 := len(dst) - base
		dst = appendNested(dst, keys[1:], value)
		top.add(k0, v0-1, v0, len(dst)-base)
	}
	return append(dst, '}'), i + 1
}

// appendNested appends value wrapped in one object per key.
func appendNested(dst []byte, keys []string, value []byte) []byte {
	for _, k := range keys {
		dst = append(dst, '{')
		dst = appendString(dst, k)
		dst = append(dst, ':')
	}
	dst = append(dst, value...)
	for range keys {
		dst = append(dst, '}')
	}
	return dst
}

// present reports whether raw holds a value at any path the tree selects.
func present(raw gjson.Result, t *pathTree) bool {
	if !raw.IsObject() && !raw.IsArray() {
		return false
	}
	isObject := raw.IsObject()
	found := false
	i := -1
	raw.ForEach(func(k, v gjson.Result) bool {
		i++
		key := k.Str
		if !isObject {
			key = strconv.Itoa(i)
		}
		named, star := t.lookup(key)
		for _, n := range [2]*pathTree{named, star} {
			if n != nil && (n.leaf || present(v, n)) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}
