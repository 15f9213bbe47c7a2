package rules

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// schemaGen draws schemas of the keywords schemaCheck compiles, with
// bounds near the values jsonGen draws.
type schemaGen struct{ r *rand.Rand }

func (g schemaGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g schemaGen) schema(depth int) string {
	if g.r.Intn(12) == 0 {
		return g.pick("true", "false")
	}
	var kw []string
	add := func(k, v string) { kw = append(kw, fmt.Sprintf("%q:%s", k, v)) }
	if g.r.Intn(2) == 0 {
		if g.r.Intn(3) == 0 {
			add("type", fmt.Sprintf("[%q,%q]", g.typ(), g.typ()))
		} else {
			add("type", fmt.Sprintf("%q", g.typ()))
		}
	}
	if g.r.Intn(6) == 0 {
		add("enum", g.pick(`["a","b"]`, `[1, 2.0, "1"]`, `[null, true]`, `["é", "a\"b", 1e2]`, `[0, -0.0]`))
	}
	if g.r.Intn(10) == 0 {
		add("const", g.pick(`"a"`, `1`, `null`, `false`, `1.50`))
	}
	if g.r.Intn(4) == 0 {
		add(g.pick("minLength", "maxLength"), g.pick("0", "1", "2", "3"))
	}
	if g.r.Intn(6) == 0 {
		add("pattern", g.pick(`"^a"`, `"b$"`, `"^[0-9]+$"`, `"é"`))
	}
	if g.r.Intn(6) == 0 {
		add("format", g.pick(`"email"`, `"date-time"`, `"date"`, `"uuid"`, `"uri"`, `"ipv4"`, `"hostname"`))
	}
	if g.r.Intn(3) == 0 {
		add(g.pick("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
			g.pick("0", "1", "2", "1.5", "-1", "100", "1e2", "99999999999999999999"))
	}
	if g.r.Intn(4) == 0 {
		add(g.pick("minItems", "maxItems"), g.pick("0", "1", "2"))
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
		add("required", g.pick(`["n"]`, `["s","o"]`, `["N"]`, `[]`))
	}
	if depth > 0 && g.r.Intn(4) == 0 {
		add("additionalProperties", g.pick("false", "true", g.schema(depth-1)))
	}
	if depth > 0 && g.r.Intn(3) == 0 {
		add("items", g.schema(depth-1))
	}
	return "{" + strings.Join(kw, ",") + "}"
}

func (g schemaGen) typ() string {
	return g.pick("null", "boolean", "number", "integer", "string", "array", "object")
}

// TestSchemaCheckAgreesWithValidator is the class: for random schemas of
// the compiled keywords and random records, a record the check finds
// valid is one the validator finds valid, and the other way round, with
// keys read as spelled and folded to the schema's names.
func TestSchemaCheckAgreesWithValidator(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		r := rand.New(rand.NewSource(seed))
		sg, jg := schemaGen{r}, jsonGen{r}
		schemas, compiled, decided, checked := 0, 0, 0, 0
		for range 600 {
			src := sg.schema(2)
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
				`"a\"b"`, `""`, `null`, `true`, `[]`, `{}`, `["é","ab"]`, `{"s":"é","n":1.5}`}
			for range 8 {
				records = append(records, jg.value(3), jg.object(2))
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
		if compiled*10 < schemas*9 || decided*10 < checked*8 {
			t.Errorf("seed %d: %d of %d schemas compiled, %d of %d checks decided", seed, compiled, schemas, decided, checked)
		}
	}
}

// FuzzSchemaCheck compares the check with the validator on any schema
// and any record.
func FuzzSchemaCheck(f *testing.F) {
	f.Add(`{"type":"object","properties":{"n":{"type":"integer","minimum":1}},"required":["n"]}`, `{"n":1.0}`)
	f.Add(`{"properties":{"s":{"maxLength":1,"pattern":"^a"}},"additionalProperties":false}`, `{"s":"\u00e9","x":1}`)
	f.Add(`{"items":{"enum":["a",1e2]},"maxItems":2}`, `["a",100.0]`)
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
