package rules

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The property: whatever a JSON Patch or an operator body says, what the
// gateway forwards under protect, applied to any stored document by a
// permissive applier (one that skips what it cannot apply rather than
// failing the whole body), leaves every protected field as it was.

var (
	propKeys    = []string{"a", "b", "role", "items", "0", "x~y", "p/q"}
	propProtect = []string{"role", "a.b", "items.price", "a", "b.role", "x~y", "p/q.a", "items.*.role"}
)

func propDoc(r *rand.Rand, depth int) any {
	switch n := r.Intn(6); {
	case depth > 2 || n == 0:
		return r.Intn(3)
	case n == 1:
		out := []any{}
		for range r.Intn(3) {
			out = append(out, propDoc(r, depth+1))
		}
		return out
	default:
		out := map[string]any{}
		for range r.Intn(4) {
			out[propKeys[r.Intn(len(propKeys))]] = propDoc(r, depth+1)
		}
		return out
	}
}

func propSegs(r *rand.Rand) []string {
	segs := make([]string, r.Intn(4))
	for i := range segs {
		switch r.Intn(8) {
		case 0:
			segs[i] = "-"
		case 1:
			segs[i] = strconv.Itoa(r.Intn(2))
		default:
			segs[i] = propKeys[r.Intn(len(propKeys))]
		}
	}
	return segs
}

func pointer(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

func propJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func propPatch(r *rand.Rand) string {
	var ops []string
	for range 1 + r.Intn(4) {
		op := []string{"add", "replace", "remove", "move", "copy", "test"}[r.Intn(6)]
		s := fmt.Sprintf(`{"op":%q,"path":%q`, op, pointer(propSegs(r)))
		if op == "move" || op == "copy" {
			s += fmt.Sprintf(`,"from":%q`, pointer(propSegs(r)))
		}
		if op == "add" || op == "replace" || op == "test" {
			s += `,"value":` + propJSON(propDoc(r, 1))
		}
		ops = append(ops, s+"}")
	}
	return "[" + strings.Join(ops, ",") + "]"
}

func propOperators(r *rand.Rand) string {
	ops := []string{"$set", "$unset", "$inc", "$push", "$rename", "$setOnInsert", "$pull", "$currentDate", ""}
	var members []string
	for range 1 + r.Intn(3) {
		op := ops[r.Intn(len(ops))]
		dotted := func() string {
			segs := propSegs(r)
			for i, s := range segs {
				if s == "-" || s == "" {
					segs[i] = "a"
				}
				segs[i] = strings.ReplaceAll(segs[i], ".", "")
			}
			if len(segs) == 0 {
				segs = []string{"role"}
			}
			return strings.Join(segs, ".")
		}
		if op == "" {
			members = append(members, fmt.Sprintf(`%q:%s`, dotted(), propJSON(propDoc(r, 1))))
			continue
		}
		var entries []string
		for range 1 + r.Intn(2) {
			v := propJSON(propDoc(r, 1))
			if op == "$rename" {
				v = strconv.Quote(dotted())
			}
			entries = append(entries, fmt.Sprintf(`%q:%s`, dotted(), v))
		}
		members = append(members, fmt.Sprintf(`%q:{%s}`, op, strings.Join(entries, ",")))
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range members { // no duplicate keys: refused before rules run
		k := m[:strings.Index(m, `":`)+1]
		if !seen[k] {
			seen[k] = true
			out = append(out, m)
		}
	}
	return "{" + strings.Join(out, ",") + "}"
}

// project is every value path selects in doc, by where it sits, as a
// named path reads it (across arrays, `*` over every value).
func project(doc any, path []string) map[string]string {
	out := map[string]string{}
	collect(doc, path, "", out)
	return out
}

func collect(doc any, path []string, at string, out map[string]string) {
	if len(path) == 0 {
		out[at] = propJSON(doc)
		return
	}
	switch d := doc.(type) {
	case map[string]any:
		if path[0] == "*" {
			for k, v := range d {
				collect(v, path[1:], at+"/"+k, out)
			}
		} else if v, ok := d[path[0]]; ok {
			collect(v, path[1:], at+"/"+path[0], out)
		}
	case []any:
		for i, v := range d {
			collect(v, path, at+"/"+strconv.Itoa(i), out)
		}
	}
}

// applyPatch applies ops to doc as a lenient applier would: an operation
// that cannot apply is skipped.
func applyPatch(doc any, body string) any {
	var ops []map[string]any
	if json.Unmarshal([]byte(body), &ops) != nil {
		return doc
	}
	for _, op := range ops {
		path, ok1 := parsePointer(fmt.Sprint(op["path"]))
		from, ok2 := parsePointer(fmt.Sprint(op["from"]))
		if !ok1 {
			continue
		}
		switch op["op"] {
		case "add", "replace":
			doc = refPut(doc, path, clone(op["value"]), op["op"] == "add")
		case "remove":
			doc, _ = refRemove(doc, path)
		case "move", "copy":
			if !ok2 {
				continue
			}
			v, ok := refGet(doc, from)
			if !ok {
				continue
			}
			if op["op"] == "move" {
				doc, _ = refRemove(doc, from)
			}
			doc = refPut(doc, path, clone(v), true)
		}
	}
	return doc
}

func clone(v any) any {
	var out any
	_ = json.Unmarshal([]byte(propJSON(v)), &out)
	return out
}

func refGet(doc any, path []string) (any, bool) {
	for _, k := range path {
		switch d := doc.(type) {
		case map[string]any:
			v, ok := d[k]
			if !ok {
				return nil, false
			}
			doc = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(d) {
				return nil, false
			}
			doc = d[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// refPut writes v at path (inserting into arrays when insert), creating
// objects on the way as the most permissive applier would.
func refPut(doc any, path []string, v any, insert bool) any {
	if len(path) == 0 {
		return v
	}
	switch d := doc.(type) {
	case map[string]any:
		if len(path) == 1 {
			d[path[0]] = v
			return d
		}
		next, ok := d[path[0]]
		if !ok {
			next = map[string]any{}
		}
		d[path[0]] = refPut(next, path[1:], v, insert)
		return d
	case []any:
		i, err := strconv.Atoi(path[0])
		if path[0] == "-" {
			i, err = len(d), nil
		}
		if err != nil || i < 0 || i > len(d) {
			return d
		}
		if len(path) == 1 {
			if insert || i == len(d) {
				return append(d[:i], append([]any{v}, d[i:]...)...)
			}
			d[i] = v
			return d
		}
		if i == len(d) {
			return d
		}
		d[i] = refPut(d[i], path[1:], v, insert)
		return d
	}
	return doc
}

func refRemove(doc any, path []string) (any, bool) {
	if len(path) == 0 {
		return map[string]any{}, true
	}
	parent, ok := refGet(doc, path[:len(path)-1])
	if !ok {
		return doc, false
	}
	k := path[len(path)-1]
	switch p := parent.(type) {
	case map[string]any:
		delete(p, k)
	case []any:
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(p) {
			return doc, false
		}
		return refPut(doc, path[:len(path)-1], append(p[:i:i], p[i+1:]...), false), true
	}
	return doc, true
}

// applyOperators applies an operator body: every field an operator names
// gets a fresh value, is removed ($unset) or moved ($rename).
func applyOperators(doc any, body string) any {
	var ops map[string]any
	if json.Unmarshal([]byte(body), &ops) != nil {
		return doc
	}
	for op, arg := range ops {
		if !strings.HasPrefix(op, "$") {
			doc = refPut(doc, strings.Split(op, "."), clone(arg), false)
			continue
		}
		m, _ := arg.(map[string]any)
		for k, v := range m {
			path := strings.Split(k, ".")
			switch op {
			case "$set", "$setOnInsert":
				doc = refPut(doc, path, clone(v), false)
			case "$unset":
				doc, _ = refRemove(doc, path)
			case "$rename":
				if old, ok := refGet(doc, path); ok {
					doc, _ = refRemove(doc, path)
					doc = refPut(doc, strings.Split(fmt.Sprint(v), "."), old, false)
				}
			default:
				doc = refPut(doc, path, "changed by "+op, false)
			}
		}
	}
	return doc
}

// checkProtected runs body through protect paths and applies what would
// be forwarded to doc; it fails when a protected field changed.
func checkProtected(t *testing.T, paths []string, body string, doc any, patch bool) {
	t.Helper()
	var f recordFields
	if f.reset(body); !patch && !f.operatorKeys() {
		return // a plain record: protect removes the fields inside it, as before
	}
	p := mustProgram(t, Before, &Statement{Op: "protect", Paths: paths})
	res, err := p.RunBefore(&Input{Action: "update", JSONPatch: patch}, []byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reject != nil {
		return // refused: nothing applied
	}
	doc = clone(doc) // numbers as the applier decodes them
	sent := body
	if res.Body != nil {
		sent = string(res.Body)
	}
	var after any
	if patch {
		after = applyPatch(clone(doc), sent)
	} else {
		after = applyOperators(clone(doc), sent)
	}
	for _, text := range paths {
		path, _ := ParsePath(text)
		if a, b := project(doc, path.Keys()), project(after, path.Keys()); !reflect.DeepEqual(a, b) {
			t.Fatalf("protect %v: %s changed from %s to %s\ndoc  %s\nsent %s\nfwd  %s",
				paths, text, propJSON(a), propJSON(b), propJSON(doc), body, sent)
		}
	}
}

func TestShapeProtectProperty(t *testing.T) {
	for seed := int64(1); seed <= 3000; seed++ {
		r := rand.New(rand.NewSource(seed))
		var paths []string
		for range 1 + r.Intn(2) {
			paths = append(paths, propProtect[r.Intn(len(propProtect))])
		}
		doc := map[string]any{}
		for range 1 + r.Intn(5) {
			doc[propKeys[r.Intn(len(propKeys))]] = propDoc(r, 1)
		}
		checkProtected(t, paths, propPatch(r), doc, true)
		checkProtected(t, paths, propOperators(r), doc, false)
	}
}

// FuzzShapeProtect: any body, read as a patch and as operators, under a
// fixed protect set, never changes a protected field of a stored record.
func FuzzShapeProtect(f *testing.F) {
	r := rand.New(rand.NewSource(1))
	for range 20 {
		f.Add(propPatch(r))
		f.Add(propOperators(r))
	}
	docs := []any{
		map[string]any{"role": "member", "a": map[string]any{"b": 1, "c": 2}, "items": []any{map[string]any{"price": 1, "role": "x"}}},
		map[string]any{"b": map[string]any{"role": []any{1}}, "x~y": 1, "p/q": map[string]any{"a": 1, "b": 2}, "0": 0},
	}
	paths := []string{"role", "a.b", "items.price", "b.role", "x~y", "p/q.a", "items.*.role"}
	f.Fuzz(func(t *testing.T, body string) {
		if !json.Valid([]byte(body)) || ValidJSON([]byte(body)) == false || hasDuplicateKeys(body) {
			return
		}
		for _, doc := range docs {
			checkProtected(t, paths, body, doc, true)
			checkProtected(t, paths, body, doc, false)
		}
	})
}

// hasDuplicateKeys reports whether an object of body repeats a key (the
// gateway refuses such bodies before rules run).
func hasDuplicateKeys(body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	var stack []map[string]bool
	expectKey := []bool{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{':
				stack = append(stack, map[string]bool{})
				expectKey = append(expectKey, true)
				continue
			case '[':
				stack = append(stack, nil)
				expectKey = append(expectKey, false)
				continue
			default:
				stack, expectKey = stack[:len(stack)-1], expectKey[:len(expectKey)-1]
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1] != nil && expectKey[n-1] {
				if stack[n-1][tok] {
					return true
				}
				stack[n-1][tok] = true
				expectKey[n-1] = false
				continue
			}
		}
		if n := len(stack); n > 0 && stack[n-1] != nil {
			expectKey[n-1] = true
		}
	}
}
