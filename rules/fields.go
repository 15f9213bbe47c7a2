package rules

import (
	"strings"

	"github.com/tidwall/gjson"
)

// A record's fields are read straight from its JSON: the members a scan
// (or the rewrite that wrote the record) found, the last of duplicate
// keys winning, and the value decoded only when the reader needs it.

// recordAt reads record.keys... into out: from the record's JSON when
// the phase gave it, member by member without decoding the objects on the
// way, else from the decoded record.
func (env *Env) recordAt(out *val, keys []any) {
	if env.fields == nil {
		v := env.Record
		for _, k := range keys {
			v = env.Get(v, k)
		}
		out.setTyped(v)
		return
	}
	i := env.fields.nestedAt(out, keys)
	if i == 0 {
		env.fields.field(out, keys[0])
		i = 1
	}
	for ; i < len(keys); i++ {
		if out.kind != rawKind {
			d := out.decoded()
			for _, k := range keys[i:] {
				d = env.Get(d, k)
			}
			out.setTyped(d)
			return
		}
		rawMember(out, out.s, keys[i], env.fields.fold)
	}
}

// nestedAt reads as many of keys as the scan indexed: the member named
// keys[0] (the last of that name), then, when the scan went into it, its
// member named keys[1], and so on. It returns how many keys it read into
// out, 0 when the record was not scanned with its nested objects.
func (f *recordFields) nestedAt(out *val, keys []any) int {
	if f.kids == nil || f.state != scanned || len(keys) < 2 {
		return 0
	}
	ms := f.members
	for n, key := range keys {
		k, ok := key.(string)
		if !ok {
			return n // an index: read from the text
		}
		m := lastNamed(ms, k, f.fold)
		if m == nil {
			out.setTyped(nil) // and so is every member below it
			return len(keys)
		}
		out.setRaw(m.val)
		if !m.deep {
			return n + 1
		}
		ms = f.kids.of(m)
	}
	return len(keys)
}

// lastNamed returns the last of members named k (under simple case
// folding with fold), or nil.
func lastNamed(members []member, k string, fold bool) *member {
	for i := len(members) - 1; i >= 0; i-- {
		if key := members[i].key; !(fold && foldApart(key, k)) && sameKey(key, k, fold) {
			return &members[i]
		}
	}
	return nil
}

// rawMember reads raw[key] from validated JSON as get reads it on the
// decoded value: the last member named key of an object, an element of an
// array (counting from the end when negative), nil where there is none. A
// string indexed by a number is left decoded (a byte, as expr reads it).
func rawMember(out *val, raw string, key any, fold bool) {
	switch k := key.(type) {
	case string:
		rawNamed(out, raw, k, fold)
	case int:
		rawIndexed(out, raw, k)
	default:
		out.setTyped(nil)
		if raw[0] == '"' {
			r := rawVal(raw)
			out.setAny(get(r.decoded(), key))
		}
	}
}

// rawNamed is rawMember of a name: the last member so named of an object,
// nil for any other value (a string has no named member).
func rawNamed(out *val, raw, name string, fold bool) {
	out.setTyped(nil)
	if raw[0] == '{' {
		if v, ok := memberText(raw, name, fold); ok {
			out.setRaw(v)
		}
	}
}

// rawIndexed is rawMember of an index: an element of an array, a byte of
// a string; nil for any other value, and out of range.
func rawIndexed(out *val, raw string, i int) {
	out.setTyped(nil)
	switch raw[0] {
	case '[':
		if e, ok := rawElement(raw, i); ok {
			out.setRaw(e)
		}
	case '"':
		r := rawVal(raw)
		out.setAny(get(r.decoded(), i))
	}
	// an object has no numbered member; a number, a boolean or null none
}

// rawElement is the n-th element's text of the array raw (validated
// JSON), counting from the end when n is negative; false out of range.
func rawElement(raw string, n int) (string, bool) {
	if n < 0 {
		n += countElements(raw)
	}
	for i, at := skipSpace(raw, 1), 0; i < len(raw) && raw[i] != ']' && n >= 0; at++ {
		end := trustedValue(raw, i)
		if at == n {
			return raw[i:end], true
		}
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return "", false
}

// hasMember reports whether the object raw (validated JSON) has a member
// named key, as a key of the decoded map.
func hasMember(raw, key string) bool {
	if !strings.Contains(raw, key) && strings.IndexByte(raw, '\\') < 0 {
		return false // the name's bytes are nowhere, and no escape spells them
	}
	_, ok := memberText(raw, key, false)
	return ok
}

// memberText returns the text of the value of the last member of the
// object raw (validated JSON) named key (under folding with fold): what
// lastMember finds in a gjson value, read from trusted text.
func memberText(raw, key string, fold bool) (string, bool) {
	val, found := "", false
	for i := skipSpace(raw, 1); i < len(raw) && raw[i] != '}'; {
		name, _, v := trustedKey(raw, i)
		end := trustedValue(raw, v)
		if sameKey(name, key, fold) {
			val, found = raw[v:end], true
		}
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return val, found
}

// recordFields is the current record as JSON; its members are scanned
// on the first read, unless the phase scanned them already.
type recordFields struct {
	raw     string
	members []member
	state   uint8        // unscanned, scanned (members describe raw) or notObject
	fold    bool         // names match under simple case folding (request bodies)
	kids    *nested      // the members of the nested objects the scan went into (member.deep), or nil
	slots   *memberSlots // the members by the field naming them, when scanned against the program's descend tree; else nil
	// edited: the members were set or removed since raw was written (see
	// write); first and tail are where they began and ended in raw then;
	// spaceLast: a member was added when there were none, so the space
	// after the '{' follows the members
	edited, spaceLast bool
	first, tail       int
}

const (
	unscanned uint8 = iota
	scanned
	notObject
)

// reset makes the fields those of raw, keeping the members' storage.
func (f *recordFields) reset(raw string) {
	f.raw, f.members, f.state, f.kids, f.slots, f.edited = raw, f.members[:0], unscanned, nil, nil, false
}

// resetIndexed is reset, taking raw's members from ix when it holds them
// (the request check found them), not from a scan.
func (f *recordFields) resetIndexed(raw string, ix *BodyIndex) {
	f.reset(raw)
	if ms, ok := ix.of(raw); ok {
		f.members, f.state, f.kids = append(f.members, ms...), scanned, ix.nestedIn(raw)
	}
}

// adopt makes the fields those of raw, whose members sit at sp.
func (f *recordFields) adopt(raw string, sp spans) {
	f.raw, f.members, f.state, f.kids, f.slots, f.edited = raw, f.members[:0], scanned, nil, nil, false
	for _, x := range sp {
		keyRaw := raw[x.k0:x.k1]
		key := keyRaw[1 : len(keyRaw)-1]
		if strings.IndexByte(key, '\\') >= 0 {
			key = gjson.Parse(keyRaw).Str
		}
		f.members = append(f.members, member{key: key, keyRaw: keyRaw, val: raw[x.v0:x.v1]})
	}
}

// field reads the record's member key, as get(record, key) reads it on
// the decoded record: of duplicate keys the last wins, as in every view of
// a record (and in JSON.parse and encoding/json).
func (f *recordFields) field(out *val, key any) {
	k, ok := key.(string)
	if !ok {
		if f.scan(); f.state == notObject {
			out.setAny(get(Decode(unsafeBytes(f.raw)), key))
		} else {
			out.setAny(nil) // an object has no index
		}
		return
	}
	f.named(out, k)
}

// named is field for a name.
func (f *recordFields) named(out *val, k string) {
	if f.scan(); f.state == notObject {
		out.setAny(get(Decode(unsafeBytes(f.raw)), k))
		return
	}
	if m := lastNamed(f.members, k, f.fold); m != nil {
		out.setRaw(m.val) // never "": a member has a value
		return
	}
	out.setAny(nil)
}

// namedField is named for the field numbered id (see fieldID), found
// through the slots when the record has them and they know the field.
func (f *recordFields) namedField(out *val, k string, id int32) {
	s := f.slots
	if !s.knows(id) {
		f.named(out, k)
		return
	}
	if m := s.member(f.members, id); m != nil {
		out.setRaw(m.val)
	} else {
		out.setAny(nil)
	}
}

// namedText is the JSON text of the member namedField reads; false when
// the record is not an object or has no such member.
func (f *recordFields) namedText(k string, id int32) (string, bool) {
	var m *member
	if s := f.slots; s.knows(id) {
		m = s.member(f.members, id)
	} else if f.scan(); f.state == scanned {
		m = lastNamed(f.members, k, f.fold)
	}
	if m == nil {
		return "", false
	}
	return m.val, true
}

// scan finds the members of the record on the first read.
func (f *recordFields) scan() {
	if f.state == unscanned {
		f.state = notObject
		if i := skipSpace(f.raw, 0); i < len(f.raw) && f.raw[i] == '{' {
			f.members, _ = trustedMembers(f.raw, i, f.members[:0]) // validated before
			f.state = scanned
		}
	}
}

// rawAt returns the JSON text of the value at keys (no wildcards),
// without copying; of duplicate keys the last wins. ok is false where
// there is no such value.
func (f *recordFields) rawAt(keys []string) (raw string, ok bool) {
	var v val
	f.named(&v, keys[0])
	for _, k := range keys[1:] {
		if v.kind != rawKind || v.s[0] != '{' {
			return "", false // no member of a value that is not an object
		}
		rawMember(&v, v.s, k, f.fold)
	}
	if v.kind != rawKind {
		return "", false // no such member, or no object
	}
	return v.s, true
}
