package rules

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// A JSON Patch (RFC 6902) is read as the fields its operations write: add,
// replace and copy write path, move writes path and removes from, remove
// removes path, test writes nothing. Member names are matched ignoring
// case, as ASP.NET Core binds them.

// patchOp is one operation of a patch as sent.
type patchOp struct {
	raw     string
	members []member
	value   int // the value member, -1 when none
	write   int // the operation's write, -1 for test
}

// jsonPatch is a patch written back from its writes.
type jsonPatch struct{ ops []patchOp }

func (*jsonPatch) sequential() bool { return true }

// looksLikePatch reports whether body is a JSON array whose elements are
// all objects with a string op and a string path: how a backend that takes
// patches as plain JSON tells one.
func looksLikePatch(root gjson.Result) bool {
	if !root.IsArray() {
		return false
	}
	n, ok := 0, true
	root.ForEach(func(_, v gjson.Result) bool {
		n++
		var op, path bool
		if v.IsObject() {
			v.ForEach(func(k, v gjson.Result) bool {
				switch {
				case strings.EqualFold(k.Str, "op"):
					op = v.Type == gjson.String
				case strings.EqualFold(k.Str, "path"):
					path = v.Type == gjson.String
				}
				return true
			})
		}
		ok = op && path
		return ok
	})
	return ok && n > 0
}

// readPatch reads a patch into its writes; detail says why it cannot be
// read (the body is refused).
func readPatch(root gjson.Result, old []byte) (*shape, string) {
	if !root.IsArray() {
		return nil, "invalid JSON Patch: the body must be an array of operations"
	}
	p := &jsonPatch{}
	sh := &shape{body: p, old: old}
	detail := ""
	i := -1
	root.ForEach(func(_, v gjson.Result) bool {
		i++
		op, w, d := readOperation(v)
		if d != "" {
			detail = "invalid JSON Patch: operation " + strconv.Itoa(i) + ": " + d
			return false
		}
		op.write = -1
		if w != nil {
			op.write = len(sh.writes)
			sh.writes = append(sh.writes, *w)
		}
		p.ops = append(p.ops, op)
		return true
	})
	if detail != "" {
		return nil, detail
	}
	return sh, ""
}

// readOperation reads one operation: what it writes (nil for test), or
// why it cannot be read.
func readOperation(v gjson.Result) (patchOp, *write, string) {
	op := patchOp{raw: v.Raw, value: -1}
	if !v.IsObject() {
		return op, nil, "not an object"
	}
	var name, path, from gjson.Result
	var hasValue bool
	dup := ""
	v.ForEach(func(k, m gjson.Result) bool {
		var slot *gjson.Result
		switch {
		case strings.EqualFold(k.Str, "op"):
			slot = &name
		case strings.EqualFold(k.Str, "path"):
			slot = &path
		case strings.EqualFold(k.Str, "from"):
			slot = &from
		case strings.EqualFold(k.Str, "value"):
			if hasValue {
				dup = k.Str
				return false
			}
			hasValue = true
			op.value = len(op.members)
		}
		if slot != nil {
			if slot.Exists() {
				dup = k.Str
				return false
			}
			*slot = m
		}
		op.members = append(op.members, member{key: k.Str, keyRaw: k.Raw, val: m.Raw})
		return true
	})
	if dup != "" {
		return op, nil, "member " + strconv.Quote(dup) + " appears twice"
	}
	if name.Type != gjson.String || path.Type != gjson.String {
		return op, nil, "op and path must be strings"
	}
	target, ok := parsePointer(path.Str)
	if !ok {
		return op, nil, strconv.Quote(path.Str) + " is not a JSON Pointer"
	}
	w := &write{path: target}
	switch strings.ToLower(name.Str) {
	case "add", "replace":
		w.literal = true
	case "test":
		w = nil
	case "remove":
		w.removes = true
	case "move", "copy":
		if from.Type != gjson.String {
			return op, nil, "from must be a string"
		}
		src, ok := parsePointer(from.Str)
		if !ok {
			return op, nil, strconv.Quote(from.Str) + " is not a JSON Pointer"
		}
		w.from, w.moves = src, strings.EqualFold(name.Str, "move")
	default:
		return op, nil, "unknown op " + strconv.Quote(name.Str)
	}
	if (w == nil || w.literal) && !hasValue {
		return op, nil, "value is missing"
	}
	if w != nil && w.literal {
		w.value = op.members[op.value].val
	}
	return op, w, ""
}

// parsePointer splits a JSON Pointer (RFC 6901) into its unescaped
// segments; "" is the whole document.
func parsePointer(s string) ([]string, bool) {
	if s == "" {
		return []string{}, true
	}
	if s[0] != '/' {
		return nil, false
	}
	segs := strings.Split(s[1:], "/")
	for i, seg := range segs {
		if strings.IndexByte(seg, '~') < 0 {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(seg); j++ {
			if seg[j] != '~' {
				b.WriteByte(seg[j])
				continue
			}
			if j+1 >= len(seg) || (seg[j+1] != '0' && seg[j+1] != '1') {
				return nil, false
			}
			b.WriteByte("~/"[seg[j+1]-'0'])
			j++
		}
		segs[i] = b.String()
	}
	return segs, true
}

// appendPointer appends keys as a JSON Pointer in a JSON string.
func appendPointer(dst []byte, keys []string) []byte {
	var b strings.Builder
	for _, k := range keys {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
	}
	return appendString(dst, b.String())
}

func (p *jsonPatch) encode(dst []byte, ws []write) []byte {
	dst = append(dst, '[')
	n := 0
	for _, op := range p.ops {
		if op.write >= 0 && ws[op.write].gone {
			continue
		}
		if n++; n > 1 {
			dst = append(dst, ',')
		}
		if op.write < 0 || !ws[op.write].edited {
			dst = append(dst, op.raw...)
			continue
		}
		dst = append(dst, '{')
		for j, m := range op.members {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, m.keyRaw...)
			dst = append(dst, ':')
			if j == op.value {
				dst = append(dst, ws[op.write].value...)
			} else {
				dst = append(dst, m.val...)
			}
		}
		dst = append(dst, '}')
	}
	for _, w := range ws {
		if !w.added || w.gone {
			continue
		}
		if n++; n > 1 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"op":"add","path":`...)
		dst = appendPointer(dst, w.path)
		dst = append(dst, `,"value":`...)
		dst = append(dst, w.value...)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}
