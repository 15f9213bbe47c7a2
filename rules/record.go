package rules

import "github.com/tidwall/gjson"

// view builds what `record` is for expressions: the whole record decoded
// when an expression needs it, else only the fields the program reads.
func view(raw []byte, fs *fieldSet) any {
	if len(raw) == 0 {
		return nil
	}
	root := parse(raw)
	if fs.whole || !root.IsObject() {
		return valueOf(root)
	}
	out := make(map[string]any, len(fs.paths))
	for _, path := range fs.paths {
		addField(out, root, path)
	}
	return out
}

// addField copies the value at path into dst, stopping at the first value
// that is not an object (so record.a.b on a string a reads as it would on
// the whole record).
func addField(dst map[string]any, obj gjson.Result, path []string) {
	for i, key := range path {
		v := obj.Get(gjson.Escape(key))
		if !v.Exists() {
			return
		}
		if i == len(path)-1 || !v.IsObject() {
			if _, done := dst[key]; !done || i == len(path)-1 {
				dst[key] = valueOf(v)
			}
			return
		}
		next, ok := dst[key].(map[string]any)
		if !ok {
			if _, whole := dst[key]; whole {
				return // already there whole
			}
			next = map[string]any{}
			dst[key] = next
		}
		dst, obj = next, v
	}
}
