package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The before phase leaves the edits of top-level members unwritten until a
// statement reads the record's text or the record is done (splice.go); with
// a trace it writes each edit at once, as every statement is shown. Both
// must give the same bytes, the same refusal and the same field errors,
// whatever the statements read between the edits.

// genEditCase is a random program of sets, transforms, defaults, protects,
// onlys and checks that read what earlier statements wrote (fields, nested
// fields, the record whole), on a random record (white space, escaped and
// folded names) or a bulk body.
func genEditCase(r *rand.Rand) beforeCase {
	var c beforeCase
	doc := genRecord(r, true)
	name := func() string { return genNames[r.Intn(len(genNames)-2)] } // plain identifiers
	for n := 1 + r.Intn(6); n > 0; n-- {
		var s *Statement
		switch r.Intn(11) {
		case 0, 1, 2:
			s = genPathStmt(r, true)
		case 3:
			s = &Statement{Op: "set", Path: genPlainPath(r, true), Expr: fmt.Sprintf(`record.%s ?? %d`, name(), r.Intn(9))}
		case 4:
			s = &Statement{Op: "transform", Path: name(), Expr: `type(value) == "string" ? upper(value) : [value]`}
		case 5:
			s = &Statement{Op: "default", Path: genSeg(r, true), Expr: `{"d": record.` + name() + `}`}
		case 6:
			s = &Statement{Op: "check", Path: name(), Expr: fmt.Sprintf(`record.%s != "S"`, name()), Message: "is S"}
		case 7:
			s = &Statement{Op: "check", Path: name(), Expr: `type(` + docPath(r, doc) + `) != "array"`, Message: "nested"}
		case 8:
			s = &Statement{Op: "deny", Expr: fmt.Sprintf(`record.%s == 7 && record.%s == nil`, name(), name())}
		case 9:
			s = &Statement{Op: "check", Path: name(), Expr: `len(toJSON(record)) % 3 != 0`, Message: "whole"} // reads the text
		default:
			s = &Statement{Op: "set", Path: name(), Expr: docPath(r, doc) + ` ?? "N"`}
		}
		if r.Intn(5) == 0 {
			s.If = fmt.Sprintf(`record.%s != nil`, name())
		}
		c.stmts = append(c.stmts, s)
	}
	c.doc = doc
	if r.Intn(4) == 0 {
		c.doc = []byte("[" + string(c.doc) + ", " + string(genRecord(r, true)) + "]")
	}
	return c
}

// docPath writes a read of a field of doc two or three objects deep, as
// record["a"]["b"], its names in another case now and then; or of a field
// that may not be there.
func docPath(r *rand.Rand, doc []byte) string {
	n, err := decodeOrdered(doc)
	expr := "record"
	for depth := 0; depth < 3; depth++ {
		if err != nil || n.kind != '{' || len(n.members) == 0 || r.Intn(8) == 0 {
			expr += fmt.Sprintf("[%q]", genNames[r.Intn(len(genNames))])
			continue
		}
		m := n.members[r.Intn(len(n.members))]
		key := m.key
		if r.Intn(3) == 0 {
			key = strings.ToUpper(key)
		}
		expr += fmt.Sprintf("[%q]", key)
		n = m.val
	}
	return expr
}

// checkEditsWrittenLater runs c traced and not, on the body as scanned and
// as the request check indexed it (with its nested objects): the results
// must be the same in all four.
func checkEditsWrittenLater(t *testing.T, c beforeCase, exact bool) {
	t.Helper()
	b, err := CompileBlock(Before, "users", &Block{Actions: []string{"create"}, Statements: c.stmts})
	if err != nil {
		t.Fatalf("%v\n %s", err, describeStmts(c.stmts))
	}
	p := newBeforeProgram(b, exact)
	var scanned BeforeResult
	for _, indexed := range []bool{false, true} {
		var got [2]BeforeResult
		for i, traced := range []bool{false, true} {
			in, doc := &Input{}, bytes.Clone(c.doc)
			if traced {
				in.Trace = func(Step) {}
			}
			if indexed {
				in.Index = &BodyIndex{Nested: p.ReadsNested()}
				if !PlainRequestJSON(doc, 64, !exact, in.Index) {
					return // refused before rules run
				}
			}
			res, err := p.RunBefore(in, doc, nil)
			if err != nil {
				return // the same statement fails either way: not what this checks
			}
			res.Body = bytes.Clone(res.Body)
			got[i] = res
		}
		if !bytes.Equal(got[0].Body, got[1].Body) || !reflect.DeepEqual(got[0].Reject, got[1].Reject) {
			t.Fatalf("exact=%v indexed=%v %s\n doc:     %s\n later:   %s %+v\n at once: %s %+v", exact, indexed,
				describeStmts(c.stmts), c.doc, got[0].Body, got[0].Reject, got[1].Body, got[1].Reject)
		}
		if !indexed {
			scanned = got[0]
		} else if !bytes.Equal(scanned.Body, got[0].Body) || !reflect.DeepEqual(scanned.Reject, got[0].Reject) {
			t.Fatalf("exact=%v %s\n doc:     %s\n scanned: %s %+v\n indexed: %s %+v", exact,
				describeStmts(c.stmts), c.doc, scanned.Body, scanned.Reject, got[0].Body, got[0].Reject)
		}
	}
}

func TestEditsWrittenLaterProperty(t *testing.T) {
	for _, exact := range beforeModes {
		r := rand.New(rand.NewSource(11))
		for range 3000 {
			checkEditsWrittenLater(t, genEditCase(r), exact)
		}
	}
}

// FuzzEditsWrittenLater is the property on any record, with the program
// and the way names match drawn from the seed.
func FuzzEditsWrittenLater(f *testing.F) {
	r := rand.New(rand.NewSource(1))
	for range 8 {
		f.Add(genRecord(r, true), int64(r.Intn(1000)))
	}
	f.Add([]byte(`{ "role" : 1 ,"name":"n" }`), int64(3))
	f.Fuzz(func(t *testing.T, doc []byte, seed int64) {
		if !json.Valid(doc) || !validKeys(doc) {
			return // refused before rules run
		}
		c := genEditCase(rand.New(rand.NewSource(seed)))
		c.doc = doc
		checkEditsWrittenLater(t, c, seed%2 == 0) // names matched exactly, or folded
	})
}

// The bytes themselves: a program of protects of names and sets of a
// member, on one record, gives what splicing the text after each edit
// gives: a removed member goes with the text between it and its neighbour
// (members left join with a comma), a set value replaces the value alone,
// and a new member follows the last as "name":value.

// refMember is where a member of the reference's record sits in its text.
type refMember struct {
	key        string // unescaped
	k, v, vEnd int    // the name's quote, the value, just past the value
}

// refMembers reads the top-level members of an object with a scanner of
// its own (strings skipped quote to quote, escapes included; containers by
// depth).
func refMembers(s string) (open int, ms []refMember) {
	i := strings.IndexByte(s, '{')
	open = i
	skipWS := func() {
		for i < len(s) && strings.IndexByte(" \t\r\n", s[i]) >= 0 {
			i++
		}
	}
	skipStr := func() {
		for i++; s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
			}
		}
		i++
	}
	i++
	for skipWS(); s[i] != '}'; skipWS() {
		m := refMember{k: i}
		skipStr()
		if err := json.Unmarshal([]byte(s[m.k:i]), &m.key); err != nil {
			panic(err)
		}
		skipWS()
		i++ // ':'
		skipWS()
		m.v = i
		switch s[i] {
		case '"':
			skipStr()
		case '{', '[':
			for depth := 0; ; {
				c := s[i]
				if c == '"' {
					skipStr()
					continue
				}
				i++
				if c == '{' || c == '[' {
					depth++
				} else if c == '}' || c == ']' {
					if depth--; depth == 0 {
						break
					}
				}
			}
		default:
			for strings.IndexByte(",}] \t\r\n", s[i]) < 0 {
				i++
			}
		}
		m.vEnd = i
		ms = append(ms, m)
		if skipWS(); s[i] == ',' {
			i++
		}
	}
	return open, ms
}

// refRemoveText removes the members named (under fold) as the reference does.
func refRemoveText(s string, names []string, fold bool) string {
	_, ms := refMembers(s)
	gone := func(m refMember) bool {
		for _, n := range names {
			if m.key == n || fold && strings.EqualFold(m.key, n) {
				return true
			}
		}
		return false
	}
	if !slices.ContainsFunc(ms, gone) {
		return s
	}
	out := s[:ms[0].k]
	written, prev := false, -1
	for i, m := range ms {
		if gone(m) {
			continue
		}
		switch {
		case prev == i-1 && written:
			out += s[ms[prev].vEnd:m.k]
		case written:
			out += ","
		}
		out += s[m.k:m.vEnd]
		written, prev = true, i
	}
	return out + s[ms[len(ms)-1].vEnd:]
}

// refSetText sets the first member named key (under fold) to value, or
// adds it last.
func refSetText(s, key, value string, fold bool) string {
	open, ms := refMembers(s)
	for _, m := range ms {
		if m.key == key || fold && strings.EqualFold(m.key, key) {
			return s[:m.v] + value + s[m.vEnd:]
		}
	}
	name, _ := json.Marshal(key)
	if len(ms) == 0 {
		return s[:open+1] + string(name) + ":" + value + s[open+1:]
	}
	end := ms[len(ms)-1].vEnd
	return s[:end] + "," + string(name) + ":" + value + s[end:]
}

func TestEditedBytesProperty(t *testing.T) {
	for _, exact := range beforeModes {
		r := rand.New(rand.NewSource(5))
		for range 3000 {
			doc := string(genRecord(r, true))
			if r.Intn(3) == 0 {
				doc = " {\n\t" + doc[1:len(doc)-1] + " \r\n}\n" // space after the brace and before the last
			}
			var stmts []*Statement
			want := doc
			for n := 1 + r.Intn(5); n > 0; n-- {
				name := spellName(r, genNames[r.Intn(len(genNames))], true)
				if r.Intn(2) == 0 {
					names := []string{name, spellName(r, genNames[r.Intn(len(genNames))], true)}
					stmts = append(stmts, &Statement{Op: "protect", Paths: []string{strings.ReplaceAll(names[0], ".", `\.`), strings.ReplaceAll(names[1], ".", `\.`)}})
					want = refRemoveText(want, names, !exact)
					continue
				}
				value := []string{`"S"`, `7`, `{"o":[1,2]}`}[r.Intn(3)]
				stmts = append(stmts, &Statement{Op: "set", Path: strings.ReplaceAll(name, ".", `\.`), Expr: value})
				want = refSetText(want, name, value, !exact)
			}
			if dec, err := decodeOrdered([]byte(doc)); err != nil || dottedRecord(dec) {
				continue // a record of dotted names is read as update operators: written anew
			}
			b, err := CompileBlock(Before, "users", &Block{Actions: []string{"create"}, Statements: stmts})
			if err != nil {
				t.Fatal(err)
			}
			res, err := newBeforeProgram(b, exact).RunBefore(&Input{}, []byte(doc), nil)
			if err != nil || res.Reject != nil {
				t.Fatalf("%v %+v\n %s\n doc: %s", err, res.Reject, describeStmts(stmts), doc)
			}
			got := doc
			if res.Body != nil {
				got = string(res.Body)
			}
			if got != want {
				t.Fatalf("exact=%v %s\n doc:  %s\n got:  %s\n want: %s", exact, describeStmts(stmts), doc, got, want)
			}
		}
	}
}
