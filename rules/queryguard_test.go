package rules

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// nonWord splits a name into tokens for refMentions.
var nonWord = regexp.MustCompile(`[^\p{L}\p{N}]+`)

// refMentions is the plain reference of the token rule: some run of the
// name's letter-and-digit runs, joined, equals the field's, under
// strings.EqualFold.
func refMentions(name, field string) bool {
	term := strings.Join(nonWord.Split(field, -1), "")
	if term == "" {
		return false
	}
	tokens := nonWord.Split(name, -1)
	for i := range tokens {
		for j := i + 1; j <= len(tokens); j++ {
			if strings.EqualFold(strings.Join(tokens[i:j], ""), term) {
				return true
			}
		}
	}
	return false
}

func tokenRuleMentions(name, field string) bool {
	term := fieldTerm(field)
	return term != "" && mentions(nameTokens(nil, name), term)
}

// TestTokenRuleProperty builds parameter names around hidden field names
// at random (case, folding orbit, separators, lookup suffixes, bracket
// forms, near misses) and compares the token rule with refMentions.
func TestTokenRuleProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fields := []string{"password", "ssn", "credit_card", "creditCard", "isAdmin", "k"}
	words := []string{"filter", "like", "icontains", "sort", "ne", "gte", "pass", "word", "card", "credit", "s", "sn", "x1"}
	seps := []string{"_", "__", "[", "]", "][", ".", "-", "$", " ", "", "%"}
	for range 30000 {
		field := fields[rng.IntN(len(fields))]
		var parts []string
		for range rng.IntN(3) {
			parts = append(parts, words[rng.IntN(len(words))])
		}
		mid := respell(rng, field)
		if rng.IntN(3) == 0 {
			mid = strings.ReplaceAll(mid, "_", seps[rng.IntN(len(seps))])
		}
		if rng.IntN(4) == 0 {
			mid = words[rng.IntN(len(words))]
		}
		parts = slicesInsert(parts, rng.IntN(len(parts)+1), mid)
		for range rng.IntN(2) {
			parts = append(parts, words[rng.IntN(len(words))])
		}
		var b strings.Builder
		for i, p := range parts {
			if i > 0 || rng.IntN(3) == 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			b.WriteString(p)
		}
		name := b.String()
		if got, want := tokenRuleMentions(name, field), refMentions(name, field); got != want {
			t.Fatalf("hide %s, parameter %q: mentioned %v, want %v", field, name, got, want)
		}
	}
}

func slicesInsert(s []string, i int, v string) []string {
	return append(s[:i], append([]string{v}, s[i:]...)...)
}

// FuzzTokenRule compares the token rule with its reference on any name.
func FuzzTokenRule(f *testing.F) {
	for _, s := range []string{"password__icontains", "filter[PASSWORD]", "_sort", "credit-card_like", "paſsword", "ssn1"} {
		f.Add(s, "password")
		f.Add(s, "credit_card")
	}
	f.Fuzz(func(t *testing.T, name, field string) {
		if !validUTF8(name) || !validUTF8(field) {
			t.Skip()
		}
		if got, want := tokenRuleMentions(name, field), refMentions(name, field); got != want {
			t.Fatalf("field %q, parameter %q: mentioned %v, want %v", field, name, got, want)
		}
	})
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func TestQueryGuardExamples(t *testing.T) {
	b, err := CompileBlock(After, "users", &Block{Actions: []string{"list"},
		Statements: []*Statement{{Op: "hide", Paths: []string{"password", "ssn"}}}})
	if err != nil {
		t.Fatal(err)
	}
	g := NewQueryGuard(NewProgram(After, []*CompiledBlock{b}), nil, "")
	for _, q := range []string{"password=x", "password_like=^pw-b", "ssn_like=^999", "filter[password]=x",
		"password__icontains=x", "_sort=password", "sort=-password", "order_by=ssn", "a=1;Password=x"} {
		if rej, err := g.Check(&Input{}, q); err != nil || rej == nil || rej.Status != 400 {
			t.Errorf("%s: %+v, %v; want a 400", q, rej, err)
		}
	}
	for _, q := range []string{"page=2&limit=10&name=x", "sort=name", "q=password", "passwords=1"} {
		if rej, err := g.Check(&Input{}, q); err != nil || rej != nil {
			t.Errorf("%s: %+v, %v; want it accepted", q, rej, err)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = g.Check(&Input{}, "page=2&limit=10&name=x") }); n != 0 {
		t.Errorf("checking a plain query allocates %v times", n)
	}
}

func TestParamsLoadErrors(t *testing.T) {
	for _, c := range []struct {
		phase  Phase
		params []string
		want   string
	}{
		{After, []string{"page"}, `resource "users": after read: params is an option of before blocks`},
		{Before, []string{"page", "page"}, `resource "users": before read: params: parameter "page" given twice`},
		{Before, []string{"a=b"}, `resource "users": before read: params: parameter name "a=b" holds one of & ; = #`},
	} {
		_, err := CompileBlock(c.phase, "users", &Block{Actions: []string{"read"}, Params: c.params})
		if err == nil || err.Error() != c.want {
			t.Errorf("%v %v: error %v, want %s", c.phase, c.params, err, c.want)
		}
	}
}
