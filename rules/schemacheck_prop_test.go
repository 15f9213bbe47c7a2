package rules

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaGen draws schemas of the keywords schemaCheck compiles, in the
// drafts' own spellings, with bounds near the values valueGen draws.
type schemaGen struct {
	picker
	draft int // 4, 6, 7, 2019, 2020
}

var draftURLs = map[int]string{4: "http://json-schema.org/draft-04/schema#", 6: "http://json-schema.org/draft-06/schema#",
	7: "http://json-schema.org/draft-07/schema#", 2019: "https://json-schema.org/draft/2019-09/schema",
	2020: "https://json-schema.org/draft/2020-12/schema"}

// root is a schema with $schema and two definitions $ref may name.
func (g schemaGen) root() string {
	drafts := []int{4, 6, 7, 2019, 2020, 2020}
	g.draft = drafts[g.r.Intn(len(drafts))]
	defs := "definitions"
	if g.draft >= 2019 {
		defs = "$defs"
	}
	body := g.schema(2)
	if body == "true" || body == "false" {
		body = fmt.Sprintf(`{"allOf":[%s]}`, body)
	}
	return fmt.Sprintf(`{"$schema":%q,%q:{"a":%s,"b":%s},%s`, draftURLs[g.draft], defs, g.schema(1), g.schema(1), body[1:])
}

func (g schemaGen) schema(depth int) string {
	if g.r.Intn(12) == 0 && g.draft >= 6 {
		return g.pick("true", "false")
	}
	var kw []string
	add := func(k, v string) { kw = append(kw, fmt.Sprintf("%q:%s", k, v)) }
	if g.r.Intn(2) == 0 {
		if g.r.Intn(3) == 0 {
			a, b := g.typ(), g.typ()
			for b == a {
				b = g.typ()
			}
			add("type", fmt.Sprintf("[%q,%q]", a, b))
		} else {
			add("type", fmt.Sprintf("%q", g.typ()))
		}
	}
	if g.r.Intn(6) == 0 {
		add("enum", g.pick(`["a","b"]`, `[1, 2.0, "1"]`, `[null, true]`, `["é", "a\"b", 1e2]`, `[0, -0.5]`, `[[1], {"n":1}, "a"]`, `["2024-01-31", 10]`))
	}
	if g.r.Intn(10) == 0 && g.draft >= 6 {
		add("const", g.pick(`"a"`, `1`, `null`, `false`, `1.50`, `[1,"a"]`, `{"s":"a"}`))
	}
	if g.r.Intn(4) == 0 {
		add(g.pick("minLength", "maxLength"), g.pick("0", "1", "2", "3", "4"))
	}
	if g.r.Intn(6) == 0 {
		add("pattern", g.pick(`"^a"`, `"b$"`, `"^[0-9]+$"`, `"é"`, `"^.{2}$"`))
	}
	if g.r.Intn(5) == 0 {
		add("format", g.pick(`"email"`, `"date-time"`, `"date"`, `"uuid"`, `"uri"`, `"ipv4"`, `"ipv6"`, `"hostname"`))
	}
	if g.r.Intn(3) == 0 {
		bound := g.pick("0", "1", "2", "1.5", "-1", "100", "1e2", "99999999999999999999", "9223372036854775807")
		if g.draft == 4 {
			k := g.pick("minimum", "maximum")
			add(k, bound)
			if g.r.Intn(2) == 0 {
				add("exclusive"+strings.ToUpper(k[:1])+k[1:], g.pick("true", "false"))
			}
		} else {
			add(g.pick("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"), bound)
		}
	}
	if g.r.Intn(6) == 0 {
		add("multipleOf", g.pick("2", "0.5", "1.5", "0.1", "3", "1e-2", "7"))
	}
	if g.r.Intn(4) == 0 {
		add(g.pick("minItems", "maxItems"), g.pick("0", "1", "2"))
	}
	if g.r.Intn(5) == 0 {
		add("uniqueItems", g.pick("true", "false"))
	}
	if g.r.Intn(4) == 0 {
		add(g.pick("minProperties", "maxProperties"), g.pick("0", "1", "2", "3"))
	}
	if depth > 0 && g.r.Intn(2) == 0 {
		var props []string
		for _, name := range []string{"n", "s", "o", "t", "N"} {
			if g.r.Intn(2) == 0 {
				props = append(props, fmt.Sprintf("%q:%s", name, g.schema(depth-1)))
			}
		}
		add("properties", "{"+strings.Join(props, ",")+"}")
	}
	if g.r.Intn(3) == 0 {
		if g.draft == 4 {
			add("required", g.pick(`["n"]`, `["s","o"]`, `["N"]`))
		} else {
			add("required", g.pick(`["n"]`, `["s","o"]`, `["N"]`, `[]`))
		}
	}
	if g.draft >= 2019 && g.r.Intn(8) == 0 {
		add("dependentRequired", g.pick(`{"n":["s"]}`, `{"s":["n","t"],"t":[]}`))
	}
	if depth > 0 && g.r.Intn(4) == 0 {
		add("additionalProperties", g.pick("false", "true", g.schema(depth-1)))
	}
	if depth > 0 && g.r.Intn(3) == 0 {
		add("items", g.schema(depth-1))
	}
	if g.r.Intn(8) == 0 {
		if g.draft >= 2019 {
			add("$ref", g.pick(`"#/$defs/a"`, `"#/$defs/b"`))
		} else {
			add("$ref", g.pick(`"#/definitions/a"`, `"#/definitions/b"`))
		}
	}
	if depth > 0 && g.r.Intn(6) == 0 {
		add(g.pick("allOf", "anyOf", "oneOf"), g.list(depth-1))
	}
	if depth > 0 && g.r.Intn(10) == 0 {
		add("not", g.schema(depth-1))
	}
	if depth > 0 && g.draft >= 7 && g.r.Intn(10) == 0 {
		add("if", g.schema(depth-1))
		add(g.pick("then", "else"), g.schema(depth-1))
		if g.r.Intn(2) == 0 {
			add("else", g.schema(depth-1))
		}
	}
	return "{" + strings.Join(kw, ",") + "}"
}

func (g schemaGen) list(depth int) string {
	subs := make([]string, 1+g.r.Intn(3))
	for i := range subs {
		subs[i] = g.schema(depth)
	}
	return "[" + strings.Join(subs, ",") + "]"
}

func (g schemaGen) typ() string {
	return g.pick("null", "boolean", "number", "integer", "string", "array", "object")
}

// valueGen draws records: jsonGen's values, strings near the formats and
// the length bounds, numbers near the bounds and multiples, arrays with
// repeated items.
type valueGen struct {
	r *rand.Rand
	j jsonGen
}

func (g valueGen) value(depth int) string {
	switch g.r.Intn(6) {
	case 0:
		return []string{`"a@b.co"`, `"a b@c.d"`, `"@x"`, `"2024-01-31"`, `"2024-02-30"`, `"2024-01-31T10:00:00Z"`,
			`"2024-01-31T25:00:00Z"`, `"123e4567-e89b-12d3-a456-426614174000"`, `"123e4567-e89b-12d3-a456-42661417400"`,
			`"https://x.example/p?q=1"`, `"/relative"`, `"10.0.0.1"`, `"256.0.0.1"`, `"::1"`, `"1::2::3"`, `"example.com"`,
			`"-bad-.com"`, `"éé"`, `"ééé"`, `"aé"`, `"abcd"`, `"\u00e9\u00e9"`, `"12"`, `"ab"`}[g.r.Intn(24)]
	case 1:
		return []string{`0.5`, `1.5`, `3`, `4.5`, `0.30000000000000004`, `0.3`, `14`, `21`, `1e-2`, `-0.5`, `2.0`, `1e400`,
			`9223372036854775808`, `-7`}[g.r.Intn(14)]
	case 2:
		if depth > 0 {
			parts := make([]string, 1+g.r.Intn(4))
			for i := range parts {
				parts[i] = []string{`1`, `1.0`, `"a"`, `"\u0061"`, `true`, `null`, `[1]`, `{"n":1}`, `2`}[g.r.Intn(9)]
			}
			return "[" + strings.Join(parts, ",") + "]"
		}
	case 3:
		if depth > 0 {
			keys := []string{"n", "s", "o", "t", "N", "x"}
			parts := make([]string, g.r.Intn(5))
			for i := range parts {
				parts[i] = fmt.Sprintf("%q:%s", keys[g.r.Intn(len(keys))], g.value(depth-1))
			}
			return "{" + strings.Join(parts, ",") + "}"
		}
	}
	return g.j.value(depth)
}

// TestSchemaCheckAgreesWithValidator is the class: for random schemas of
// the compiled keywords (drafts 4 to 2020-12) and random records, the
// check's verdict, when it gives one, is the validator's, with keys read
// as spelled and folded to the schema's names; and it gives one for most.
func TestSchemaCheckAgreesWithValidator(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		r := rand.New(rand.NewSource(seed))
		sg, vg := schemaGen{picker: picker{r}}, valueGen{r, jsonGen{r}}
		schemas, compiled, decided, checked := 0, 0, 0, 0
		for range 700 {
			src := sg.root()
			rs, err := compileSchema("", json.RawMessage(src))
			if err != nil {
				continue
			}
			schemas++
			if rs.fast == nil {
				continue
			}
			compiled++
			records := []string{`1.5`, `1.0`, `1`, `100`, `1e2`, `-0`, `99999999999999999999`, `"é"`, `"ab"`,
				`"a\"b"`, `""`, `null`, `true`, `[]`, `{}`, `["é","ab"]`, `{"s":"é","n":1.5}`, `[1,1.0]`}
			for range 8 {
				records = append(records, vg.value(3), vg.j.object(2), vg.value(0))
			}
			for _, raw := range records {
				for _, names := range []schemaNames{nil, rs.names} {
					checked++
					ok, sure := rs.fast.valid(raw, names)
					if !sure {
						continue
					}
					decided++
					want := rs.sch.Validate(names.instance(parse([]byte(raw)))) == nil
					if ok != want {
						t.Errorf("schema %s, record %s (folded %v): check says valid %v, validator %v", src, raw, names != nil, ok, want)
					}
				}
			}
		}
		t.Logf("seed %d: %d schemas, %d compiled, %d of %d checks decided", seed, schemas, compiled, decided, checked)
		if schemas < 500 || compiled*10 < schemas*9 || decided*10 < checked*9 {
			t.Errorf("seed %d: %d of %d schemas compiled, %d of %d checks decided", seed, compiled, schemas, decided, checked)
		}
	}
}

// TestSchemaCheckLeavesOtherKeywords: a schema with a keyword the check
// does not know is the validator's alone.
func TestSchemaCheckLeavesOtherKeywords(t *testing.T) {
	for _, src := range []string{
		`{"patternProperties":{"^x":{"type":"string"}}}`,
		`{"properties":{"n":{"prefixItems":[{"type":"string"}]}}}`,
		`{"items":{"contains":{"const":1}}}`,
		`{"propertyNames":{"maxLength":3}}`,
		`{"unevaluatedProperties":false}`,
		`{"dependentSchemas":{"n":{"required":["s"]}}}`,
		`{"anyOf":[{"type":"string"},{"format":"regex"}]}`,
		`{"$schema":"http://json-schema.org/draft-07/schema#","items":[{"type":"string"}]}`,
	} {
		rs, err := compileSchema("", json.RawMessage(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if rs.fast != nil {
			t.Errorf("%s: compiled for the check", src)
		}
	}
}

// FuzzSchemaCheck compares the check with the validator on any schema
// and any record.
func FuzzSchemaCheck(f *testing.F) {
	f.Add(`{"type":"object","properties":{"n":{"type":"integer","minimum":1}},"required":["n"]}`, `{"n":1.0}`)
	f.Add(`{"properties":{"s":{"maxLength":1,"pattern":"^a"}},"additionalProperties":false}`, `{"s":"\u00e9","x":1}`)
	f.Add(`{"items":{"enum":["a",1e2]},"maxItems":2}`, `["a",100.0]`)
	f.Add(`{"$schema":"http://json-schema.org/draft-04/schema#","maximum":2,"exclusiveMaximum":true,"multipleOf":0.5}`, `1.5`)
	f.Add(`{"$defs":{"a":{"uniqueItems":true}},"anyOf":[{"$ref":"#/$defs/a"},{"not":{"type":"array"}}]}`, `[1,"a",1.0]`)
	f.Add(`{"oneOf":[{"format":"email"},{"maxLength":3}],"if":{"type":"string"},"then":{"minLength":2}}`, `"a@b.c"`)
	f.Fuzz(func(t *testing.T, src, raw string) {
		if !json.Valid([]byte(raw)) || !json.Valid([]byte(src)) || len(src) > 400 {
			return
		}
		rs, err := compileSchema("", json.RawMessage(src))
		if err != nil || rs.fast == nil {
			return
		}
		s := strings.TrimSpace(raw)
		if s == "" {
			return
		}
		for _, names := range []schemaNames{nil, rs.names} {
			if ok, sure := rs.fast.valid(s, names); sure {
				if want := rs.sch.Validate(names.instance(parse([]byte(s)))) == nil; ok != want {
					t.Errorf("schema %s, record %s: check says valid %v, validator %v", src, s, ok, want)
				}
			}
		}
	})
}

// TestSchemaCheckLeavesInPlaceCycles: a schema that applies itself to the
// same value ($ref through if, then, anyOf...) is the validator's, which
// reports the cycle, even when the load did not meet it.
func TestSchemaCheckLeavesInPlaceCycles(t *testing.T) {
	c := jsonschema.NewCompiler()
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(
		`{"$defs":{"a":{"if":{"minLength":3},"then":{"anyOf":[{"$ref":"#/$defs/a"},{"$ref":"#/$defs/a"}]}}},"$ref":"#/$defs/a"}`))
	if err := c.AddResource("cycle.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("cycle.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := compileSchemaCheck(sch, nil); ok {
		t.Fatal("compiled for the check")
	}
}
