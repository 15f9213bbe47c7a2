package rules

import "github.com/tidwall/gjson"

// topField is one top-level key an expression reads, with the deeper
// paths read below it (none: the whole value).
type topField struct {
	key   string
	whole bool
	subs  [][]string
}

// tops groups the paths by their first key, once per program.
func (f *fieldSet) tops() []topField {
	var out []topField
	for _, p := range f.paths {
		i := 0
		for i < len(out) && out[i].key != p[0] {
			i++
		}
		if i == len(out) {
			out = append(out, topField{key: p[0]})
		}
		if len(p) == 1 {
			out[i].whole, out[i].subs = true, nil
		} else if !out[i].whole {
			out[i].subs = append(out[i].subs, p[1:])
		}
	}
	return out
}

// decodeFields is the record of f as the VM reads it: only the fields
// the program's expressions read (from the scanned members when there are)
// unless one needs the whole record. *view is reused across records.
func decodeFields(f *recordFields, p *Program, view *map[string]any) any {
	if *view == nil {
		*view = make(map[string]any, len(p.top))
	}
	if f.state == scanned && !p.record.whole {
		clear(*view)
		fillViewMembers(*view, f.members, p.top, f.fold)
		return *view
	}
	return viewOf(unsafeBytes(f.raw), p, *view)
}

// viewOf builds what `record` is for expressions: the whole record decoded
// when an expression needs it, else only the fields the program reads,
// into dst (a map the caller reuses across records).
func viewOf(raw []byte, p *Program, dst map[string]any) any {
	if len(raw) == 0 {
		return nil
	}
	root := parse(raw)
	if p.record.whole || !root.IsObject() {
		return valueOf(root)
	}
	clear(dst)
	fillView(dst, root, p.top, p.fold)
	return dst
}

// fillView copies the fields of obj that top names into dst, in one pass
// over obj's members; of duplicate keys the last wins. With fold, names
// match under simple case folding.
func fillView(dst map[string]any, obj gjson.Result, top []topField, fold bool) {
	obj.ForEach(func(k, v gjson.Result) bool {
		for i := range top {
			t := &top[i]
			if !sameKey(k.Str, t.key, fold) {
				continue
			}
			if t.whole || !v.IsObject() {
				dst[t.key] = valueOf(v)
				break
			}
			sub := make(map[string]any, len(t.subs))
			for _, path := range t.subs {
				addField(sub, v, path, fold)
			}
			dst[t.key] = sub
			break
		}
		return true
	})
}

// addField copies the value at path into dst, stopping at the first value
// that is not an object (so record.a.b on a string a reads as it would on
// the whole record).
func addField(dst map[string]any, obj gjson.Result, path []string, fold bool) {
	for i, key := range path {
		v := lastMember(obj, key, fold)
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

// lastMember is the value of the last member of obj named key (after
// unescaping; under folding with fold): what a decoder that keeps one of
// duplicate keys keeps.
func lastMember(obj gjson.Result, key string, fold bool) gjson.Result {
	var last gjson.Result
	if !obj.IsObject() {
		return last
	}
	obj.ForEach(func(k, v gjson.Result) bool {
		if sameKey(k.Str, key, fold) {
			last = v
		}
		return true
	})
	return last
}

// fillViewMembers is fillView over scanned members.
func fillViewMembers(dst map[string]any, members []member, top []topField, fold bool) {
	for i := range top {
		t := &top[i]
		for j := len(members) - 1; j >= 0; j-- { // of duplicate keys the last wins
			m := &members[j]
			if !sameKey(m.key, t.key, fold) {
				continue
			}
			v := gjson.Parse(m.val)
			if t.whole || !v.IsObject() {
				dst[t.key] = valueOf(v)
			} else {
				sub := make(map[string]any, len(t.subs))
				for _, path := range t.subs {
					addField(sub, v, path, fold)
				}
				dst[t.key] = sub
			}
			break
		}
	}
}
