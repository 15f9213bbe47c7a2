package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"
)

// parse reads raw JSON without copying it.
func parse(raw []byte) gjson.Result {
	if len(raw) == 0 {
		return gjson.Result{}
	}
	return gjson.Parse(unsafe.String(&raw[0], len(raw)))
}

// getRaw returns the value at path in raw, without copying.
func getRaw(raw []byte, p Path) gjson.Result {
	if len(raw) == 0 {
		return gjson.Result{}
	}
	return gjson.Get(unsafe.String(&raw[0], len(raw)), p.gjsonPath())
}

// valueOf converts a JSON value into the Go value expressions see:
// objects map[string]any, arrays []any, integral numbers in range int,
// other numbers float64.
func valueOf(r gjson.Result) any { return decodeValue(r, nil) }

// decoding changes how decodeValue reads a value; nil is valueOf's way.
type decoding struct {
	// exactNumbers keeps numbers as json.Number, with all their digits.
	exactNumbers bool
	// key renames an object's keys.
	key func(string) string
}

// decodeValue converts a JSON value as valueOf does, or as d says.
func decodeValue(r gjson.Result, d *decoding) any {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number:
		if d != nil && d.exactNumbers {
			return json.Number(r.Raw)
		}
		return numberOf(r.Raw)
	case gjson.True:
		return true
	case gjson.False:
		return false
	case gjson.JSON:
		if r.IsArray() {
			out := []any{}
			r.ForEach(func(_, v gjson.Result) bool {
				out = append(out, decodeValue(v, d))
				return true
			})
			return out
		}
		out := map[string]any{}
		r.ForEach(func(k, v gjson.Result) bool {
			key := k.Str
			if d != nil && d.key != nil {
				key = d.key(key)
			}
			out[key] = decodeValue(v, d)
			return true
		})
		return out
	}
	return nil
}

// Number reads the text of a JSON number as expressions see it: an
// integral number in the int64 range is an int, any other a float64.
func Number(raw string) any { return numberOf(raw) }

func numberOf(raw string) any {
	i, f, isInt := parseNumber(raw)
	if isInt {
		return i
	}
	return f
}

// smallInt reads an integer of at most 18 digits, the common case,
// without strconv.
func smallInt(raw string) (int, bool) {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if len(digits) < len(raw) {
		n = -n
	}
	return n, true
}

// shortUint reads a text of one to nine digits, a record's usual number,
// small enough to inline; false for any other text.
func shortUint(raw string) (int, bool) {
	if len(raw) == 0 || len(raw) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, true
}

// parseNumber reads a JSON number text as an int when it is integral and
// in the int64 range, else as a float64.
func parseNumber(raw string) (i int, f float64, isInt bool) {
	if n, ok := smallInt(raw); ok {
		return n, 0, true
	}
	integral := true
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c == '.' || c == 'e' || c == 'E' {
			integral = false
			break
		}
	}
	if integral {
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return int(n), 0, true
		}
	}
	f, _ = strconv.ParseFloat(raw, 64)
	return 0, f, false
}

// appendJSON appends v, a value an expression produced, as JSON.
func appendJSON(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case string:
		return appendString(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case float64:
		return appendFloat(dst, v)
	case float32:
		return appendFloat(dst, float64(v))
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendJSON(dst, v[k]); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case json.RawMessage:
		return append(dst, v...), nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Func || rv.Kind() == reflect.Chan {
		return dst, fmt.Errorf("cannot encode %T as JSON", v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, fmt.Errorf("cannot encode %v as JSON", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, 64), nil
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func AppendString(dst []byte, s string) []byte { return appendString(dst, s) }

// appendString is AppendString.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) { // eight plain ASCII bytes at once
			if w := wordAt(s, i); w&highs == 0 && specialIn(w) == 0 {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// render turns a value into message or header text: strings as they are,
// nil as empty, everything else as JSON.
func render(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return dst
	case string:
		return append(dst, v...)
	}
	out, err := appendJSON(dst, v)
	if err != nil {
		return append(dst, fmt.Sprint(v)...)
	}
	return out
}

// unsafeBytes views s as bytes; the bytes must not be written.
func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// Decode converts JSON into the values expressions see.
func Decode(raw []byte) any { return valueOf(parse(raw)) }

// Records returns the record(s) at keys in raw, without copying: an array
// or object there, else the body itself (an API may envelope only lists).
func Records(raw []byte, keys []string) []byte { return unsafeBytes(records(raw, keys).Raw) }

// records is Records as a parsed value.
func records(raw []byte, keys []string) gjson.Result {
	root := parse(raw)
	if len(keys) == 0 {
		return root
	}
	if t := root.Get(joinPath(keys)); t.IsArray() || t.IsObject() {
		return t
	}
	return root
}

// AppendJSON appends v as JSON (map keys sorted).
func AppendJSON(dst []byte, v any) ([]byte, error) { return appendJSON(dst, v) }

// sameText reports whether a and b are the same bytes in memory (not
// merely equal text), and not empty.
func sameText(a, b string) bool {
	return len(a) == len(b) && a != "" && unsafe.StringData(a) == unsafe.StringData(b)
}

// unsafeString views b as a string; b must not change while it is used.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
