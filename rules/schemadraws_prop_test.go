package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The schema check must agree with the validator: whatever it calls valid
// the validator accepts, whatever it calls invalid the validator rejects.
// Random schemas under every draft (given by $schema, sometimes reached by
// $ref) meet random records near their limits: numbers beyond float64 and
// beyond what math/big reads, escaped and case-folded keys, code points.

var schemaPropDrafts = []string{
	"http://json-schema.org/draft-04/schema#",
	"http://json-schema.org/draft-06/schema#",
	"http://json-schema.org/draft-07/schema#",
	"https://json-schema.org/draft/2019-09/schema",
	"https://json-schema.org/draft/2020-12/schema",
}

var (
	schemaPropNames   = []string{"a", "b", "Ab", "name", "EMAIL"}
	schemaPropKeys    = []string{"a", "b", "Ab", "AB", "ab", "name", "Name", "EMAIL", "email", "x", "A\\u0062"}
	schemaPropNumbers = []string{"0", "-0", "1", "1.0", "1.5", "2", "2.5", "3", "10", "-1", "-2.5", "1e1", "1E-1",
		"0.1", "0.3", "0.30000000000000004", "100000000000000000001", "100000000000000000000",
		"9007199254740993", "1e400", "-1e400", "1e-400", "12345678901234567890123", "5e-324", "1E2000000", "-1e-2000000"}
	schemaPropBounds  = []any{-1, 0, 0.5, 1, 2, 2.5, 3, 10, json.Number("100000000000000000000"), json.Number("0.1"), json.Number("1e400")}
	schemaPropStrings = []string{"", "a", "ab", "abc", "é", "😀😀", "a@b.io", "nope", "2024-01-02", "2024-02-30",
		"2024-01-02T03:04:05Z", "123e4567-e89b-12d3-a456-426614174000", "http://x.io/a", "::1",
		"1.2.3.4", "12345", "a\\u0062", "\\u00e9\\u00e9", "example.com", "P1D"}
	schemaPropPatterns = []string{"^a", "b$", "^[0-9]{5}$", "é", "^.{2}$", "^\\\\+?[0-9-]+$"}
	schemaPropFormats  = []string{"email", "date-time", "date", "uuid", "uri", "ipv4", "ipv6", "hostname", "time", "duration"}
	schemaPropEnums    = []any{nil, true, false, "a", "ab", "é", 1, json.Number("1.0"), 2.5, json.Number("100000000000000000001"), []any{1}, map[string]any{"a": 1}}
)

type draftSchemaGen struct {
	r     *rand.Rand
	draft int // index into schemaPropDrafts
}

func (g *draftSchemaGen) pick(n int) int { return g.r.IntN(n) }
func (g *draftSchemaGen) maybe() bool    { return g.r.IntN(3) == 0 }

func (g *draftSchemaGen) schema(depth int) any {
	if depth > 0 && g.r.IntN(12) == 0 {
		return g.r.IntN(2) == 0 // a boolean schema (draft 6 on; draft 4 rejects it)
	}
	s := map[string]any{}
	types := []string{"null", "boolean", "number", "integer", "string", "array", "object"}
	switch g.pick(4) {
	case 0:
	case 1:
		s["type"] = []any{types[g.pick(7)], types[g.pick(7)]}
	default:
		s["type"] = types[g.pick(7)]
	}
	if g.r.IntN(6) == 0 {
		var vals []any
		for range 1 + g.pick(4) {
			vals = append(vals, schemaPropEnums[g.pick(len(schemaPropEnums))])
		}
		switch g.pick(3) {
		case 0:
			s["const"] = vals[0]
		case 1:
			s["enum"] = vals
		default:
			s["const"], s["enum"] = vals[0], vals[1:]
		}
	}
	// string
	if g.maybe() {
		s["minLength"] = g.pick(4)
	}
	if g.maybe() {
		s["maxLength"] = g.pick(4)
	}
	if g.r.IntN(5) == 0 {
		s["pattern"] = schemaPropPatterns[g.pick(len(schemaPropPatterns))]
	}
	if g.r.IntN(4) == 0 {
		s["format"] = schemaPropFormats[g.pick(len(schemaPropFormats))]
	}
	// number
	for _, kw := range []string{"minimum", "maximum"} {
		if g.maybe() {
			s[kw] = schemaPropBounds[g.pick(len(schemaPropBounds))]
			if g.draft == 0 && g.maybe() {
				s["exclusive"+strings.ToUpper(kw[:1])+kw[1:]] = true
			}
		}
	}
	if g.draft > 0 {
		for _, kw := range []string{"exclusiveMinimum", "exclusiveMaximum"} {
			if g.r.IntN(5) == 0 {
				s[kw] = schemaPropBounds[g.pick(len(schemaPropBounds))]
			}
		}
	}
	if g.r.IntN(5) == 0 {
		s["multipleOf"] = []any{1, 2, 3, 0.5, json.Number("0.1"), json.Number("100000000000000000000")}[g.pick(6)]
	}
	if depth < 3 {
		g.containers(s, depth)
		if g.r.IntN(8) == 0 {
			kw := []string{"allOf", "anyOf", "oneOf"}[g.pick(3)]
			s[kw] = []any{g.schema(depth + 1), g.schema(depth + 1)}
		}
		if g.r.IntN(12) == 0 {
			s["not"] = g.schema(depth + 1)
		}
	}
	return s
}

func (g *draftSchemaGen) containers(s map[string]any, depth int) {
	if g.r.IntN(2) == 0 {
		props := map[string]any{}
		for range g.pick(4) {
			props[schemaPropNames[g.pick(len(schemaPropNames))]] = g.schema(depth + 1)
		}
		s["properties"] = props
		if g.maybe() {
			var req []any
			for range 1 + g.pick(3) {
				req = append(req, schemaPropNames[g.pick(len(schemaPropNames))])
			}
			if g.draft == 0 || g.maybe() {
				req = uniqueNames(req) // draft 4 wants them unique
			}
			s["required"] = req
		}
		switch g.pick(4) {
		case 0:
			s["additionalProperties"] = false
		case 1:
			s["additionalProperties"] = g.schema(depth + 1)
		}
	}
	if g.r.IntN(6) == 0 {
		s["minProperties"] = g.pick(4)
	}
	if g.r.IntN(6) == 0 {
		s["maxProperties"] = g.pick(4)
	}
	if g.maybe() {
		s["items"] = g.schema(depth + 1)
	}
	if g.r.IntN(5) == 0 {
		s["minItems"] = g.pick(3)
	}
	if g.r.IntN(5) == 0 {
		s["maxItems"] = g.pick(4)
	}
	if g.r.IntN(4) == 0 {
		s["uniqueItems"] = g.r.IntN(2) == 0
	}
}

func uniqueNames(names []any) []any {
	seen := map[any]bool{}
	var out []any
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// document makes a whole schema: sometimes its root reached by $ref, with
// a sibling keyword (which draft 7 and earlier ignore).
func (g *draftSchemaGen) document() []byte {
	root := g.schema(0)
	doc := map[string]any{"$schema": schemaPropDrafts[g.draft]}
	if g.r.IntN(4) == 0 {
		defs := "$defs"
		if g.draft < 3 {
			defs = "definitions"
		}
		doc[defs] = map[string]any{"d": root}
		doc["$ref"] = "#/" + defs + "/d"
		if g.maybe() {
			doc["type"] = "object"
		}
	} else if m, ok := root.(map[string]any); ok {
		for k, v := range m {
			doc[k] = v
		}
	} else {
		doc["not"] = map[string]any{} // a boolean root: not compiled fast
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// value writes a random JSON value.
func (g *draftSchemaGen) value(sb *strings.Builder, depth int) {
	switch k := g.pick(9); {
	case k == 0:
		sb.WriteString([]string{"null", "true", "false"}[g.pick(3)])
	case k <= 2:
		sb.WriteString(schemaPropNumbers[g.pick(len(schemaPropNumbers))])
	case k <= 4 || depth > 3:
		sb.WriteString(`"` + schemaPropStrings[g.pick(len(schemaPropStrings))] + `"`)
	case k <= 6:
		sb.WriteByte('{')
		for i := range g.pick(5) {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`"` + schemaPropKeys[g.pick(len(schemaPropKeys))] + `":`)
			g.value(sb, depth+1)
		}
		sb.WriteByte('}')
	default:
		sb.WriteByte('[')
		for i := range g.pick(5) {
			if i > 0 {
				sb.WriteByte(',')
			}
			g.value(sb, depth+1)
		}
		sb.WriteByte(']')
	}
}

// fastAgrees compares the schema check's verdict on raw with the
// validator's.
func fastAgrees(rs *recordSchema, raw []byte, fold bool) (verdict, error) {
	names := rs.names
	if !fold {
		names = nil
	}
	s := unsafeString(raw)
	ok, decided := rs.fast.valid(s[skipSpace(s, 0):], names)
	libErr := rs.validate(names.instance(parse(raw)))
	switch {
	case errors.Is(libErr, errUnreadableNumber):
		return undecided, nil // the validator cannot read a number exactly
	case !decided:
		return undecided, nil
	case ok && libErr != nil:
		return valid, fmt.Errorf("the check accepts what the validator rejects: %v", libErr)
	case !ok && libErr == nil:
		return invalid, fmt.Errorf("the check rejects what the validator accepts")
	case ok:
		return valid, nil
	}
	return invalid, nil
}

func TestSchemaCheckAgreesAcrossDrafts(t *testing.T) {
	pairs, left, accepted, fastSchemas, schemas := 0, 0, 0, 0, 0
	for seed := uint64(1); seed <= 4; seed++ {
		g := &draftSchemaGen{r: rand.New(rand.NewPCG(seed, 16))}
		for range 250 {
			g.draft = g.pick(len(schemaPropDrafts))
			doc := g.document()
			rs, err := compileSchema("", doc)
			if err != nil {
				continue // e.g. a boolean schema under draft 4
			}
			schemas++
			if rs.fast == nil {
				continue
			}
			fastSchemas++
			for range 25 {
				var sb strings.Builder
				g.value(&sb, 0)
				raw := []byte(sb.String())
				fold := g.r.IntN(2) == 0
				v, err := fastAgrees(rs, raw, fold)
				if err != nil {
					t.Fatalf("seed %d\nschema %s\nrecord %s (fold %v): %v", seed, doc, raw, fold, err)
				}
				pairs++
				switch v {
				case undecided:
					left++
				case valid:
					accepted++
				}
			}
		}
	}
	t.Logf("%d schemas (%d checked), %d pairs: %d valid, %d left to the validator", schemas, fastSchemas, pairs, accepted, left)
	if pairs < 4000 || left*10 > pairs || accepted*8 < pairs {
		t.Fatalf("%d pairs, %d undecided: the check decides too little", pairs, left)
	}
}

func FuzzSchemaCheckDrafts(f *testing.F) {
	f.Add(uint64(1), `{"a":1,"b":"x"}`)
	f.Add(uint64(2), `[1,1.0,"a"]`)
	f.Add(uint64(3), `{"Ab":{"a":[]},"AB":2}`)
	f.Add(uint64(4), `1e400`)
	f.Fuzz(func(t *testing.T, seed uint64, record string) {
		if !ValidJSON([]byte(record)) {
			return
		}
		g := &draftSchemaGen{r: rand.New(rand.NewPCG(seed, 16))}
		g.draft = g.pick(len(schemaPropDrafts))
		doc := g.document()
		rs, err := compileSchema("", doc)
		if err != nil || rs.fast == nil {
			return
		}
		for _, fold := range []bool{false, true} {
			if _, err := fastAgrees(rs, []byte(record), fold); err != nil {
				t.Fatalf("schema %s\nrecord %s (fold %v): %v", doc, record, fold, err)
			}
		}
	})
}
