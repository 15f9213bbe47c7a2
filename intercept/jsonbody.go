package intercept

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/caddy-crud/caddy-crud/internal/escape"
	"github.com/caddy-crud/caddy-crud/rules"
)

// BodyError is a request body that is not acceptable JSON; Detail is safe to show the client.
type BodyError struct{ Detail string }

func (e *BodyError) Error() string { return e.Detail }

// maxKeyInDetail is the most bytes of an object key that an error Detail quotes.
const maxKeyInDetail = 64

// maxLibDepth is jsontext's own hard nesting limit: it refuses anything deeper
// whatever ValidateJSON is asked for.
const maxLibDepth = 10000

// validator is one pooled decoder with the reader it decodes from.
//
// The reader is a bytes.Buffer on purpose: jsontext parses a bytes.Buffer in
// place (no copy into an internal buffer) and, unlike with any other reader,
// never writes into the buffer it decodes (it "invalidates" consumed tokens by
// overwriting their first byte with '#' only in buffers it owns). Callers pass
// the request body they will forward upstream byte for byte, so b must never
// be touched; TestValidateJSONDoesNotModifyInput guards this.
type validator struct {
	buf bytes.Buffer
	dec jsontext.Decoder
}

// ValidateJSON reports whether b is exactly one JSON value (surrounding whitespace allowed), valid UTF-8
// (also after unescaping: lone surrogate escapes such as "\ud800" are invalid), with no duplicate key in any
// object (compared after unescaping) and nested no deeper than maxDepth. It returns nil or a *BodyError.
//
// Objects and arrays count toward depth and the top-level one is depth 1, so a
// bare scalar has depth 0 and is accepted even with maxDepth 0. A maxDepth
// above 10000 acts as 10000, jsontext's own limit. Empty or whitespace-only
// input is malformed.
func ValidateJSON(b []byte, maxDepth int) error { return ValidateRequestJSON(b, maxDepth, false, nil) }

// ValidateRequestJSON is ValidateJSON where, with fold, two keys of one
// object that fold alike under Unicode simple case folding ({"role":…,
// "ROLE":…}) are duplicates too: permissive backends bind both to one
// field. The Detail names the later key as the client sent it. With ix,
// a body the scanner shows valid leaves its top-level members there for
// the before phase (see rules.BodyIndex).
func ValidateRequestJSON(b []byte, maxDepth int, fold bool, ix *rules.BodyIndex) error {
	if rules.PlainRequestJSON(b, min(maxDepth, maxLibDepth), fold, ix) {
		return nil // shown valid by the scanner, in one pass
	}
	if err := validateFully(b, maxDepth); err != nil || !fold {
		return err
	}
	if key, dup := rules.FoldedDuplicate(b); dup {
		return &BodyError{Detail: "duplicate key " + quoteKey(key)}
	}
	return nil
}

// validateFully is ValidateJSON through jsontext, whose errors say what is
// wrong and where.
func validateFully(b []byte, maxDepth int) error {
	v := validators.Get().(*validator)
	v.buf = *bytes.NewBuffer(b)
	// jsontext's defaults are what we want: duplicate names and invalid UTF-8
	// are rejected unless AllowDuplicateNames/AllowInvalidUTF8 are set.
	v.dec.Reset(&v.buf)
	err := validate(&v.dec, b, maxDepth)
	// Drop every reference to b before the validator goes back to the pool.
	v.buf = bytes.Buffer{}
	v.dec.Reset(&v.buf)
	validators.Put(v)
	return err
}

func validate(dec *jsontext.Decoder, b []byte, maxDepth int) error {
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return bodyError(dec, b, err, maxDepth)
		}
		if k := tok.Kind(); (k == '{' || k == '[') && dec.StackDepth() > maxDepth {
			return tooDeep(maxDepth)
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	// Exactly one value: only whitespace may follow it.
	off := dec.InputOffset()
	if off < 0 || off > int64(len(b)) {
		return &BodyError{Detail: "malformed JSON"}
	}
	for i := int(off); i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return &BodyError{Detail: "malformed JSON: unexpected data after top-level value at offset " + strconv.Itoa(i)}
		}
	}
	return nil
}

func tooDeep(maxDepth int) *BodyError {
	if maxDepth < 0 {
		maxDepth = 0
	}
	if maxDepth > maxLibDepth {
		maxDepth = maxLibDepth
	}
	return &BodyError{Detail: "JSON nested deeper than " + strconv.Itoa(maxDepth) + " levels"}
}

// errInvalidUTF8 is the sentinel jsontext wraps for invalid UTF-8 inside a
// string. The library does not export it (it lives in an internal package), so
// it is taken from the library itself once.
var errInvalidUTF8 = func() error {
	_, err := jsontext.NewDecoder(bytes.NewBufferString("\"\xff\"")).ReadToken()
	var serr *jsontext.SyntacticError
	if errors.As(err, &serr) {
		return serr.Err
	}
	return nil
}()

// bodyError turns a jsontext decoding error into a short, client-safe BodyError.
func bodyError(dec *jsontext.Decoder, b []byte, err error, maxDepth int) *BodyError {
	if err == io.EOF {
		// Returned only when no token at all precedes the end of input.
		return &BodyError{Detail: "malformed JSON: no value"}
	}
	var serr *jsontext.SyntacticError
	if !errors.As(err, &serr) || serr.Err == nil {
		return &BodyError{Detail: "malformed JSON"}
	}
	off := serr.ByteOffset
	var at []byte
	if off >= 0 && off < int64(len(b)) {
		at = b[off:]
	}
	switch {
	case errors.Is(serr.Err, io.ErrUnexpectedEOF):
		return &BodyError{Detail: "malformed JSON: unexpected end of input"}
	case errors.Is(serr.Err, jsontext.ErrDuplicateName):
		return &BodyError{Detail: "duplicate key " + quoteKey(serr.JSONPointer.LastToken())}
	case errInvalidUTF8 != nil && errors.Is(serr.Err, errInvalidUTF8):
		return &BodyError{Detail: "invalid UTF-8 in JSON string"}
	case isSurrogateEscape(at):
		// jsontext reports these as an invalid escape sequence or surrogate pair.
		return &BodyError{Detail: "invalid UTF-8 in JSON string: unpaired surrogate escape at offset " + strconv.FormatInt(off, 10)}
	case len(at) > 0 && (at[0] == '{' || at[0] == '[') && dec.StackDepth() >= maxLibDepth:
		// jsontext's own depth limit, reached only when maxDepth >= 10000.
		return tooDeep(maxDepth)
	}
	msg := serr.Err.Error()
	if len(msg) > 100 {
		msg = truncateUTF8(msg, 100) + "…"
	}
	return &BodyError{Detail: "malformed JSON: " + msg + " at offset " + strconv.FormatInt(off, 10)}
}

// isSurrogateEscape reports whether p starts with a \uXXXX escape of a UTF-16
// surrogate (U+D800–U+DFFF).
func isSurrogateEscape(p []byte) bool {
	if len(p) < 6 || p[0] != '\\' || p[1] != 'u' {
		return false
	}
	r, ok := escape.Hex4(p[2:])
	return ok && 0xD800 <= r && r <= 0xDFFF
}

// quoteKey quotes an (unescaped) object key for an error Detail, cut to
// maxKeyInDetail bytes.
func quoteKey(k string) string {
	if len(k) <= maxKeyInDetail {
		return strconv.Quote(k)
	}
	return strconv.Quote(truncateUTF8(k, maxKeyInDetail)) + "…"
}

// truncateUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
