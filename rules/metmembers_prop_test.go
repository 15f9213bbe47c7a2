package rules

import (
	"fmt"
	"math/bits"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// Property tests of scanHits and readMet, the loop over the members that
// meet their remembered names (in assembly where one is built, else
// readMetGo): scanHits returns what a plain loop in Go returns, finds the
// same members and clears the same misses, for names remembered from one
// record and read in another, at any index of any text and from any guess
// on.

// metValues are values readMet reads or stops at: strings short and longer
// than its 16-byte steps, holding each byte that ends a run of plain bytes,
// numbers of every form, literals, and containers of them, nested, with
// white space and without. badValues are values it refuses or leaves to
// the scan to refuse.
var (
	metValues = []string{`""`, `"a"`, `"0123456789abcdef"`, `"0123456789abcdefghij"`, `"0123456789abcdef0123456789abcdefXY"`,
		`"é and more than sixteen bytes"`, "\"\xff\xfe\x7f bytes\"", `"a\"b"`, `"0123456789abcdefg\\n"`, `0`, `-0`, `7`, `-12`,
		`1234567890123`, `1.5`, `-2e3`, `3E1`, `0.0`, `true`, `false`, `null`, `[]`, `[1,"a"]`, `{}`, `{"k":1}`, ` 1`,
		`["t1","t3"]`, `{"city":"Berlin","country":"DE"}`, `[0,-1,2.5,1e3,true,false,null,"0123456789abcdef!"]`,
		`{"a":{"b":[{"c":[]}],"d":{}},"e":[[[0]]]}`, `[ 1 , {"k" : "v"} ]`, "{\n\t\"k\":\r\n[]\n}", `[{"x\"y":1}]`,
		`{"k":"é","l":"\u00e9"}`}
	badValues = []string{"\"tab\tin it\"", "\"0123456789\x1fabcdef and on\"", "\"0123456789abcdef01234567\x1f89\"", "\"0123456789abcdef0123\x01\"", `"unterminated`, `-`, `-x`, `01`, `tru`, `fals`,
		`nul`, `trux`, `"0123456789abcdef0123456789`, ``,
		`[1,]`, `[,1]`, `{"k"}`, `{"k":}`, `{"k" 1}`, `[1 2]`, `{"k":1,}`, `[}`, `{]`, `[01]`, `[-]`, `[tru]`, `["a"`,
		"[\"\x01\"]", `{1:2}`, `[[[[`, `[1]]`, `{"a":[}]`, "[\x0b1]",
		"[1\x0b]", "{\"k\"\x0b:1}", "{\"k\":\x0b1}", "[1,\x0b2]", `[txyz]`, `[nxyz]`, `[fxyzw]`, `[1.]`, `[1e]`, `[-1]`,
		`{"k":1]`, `{"k"x1}`, `{1":2}`, `["a"}`}
)

// metRecord is a record of n members named from names and holding values
// of values, with white space around some, and the same record with other
// values (of values and badValues) in about half the members.
func metRecord(r *rand.Rand, names, values []string) (rec, other string) {
	var b, o strings.Builder
	b.WriteByte('{')
	o.WriteByte('{')
	all := append(slices.Clip(values), badValues...)
	for k, n := 0, 1+r.Intn(8); k < n; k++ {
		var sep string
		if k > 0 {
			sep = ","
		}
		if r.Intn(8) == 0 {
			sep += " "
		}
		sep += fmt.Sprintf("%q:", names[r.Intn(len(names))])
		if r.Intn(10) == 0 {
			sep += " "
		}
		v := values[r.Intn(len(values))]
		b.WriteString(sep + v)
		if r.Intn(2) == 0 {
			v = all[r.Intn(len(all))]
		}
		o.WriteString(sep + v)
	}
	b.WriteByte('}')
	o.WriteByte('}')
	return b.String(), o.String()
}

// metNames are member names, one longer than a span's 16 compared bytes.
var metNames = []string{"id", "name", "password", "a", "role", "x", "profile", "a_name_longer_than_sixteen"}

// checkReadMet runs scanHits and refScanHits on copies of known (in a and
// b) at s[i:] from guess j on and compares all they return and change.
func checkReadMet(t *testing.T, s string, i int, known, a, b []keyGuess, j int) {
	t.Helper()
	copy(a, known)
	copy(b, known)
	var met [maxKnownNames]memberAt
	got, gi, gj, gv := scanHits(s, i, nil, a, j, &met)
	want, wi, wj, wv := refScanHits(s, i, nil, b, j)
	if g, w := describeMembers(got, nil), describeMembers(want, nil); gi != wi || gj != wj || gv != wv || g != w {
		t.Fatalf("text %q from %d, guess %d:\n scanHits    %d %d %d %s\n refScanHits %d %d %d %s", s, i, j, gi, gj, gv, g, wi, wj, wv, w)
	}
	for k := range a {
		if a[k].missed != b[k].missed {
			t.Fatalf("text %q from %d, guess %d: guess %d missed %v, refScanHits leaves %v", s, i, j, k, a[k].missed, b[k].missed)
		}
	}
}

// refScanHits is scanHits as a loop in Go alone, reading the containers it
// meets with skipContainer: the reference scanHits is held to.
func refScanHits(s string, i int, dst []member, known []keyGuess, j int) (_ []member, _, _, v int) {
	dst = slices.Grow(dst, len(known)-j) // no call in the loop
	out, nd := dst[:cap(dst)], len(dst)  // a kept member goes to out[nd]: its length stays in a register
	for ; j < len(known); j++ {
		g := &known[j]
		if !g.spanAt(s, i) {
			break // scanObject compares the rest
		}
		v = i + len(g.span)
		if g.place.into != nil { // scanObject goes into the value
			if s[v] <= ' ' {
				return out[:nd], i, j, -1 // after more white space than the span ends with: scanObject reads past it
			}
			return out[:nd], i, j, v
		}
		g.missed = false
		e := v + 1 // past the value, when read here
		switch c := s[v]; {
		case c == '"':
			for e+16 <= len(s) { // two words a turn
				if m := specialIn(wordAt(s, e)); m != 0 {
					e += bits.TrailingZeros64(m) >> 3
					goto special
				}
				if m := specialIn(wordAt(s, e+8)); m != 0 {
					e += 8 + bits.TrailingZeros64(m)>>3
					goto special
				}
				e += 16
			}
			if e+8 <= len(s) {
				if m := specialIn(wordAt(s, e)); m != 0 {
					e += bits.TrailingZeros64(m) >> 3
					goto special
				}
				e += 8
			}
			for e < len(s) && !specialByte[s[e]] {
				e++
			}
		special:
			if e >= len(s) || s[e] != '"' {
				return out[:nd], i, j, v // an escape, or malformed: skipMemberValue tells
			}
			e++
		case c-'0' <= 9, c == '-':
			// an integer; a fraction or an exponent is skipNumber's
			if c == '-' {
				if e >= len(s) || s[e]-'0' > 9 {
					return out[:nd], -1, j, -1
				}
				c, e = s[e], e+1
			}
			if c != '0' {
				e = digitsEnd(s, e)
			}
			if e < len(s) && (s[e] == '.' || s[e]|0x20 == 'e') {
				return out[:nd], i, j, v
			}
		case c == 't' && strings.HasPrefix(s[v:], "true"), c == 'n' && strings.HasPrefix(s[v:], "null"):
			e = v + 4
		case c == 'f' && strings.HasPrefix(s[v:], "false"):
			e = v + 5
		case c == '[' || c == '{':
			if e = skipContainer(s, v, &g.inner); e < 0 {
				return out[:nd], -1, j, -1
			}
		case c <= ' ': // more white space than the span ends with: scanObject reads past it
			return out[:nd], i, j, -1
		default:
			return out[:nd], i, j, v
		}
		k := i + g.nameAt
		i = e
		if g.kept {
			m := &out[nd]
			nd++
			m.key, m.keyRaw, m.val, m.miss, m.at, m.deep, m.kids, m.nkids = g.key, textAt(s, k, g.nameLen), textAt(s, v, i-v), g.place.miss, g.place.at, false, 0, 0
		}
	}
	return out[:nd], i, j, -1
}

// readMetCase learns the names of rec, as the scan of a list does, and
// reads text with them from every index and each guess; false when rec is
// no object to learn from.
func readMetCase(t *testing.T, tree *pathTree, sparse bool, rec, text string) bool {
	t.Helper()
	if len(rec) == 0 || rec[0] != '{' {
		return false
	}
	var n nested
	known := n.known(tree)
	if _, end := scanObject(rec, 0, nil, tree, &n, 0, sparse, known); end < 0 {
		return false
	}
	for k := range *known {
		(*known)[k].missed = k%2 == 0 // as after a miss: readMet clears it where a name meets its guess
	}
	a, b := slices.Clone(*known), slices.Clone(*known)
	for i := 0; i <= len(text); i++ {
		for j := 0; j <= len(*known); j++ {
			checkReadMet(t, text, i, *known, a, b, j)
		}
	}
	return true
}

func TestReadMetMatchesGo(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewSource(seed))
		for range 300 {
			rec, other := metRecord(r, metNames, metValues)
			stmts := []*Statement{{Op: "hide", Paths: []string{metNames[r.Intn(len(metNames))]}}}
			b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"}, Statements: stmts})
			if err != nil {
				t.Fatal(err)
			}
			tree := NewProgram(After, []*CompiledBlock{b}).descend
			switch r.Intn(4) { // else the record with other values
			case 0:
				other = rec
			case 1:
				other, _ = metRecord(r, metNames, append(slices.Clip(metValues), badValues...))
			case 2:
				other = string(nearCopy(r, []byte(rec), metNames))
			}
			text := "[" + rec + "," + other + "]"
			if r.Intn(2) == 0 { // the text cut short: strings, numbers and literals end at its end
				text = text[:len(text)-r.Intn(len(other)+2)]
			}
			if !readMetCase(t, tree, r.Intn(2) == 0, rec, text) {
				t.Fatalf("%q: no record to learn from", rec)
			}
		}
	}
}

// FuzzReadMet learns the names of a and reads b with them.
func FuzzReadMet(f *testing.F) {
	f.Add(`{"id":1,"name":"0123456789abcdefghij","ok":true}`, `{"id":-2,"name":"0123456789abcdef\"","ok":fals}`)
	f.Add(`{"a":"x","b":[1],"c":null}`, `{"a":"x\u0001","b":[1],"c":nul`)
	f.Fuzz(func(t *testing.T, a, b string) {
		readMetCase(t, nil, true, a, a+","+b)
	})
}
