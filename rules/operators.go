package rules

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// MongoDB-style update operators ({"$set":{"role":"admin"}}) and dotted
// keys ({"profile.verified":true}) are read as the paths they write, as
// Mongoose's findByIdAndUpdate and the MongoDB drivers apply them. A plain
// key of such a body is a $set of its own.

// operatorKind is what an update operator does to the fields it names.
type operatorKind uint8

const (
	opSets    operatorKind = iota // the value is written as sent
	opUnsets                      // the field is removed
	opRenames                     // the value (a string) names the new field
	opChanges                     // the field gets a value computed from the stored one
)

var updateOperators = map[string]operatorKind{
	"$set": opSets, "$setOnInsert": opSets, "$unset": opUnsets, "$rename": opRenames,
	"$inc": opChanges, "$mul": opChanges, "$min": opChanges, "$max": opChanges,
	"$push": opChanges, "$addToSet": opChanges, "$pull": opChanges, "$pullAll": opChanges,
	"$pop": opChanges, "$currentDate": opChanges,
}

// opMember is a top-level member of an operator body: an operator with
// its entries, or a plain key.
type opMember struct {
	keyRaw  string
	val     string
	plain   bool
	entries []opEntry // an operator's; a plain key is one entry
}

type opEntry struct {
	keyRaw string
	val    string
	write  int
}

// updateOps is an operator body written back from its writes.
type updateOps struct {
	members []opMember
	set     int  // the $set member, -1
	plain   bool // the body has a plain key
}

func (*updateOps) sequential() bool { return false }

// operatorKeys reports whether the record is an object with a top-level
// key that starts with $ or holds a dot; members not known yet are scanned
// only when one of those bytes (or an escape) is in it.
func (f *recordFields) operatorKeys() bool {
	if f.state == unscanned {
		raw := f.raw
		if strings.IndexByte(raw, '$') < 0 && strings.IndexByte(raw, '.') < 0 && strings.IndexByte(raw, '\\') < 0 {
			return false
		}
		f.scan()
	}
	if f.state != scanned {
		return false
	}
	for _, m := range f.members {
		if strings.HasPrefix(m.key, "$") || strings.IndexByte(m.key, '.') >= 0 {
			return true
		}
	}
	return false
}

// readOperators reads an operator body into its writes; detail says why
// it cannot be read (the body is refused).
func readOperators(obj gjson.Result, old []byte) (*shape, string) {
	u := &updateOps{set: -1}
	sh := &shape{body: u, old: old}
	detail := ""
	obj.ForEach(func(k, v gjson.Result) bool {
		m := opMember{keyRaw: k.Raw, val: v.Raw}
		if !strings.HasPrefix(k.Str, "$") {
			m.plain, u.plain = true, true
			w, d := dottedWrite(k.Str)
			if d != "" {
				detail = d
				return false
			}
			w.literal, w.value = true, v.Raw
			m.entries = []opEntry{{keyRaw: k.Raw, val: v.Raw, write: len(sh.writes)}}
			sh.writes = append(sh.writes, w)
			u.members = append(u.members, m)
			return true
		}
		kind, ok := updateOperators[k.Str]
		if !ok {
			detail = "unknown update operator " + strconv.Quote(k.Str)
			return false
		}
		if !v.IsObject() {
			detail = "the value of " + k.Str + " must be an object"
			return false
		}
		if k.Str == "$set" {
			u.set = len(u.members)
		}
		v.ForEach(func(f, fv gjson.Result) bool {
			w, d := dottedWrite(f.Str)
			if d == "" && strings.HasPrefix(f.Str, "$") {
				d = "the field " + strconv.Quote(f.Str) + " of " + k.Str + " is not a field path"
			}
			switch kind {
			case opSets:
				w.literal, w.value = true, fv.Raw
			case opUnsets:
				w.removes = true
			case opRenames:
				to, dt := dottedWrite(fv.Str)
				if fv.Type != gjson.String || dt != "" {
					d = "$rename of " + strconv.Quote(f.Str) + " must name a field"
				}
				w.path, w.from, w.moves = to.path, w.path, true
			}
			if d != "" {
				detail = d
				return false
			}
			m.entries = append(m.entries, opEntry{keyRaw: f.Raw, val: fv.Raw, write: len(sh.writes)})
			sh.writes = append(sh.writes, w)
			return true
		})
		u.members = append(u.members, m)
		return detail == ""
	})
	if detail != "" {
		return nil, detail
	}
	return sh, ""
}

// dottedWrite is the write of a dotted field path, or why it is not one.
func dottedWrite(key string) (write, string) {
	segs := strings.Split(key, ".")
	for _, s := range segs {
		if s == "" {
			return write{}, strconv.Quote(key) + " is not a field path"
		}
	}
	return write{path: segs}, ""
}

func (u *updateOps) encode(dst []byte, ws []write) []byte {
	dst = append(dst, '{')
	n := 0
	comma := func() {
		if n++; n > 1 {
			dst = append(dst, ',')
		}
	}
	added := false
	for i, m := range u.members {
		if m.plain {
			w := &ws[m.entries[0].write]
			if w.gone {
				continue
			}
			comma()
			dst = append(dst, m.keyRaw...)
			dst = append(dst, ':')
			dst = append(dst, w.value...)
			continue
		}
		start, before := len(dst), n
		comma()
		dst = append(dst, m.keyRaw...)
		dst = append(dst, ":{"...)
		kept := 0
		for _, e := range m.entries {
			w := &ws[e.write]
			if w.gone {
				continue
			}
			if kept++; kept > 1 {
				dst = append(dst, ',')
			}
			dst = append(dst, e.keyRaw...)
			dst = append(dst, ':')
			if w.edited {
				dst = append(dst, w.value...)
			} else {
				dst = append(dst, e.val...)
			}
		}
		if i == u.set {
			dst, kept = appendAdded(dst, ws, kept)
			added = true
		}
		if kept == 0 && len(m.entries) > 0 {
			dst, n = dst[:start], before // every field of it went
			continue
		}
		dst = append(dst, '}')
	}
	if added {
		return append(dst, '}')
	}
	if u.plain {
		for _, w := range ws {
			if w.added && !w.gone {
				comma()
				dst = appendString(dst, strings.Join(w.path, "."))
				dst = append(dst, ':')
				dst = append(dst, w.value...)
			}
		}
		return append(dst, '}')
	}
	start, before := len(dst), n
	comma()
	dst = append(dst, `"$set":{`...)
	var kept int
	if dst, kept = appendAdded(dst, ws, 0); kept == 0 {
		dst, n = dst[:start], before
		return append(dst, '}')
	}
	return append(dst, "}}"...)
}

// appendAdded appends the writes rules added as members of a $set, after
// kept others.
func appendAdded(dst []byte, ws []write, kept int) ([]byte, int) {
	for _, w := range ws {
		if !w.added || w.gone {
			continue
		}
		if kept++; kept > 1 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, strings.Join(w.path, "."))
		dst = append(dst, ':')
		dst = append(dst, w.value...)
	}
	return dst, kept
}
