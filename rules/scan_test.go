package rules

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

// validCases are documents on both sides of the JSON grammar's edges.
var validCases = []string{
	`{}`, `[]`, ` {"a" : [ 1 , -0.5e+3 , "x\"y" , true , false , null ] } `,
	`"abcdefghijklmnopqrstuvwxyz\u00e9\n"`, `0`, `-0`, `1E9`, `[[[[{}]]]]`,
	`{"a":{"b":{"c":[{"d":"\\"}]}}}`, `"\ud83d\ude00"`, "\"\xff\"",
	`{`, `}`, `[1,]`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{1:2}`, `[1 2]`, `{"a":1 "b":2}`,
	`01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `truex`, `"abc`, `"\x"`, `"\u12g4"`,
	"\"tab\there\"", "\"nl\nhere\"", `[1]]`, `{"a":1}}`, `[}`, `{]`, `[1,,2]`, `"\`,
	`{"a":[1,{"b":2]}}`, `{"a":1}x`, "\v1", `""`, `"0123456789abcdef0123456789abcde\""`,
}

func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range validCases {
		if got, want := ValidJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("ValidJSON(%q) = %v, encoding/json says %v", c, got, want)
		}
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if !ValidJSON([]byte(deep)) {
		t.Error("100 000 nested arrays: not valid")
	}
	if ValidJSON([]byte(deep[:len(deep)-1])) {
		t.Error("one bracket short: valid")
	}
	// objects and arrays by turns beyond the first 64 levels, each closed
	// by its own bracket or by the other kind's
	var open, closed strings.Builder
	for d := range 150 {
		if d%2 == 0 {
			open.WriteString(`{"a":`)
		} else {
			open.WriteString(`[1,`)
		}
	}
	for d := 149; d >= 0; d-- {
		closed.WriteString([]string{"}", "]"}[d%2])
	}
	for _, at := range []int{-1, 0, 70, 85, 149} { // -1: none swapped
		b := []byte(open.String() + "0" + closed.String())
		if at >= 0 {
			i := len(open.String()) + 1 + (149 - at)
			b[i] = map[byte]byte{'}': ']', ']': '}'}[b[i]]
		}
		if got, want := ValidJSON(b), json.Valid(b); got != want {
			t.Errorf("150 levels, level %d closed by the other bracket: ValidJSON %v, encoding/json %v", at, got, want)
		}
	}
}

// listProgram hides password and drops deleted records of a list at data.
func listProgram(tb testing.TB) *Program {
	tb.Helper()
	b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"}, Statements: []*Statement{
		{Op: "hide", Paths: []string{"password", "profile.ssn"}},
		{Op: "drop", Expr: "record.deleted == true"},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	return NewProgram(After, []*CompiledBlock{b})
}

func TestRunAfterRefusesMalformedBodies(t *testing.T) {
	p := listProgram(t)
	shape := Shape{Records: []string{"data"}, Total: []string{"total"}}
	for _, body := range []string{
		`{"data":[{"password":"p"},{"a":1,}],"total":2}`,
		`{"data":[{"deleted":true},{"x":"\u00"}]}`, // dropped record before the bad one
		`{"data":[{"id":1}],"total":2}garbage`,
		`{"data":[{"id":1}]`,
		`{"data":[{"id":1} {"id":2}]}`,
		`{"other":[1,2,],"data":[]}`,
		`[{"password":"p"},01]`,
		"{\"data\":[{\"name\":\"a\tb\"}]}",
		`{"password":"p","profile":{"ssn":1,}}`,
		`{"data":[{"password":"p"},{"password":` + strings.Repeat(" ", 20), // a name met before, then nothing
		`{"data":[{"password":"p"},{"password"` + strings.Repeat(" ", 20),
		`{"data":[{"profile":{"ssn":1}},{"profile":{"ssn":` + strings.Repeat(" ", 20),
	} {
		if _, err := p.RunAfter(&Input{}, []byte(body), shape, nil); err != ErrMalformed {
			t.Errorf("RunAfter(%q) = %v, want ErrMalformed", body, err)
		}
	}
}

// FuzzRunAfterValidates checks that the after phase refuses exactly what
// encoding/json refuses, never panics, and leaves JSON when it accepts.
func FuzzRunAfterValidates(f *testing.F) {
	for _, s := range append(append([]string{}, validCases...), fuzzSeeds...) {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"data":[{"password":"p","deleted":true},{"id":2}],"total":2}`))
	p := listProgram(f)
	shape := Shape{Records: []string{"data"}, Total: []string{"total"}}
	f.Fuzz(func(t *testing.T, in []byte) {
		valid := json.Valid(in)
		if got := ValidJSON(in); got != valid {
			t.Fatalf("ValidJSON(%q) = %v, encoding/json says %v", in, got, valid)
		}
		res, err := p.RunAfter(&Input{}, in, shape, nil)
		if (err == ErrMalformed) == valid {
			t.Fatalf("RunAfter(%q): err %v, encoding/json says valid=%v", in, err, valid)
		}
		if valid && res.Body != nil && !json.Valid(res.Body) {
			t.Fatalf("RunAfter(%q) wrote %q", in, res.Body)
		}
	})
}

// TestValidJSONAgreesOnNearMisses is the class: random documents, with
// white space around every token, each cut, doubled or with a structural
// byte put in at random, are valid for ValidJSON and for the after phase
// exactly when encoding/json says so. Half the lists repeat their first
// record, so that the second is read through the names the first left
// (scanHits), where a change meets the scan's in-line reads of values.
func TestValidJSONAgreesOnNearMisses(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	jg := jsonGen{r}
	p := listProgram(t)
	shape := Shape{Records: []string{"data"}, Total: []string{"total"}}
	spaced := strings.NewReplacer(",", " , ", ":", " :\t", "[", "[\n", "]", " ]", "{", "{ ", "}", "\r}")
	inserts := []string{",", " ", "]", "}", "[", "{", ":", `"`, `\`, "0", "1", "-", ".", "e", "E", "+", "t", "\x01"}
	for n := range 20000 {
		first, second := jg.object(3), jg.object(3)
		if n%4 < 2 {
			second = first
		}
		doc := `{"data":[` + first + "," + second + `],"total":2}`
		if n%2 == 0 {
			doc = spaced.Replace(doc) // inside strings too: valid all the same, or not
		}
		for k := r.Intn(3); k > 0; k-- {
			i := r.Intn(len(doc) + 1)
			switch j := min(len(doc), i+r.Intn(4)); r.Intn(3) {
			case 0:
				doc = doc[:i] + doc[j:]
			case 1:
				doc = doc[:i] + doc[i:j] + doc[i:]
			default:
				doc = doc[:i] + inserts[r.Intn(len(inserts))] + doc[i:]
			}
		}
		valid := json.Valid([]byte(doc))
		if got := ValidJSON([]byte(doc)); got != valid {
			t.Fatalf("ValidJSON(%q) = %v, encoding/json says %v", doc, got, valid)
		}
		if _, err := p.RunAfter(&Input{}, []byte(doc), shape, nil); (err == ErrMalformed) == valid {
			t.Fatalf("RunAfter(%q): err %v, encoding/json says valid=%v", doc, err, valid)
		}
	}
}
