package intercept

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/caddy-crud/caddy-crud/rules"
)

func nest(open, close string, n int) string {
	return strings.Repeat(open, n) + strings.Repeat(close, n)
}

func TestValidateJSON(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		maxDepth int
		want     string // "" accepts; otherwise a prefix of the Detail
	}{
		// accepted
		{"empty object", `{}`, 64, ""},
		{"empty array", `[]`, 64, ""},
		{"surrounding whitespace", " \t\r\n{\"a\":1}\n \t\r", 64, ""},
		{"bare string", `"x"`, 64, ""},
		{"bare number", `-1.5e3`, 64, ""},
		{"bare literals true", `true`, 64, ""},
		{"bare null", `null`, 64, ""},
		{"big integer", `12345678901234567890`, 64, ""},
		{"big integer in object", `{"n":12345678901234567890,"m":-98765432109876543210987654321}`, 64, ""},
		{"huge exponent", `[1e400,-1E-400]`, 64, ""},
		{"escaped key that is not a duplicate", `{"r\u006fle":"admin","rolE":"user","r\u006f\u006ce2":1}`, 64, ""},
		{"same key in different objects", `{"a":{"role":1},"b":{"role":2},"role":3}`, 64, ""},
		{"same key in array elements", `[{"role":1},{"role":2}]`, 64, ""},
		{"valid surrogate pair", `"\ud83d\ude00"`, 64, ""},
		{"raw multibyte UTF-8", `{"clé":"日本語 😀"}`, 64, ""},
		{"escaped slash and controls", `"\/\b\f\n\r\t\u0000\\\""`, 64, ""},

		// malformed
		{"empty", ``, 64, "malformed JSON: no value"},
		{"whitespace only", " \n\t ", 64, "malformed JSON: no value"},
		{"truncated object", `{"a":`, 64, "malformed JSON: unexpected end of input"},
		{"truncated literal", `tru`, 64, "malformed JSON: unexpected end of input"},
		{"trailing comma", `[1,]`, 64, "malformed JSON: "},
		{"missing colon", `{"a" 1}`, 64, "malformed JSON: "},
		{"non-string key", `{1:2}`, 64, "malformed JSON: "},
		{"bad escape", `"\x"`, 64, "malformed JSON: "},
		{"control character in string", "\"a\x01\"", 64, "malformed JSON: "},
		{"single quotes", `{'a':1}`, 64, "malformed JSON: "},
		{"leading zero", `[01]`, 64, "malformed JSON: "},
		{"NaN", `NaN`, 64, "malformed JSON: "},
		{"BOM", "\ufeff{}", 64, "malformed JSON: "},
		{"trailing garbage", `{"a":1} x`, 64, "malformed JSON: unexpected data after top-level value"},
		{"trailing garbage after number", `1x`, 64, "malformed JSON: unexpected data after top-level value"},
		{"two values", `{}{}`, 64, "malformed JSON: unexpected data after top-level value"},
		{"two values with space", `1 2`, 64, "malformed JSON: unexpected data after top-level value"},
		{"two values on lines", "{\"a\":1}\n{\"a\":2}\n", 64, "malformed JSON: unexpected data after top-level value"},
		{"mismatched brackets", `[}`, 64, "malformed JSON: "},

		// duplicate keys
		{"duplicate key", `{"role":"admin","role":"user"}`, 64, `duplicate key "role"`},
		{"duplicate after unescape, escaped first", `{"r\u006fle":"admin","role":"user"}`, 64, `duplicate key "role"`},
		{"duplicate after unescape, escaped second", `{"role":"user","r\u006fle":"admin"}`, 64, `duplicate key "role"`},
		{"duplicate both escaped differently", `{"\u0072ole":1,"r\u006Fle":2}`, 64, `duplicate key "role"`},
		{"duplicate escaped slash", `{"a/b":1,"a\/b":2}`, 64, `duplicate key "a/b"`},
		{"duplicate nested", `{"a":[{"x":1,"y":2,"x":3}]}`, 64, `duplicate key "x"`},
		{"duplicate empty key", `{"":1,"":2}`, 64, `duplicate key ""`},

		// invalid UTF-8
		{"invalid UTF-8 in string", "{\"a\":\"x\xffy\"}", 64, "invalid UTF-8 in JSON string"},
		{"invalid UTF-8 in key", "{\"a\xc3\":1}", 64, "invalid UTF-8 in JSON string"},
		{"overlong encoding in string", "\"\xc0\xaf\"", 64, "invalid UTF-8 in JSON string"},
		{"encoded surrogate in string", "\"\xed\xa0\x80\"", 64, "invalid UTF-8 in JSON string"},
		{"lone high surrogate escape", `"\ud800"`, 64, "invalid UTF-8 in JSON string: unpaired surrogate"},
		{"lone low surrogate escape", `"\uDC00"`, 64, "invalid UTF-8 in JSON string: unpaired surrogate"},
		{"high surrogate then letter", `["\ud800x"]`, 64, "invalid UTF-8 in JSON string: unpaired surrogate"},
		{"high surrogate then non-surrogate escape", `"\ud800\u0041"`, 64, "invalid UTF-8 in JSON string: unpaired surrogate"},
		{"lone surrogate escape in key", `{"a\ud800":1}`, 64, "invalid UTF-8 in JSON string: unpaired surrogate"},
		{"invalid UTF-8 outside string", "\xff", 64, "malformed JSON: "},

		// depth
		{"scalar at depth 0", `1`, 0, ""},
		{"object over depth 0", `{}`, 0, "JSON nested deeper than 0 levels"},
		{"object at depth 1", `{}`, 1, ""},
		{"object with array is depth 2", `{"a":[1]}`, 2, ""},
		{"object with array over depth 1", `{"a":[1]}`, 1, "JSON nested deeper than 1 levels"},
		{"arrays exactly at limit", nest("[", "]", 64), 64, ""},
		{"arrays over limit", nest("[", "]", 65), 64, "JSON nested deeper than 64 levels"},
		{"objects exactly at limit", strings.Repeat(`{"a":`, 63) + "{}" + strings.Repeat("}", 63), 64, ""},
		{"objects over limit", strings.Repeat(`{"a":`, 64) + "{}" + strings.Repeat("}", 64), 64, "JSON nested deeper than 64 levels"},
		{"mixed exactly at limit", strings.Repeat(`[{"a":`, 32) + "0" + strings.Repeat("}]", 32), 64, ""},
		{"mixed over limit", strings.Repeat(`[{"a":`, 32) + "[]" + strings.Repeat("}]", 32), 64, "JSON nested deeper than 64 levels"},
		{"over limit but unterminated", nest("[", "", 100), 64, "JSON nested deeper than 64 levels"},
		{"deep sibling after shallow", `[[1],[[[2]]]]`, 3, "JSON nested deeper than 3 levels"},
		{"library limit", nest("[", "]", 10000), 1 << 20, ""},
		{"over library limit", nest("[", "]", 10001), 1 << 20, "JSON nested deeper than 10000 levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateJSON([]byte(tc.in), tc.maxDepth)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidateJSON(%.80q) = %v, want nil", tc.in, err)
				}
				return
			}
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("ValidateJSON(%.80q) = %#v, want *BodyError", tc.in, err)
			}
			if !strings.HasPrefix(be.Detail, tc.want) {
				t.Fatalf("ValidateJSON(%.80q) Detail = %q, want prefix %q", tc.in, be.Detail, tc.want)
			}
			if be.Error() != be.Detail {
				t.Fatalf("Error() = %q, Detail = %q", be.Error(), be.Detail)
			}
		})
	}
}

func TestValidateJSONLongKeyTruncated(t *testing.T) {
	key := strings.Repeat("k", 5000)
	err := ValidateJSON([]byte(`{"`+key+`":1,"`+key+`":2}`), 64)
	var be *BodyError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want *BodyError", err)
	}
	want := `duplicate key "` + strings.Repeat("k", 64) + `"…`
	if be.Detail != want {
		t.Fatalf("Detail = %q, want %q", be.Detail, want)
	}

	// Truncation never splits a multi-byte character.
	key = strings.Repeat("é", 100)
	err = ValidateJSON([]byte(`{"`+key+`":1,"`+key+`":2}`), 64)
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want *BodyError", err)
	}
	if want := `duplicate key "` + strings.Repeat("é", 32) + `"…`; be.Detail != want {
		t.Fatalf("Detail = %q, want %q", be.Detail, want)
	}
}

// The body is forwarded upstream byte for byte when no rule changes it, so
// validation must never write into it (jsontext overwrites bytes of buffers it
// owns; see validator).
func TestValidateJSONDoesNotModifyInput(t *testing.T) {
	for _, in := range []string{
		benchObject(),
		benchArray(),
		`{"a":"b","c":["d",{"e":"f\u0067"}],"h":"\ud83d\ude00"}`,
		`{"a":"b","a":"c"}`,
		"{\"a\":\"\xff\"}",
		`["x","y",1,2,`,
	} {
		b := []byte(in)
		_ = ValidateJSON(b, 64)
		if string(b) != in {
			t.Fatalf("ValidateJSON modified its input:\n got %.200q\nwant %.200q", b, in)
		}
	}
}

func TestValidateJSONConcurrent(t *testing.T) {
	good, bad := []byte(benchObject()), []byte(`{"role":1,"r\u006fle":2}`)
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range 200 {
				if (g+i)%2 == 0 {
					if err := ValidateJSON(good, 64); err != nil {
						done <- err
						return
					}
				} else if err := ValidateJSON(bad, 64); err == nil {
					done <- errors.New("duplicate accepted")
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzValidateJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `1`, `"x"`, `null`, `12345678901234567890`,
		`{"r\u006fle":"admin","role":"user"}`, `{"a":[1,{"b":null}],"c":"\ud83d\ude00"}`,
		`"\ud800"`, "\"\xff\"", `{} x`, `1 2`, nest("[", "]", 70), `{"a":1,"a":2}`,
		benchObject(), `{"a":{"b":1,"b":2}}`, `[{"a":1},{"a":1,"a":1}]`, `{"a":1,"b":[1,{"c":[{"d":1,"e":2}]}]}`,
		"{\"a\":\"\xed\xa0\x80\"}", `{"a":"\n\"\\"}`, `[[[[[[1]]]]]]`, `{"a" : 1 , "b" : [ ] }`,
		`{"kind":1,"` + "\u212a" + `IND":2}`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"` + "\u017f" + `tate":1,"State":2}`,
		`{"Role":1,"rOLE":2}`, `{"a":{"\u212a":1,"k":2}}`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"k":7,"h":8,"\u212a":9}`,
	} {
		f.Add([]byte(s), uint8(64))
	}
	f.Fuzz(func(t *testing.T, b []byte, depth uint8) {
		orig := bytes.Clone(b)
		if rules.PlainRequestJSON(b, int(depth), false, nil) {
			if err := validateFully(b, int(depth)); err != nil {
				t.Fatalf("the fast check accepted %q (depth %d), jsontext refuses it: %v", b, depth, err)
			}
		}
		if rules.PlainRequestJSON(b, int(depth), true, nil) { // names compared under folding
			if err := validateFully(b, int(depth)); err != nil {
				t.Fatalf("the fast check under folding accepted %q (depth %d), jsontext refuses it: %v", b, depth, err)
			}
			if key, dup := rules.FoldedDuplicate(b); dup {
				t.Fatalf("the fast check under folding accepted %q, where %q folds like an earlier name", b, key)
			}
		}
		err := ValidateJSON(b, int(depth))
		if !bytes.Equal(b, orig) {
			t.Fatalf("input modified")
		}
		if err == nil {
			if !json.Valid(b) {
				t.Fatalf("ValidateJSON accepted %q, json.Valid rejects it", b)
			}
			// Accepted with a limit means accepted with a looser one.
			if err := ValidateJSON(b, int(depth)+1); err != nil {
				t.Fatalf("accepted at depth %d, rejected at %d: %v", depth, int(depth)+1, err)
			}
			return
		}
		var be *BodyError
		if !errors.As(err, &be) {
			t.Fatalf("error %#v is not a *BodyError", err)
		}
		if be.Detail == "" || len(be.Detail) > 200 {
			t.Fatalf("bad Detail %q", be.Detail)
		}
	})
}

// benchObject is a ~1 KiB JSON object of mixed values.
func benchObject() string {
	var sb strings.Builder
	sb.WriteString(`{"id":12345,"name":"Ada Lovelace","email":"ada@example.com","active":true,"score":98.6,` +
		`"role":"admin","tags":["math","engines","poetry"],"address":{"street":"12 St James's Square",` +
		`"city":"London","zip":"SW1Y 4JH","geo":{"lat":51.5074,"lng":-0.1278}},"notes":"caf\u00e9 \"quoted\" \ud83d\ude00",`)
	for i := 0; sb.Len() < 950; i++ {
		fmt.Fprintf(&sb, `"field_%02d":"value number %d",`, i, i)
	}
	sb.WriteString(`"last":null}`)
	return sb.String()
}

// benchArray is a ~40 KiB JSON array of 100 objects of ~400 bytes each.
func benchArray() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":%d,"sku":"SKU-%06d","title":"Item %d with a reasonably descriptive title",`+
			`"price":%d.99,"currency":"EUR","in_stock":%t,"tags":["a","b","c"],"dims":{"w":10,"h":20,"d":30},`+
			`"description":"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",`+
			`"owner":{"id":%d,"name":"user %d"},"updated":"2024-01-01T00:00:00Z"}`, i, i, i, i, i%2 == 0, i*7, i)
	}
	sb.WriteByte(']')
	return sb.String()
}

func BenchmarkValidateJSON(b *testing.B) {
	for _, bc := range []struct {
		name string
		in   []byte
	}{
		{"object1KiB", []byte(benchObject())},
		{"array40KiB", []byte(benchArray())},
	} {
		if err := ValidateJSON(bc.in, 64); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				if err := ValidateJSON(bc.in, 64); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
