package intercept

import (
	"strconv"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/caddy-crud/caddy-crud/rules"
)

// The answer to a bulk partial request tells the client which elements
// were left out, in headers, so that the upstream's body stays as it is
// and no echo of the records is needed:
//
//	Crud-Bulk-Excluded: 2
//	Crud-Bulk-Errors: [{"field":"[1].email","message":"must be a valid email"},{"field":"[4]","message":"not yours"}]
//
// Crud-Bulk-Errors holds at most maxBulkReport bytes of whole entries, in
// ASCII (other characters \u-escaped); Crud-Bulk-Errors-Truncated: true says
// that some were cut.
const (
	headerBulkExcluded  = "Crud-Bulk-Excluded"
	headerBulkErrors    = "Crud-Bulk-Errors"
	headerBulkTruncated = "Crud-Bulk-Errors-Truncated"
	maxBulkReport       = 8 << 10
)

// reportExcluded writes the headers that name the left-out elements, and
// logs each (the upstream is called with the rest).
func (x *exchange) reportExcluded(excluded []rules.FieldError) {
	count := map[string]bool{}
	for _, e := range excluded {
		count[elementOf(e.Field)] = true
		if ce := x.e.logger.Check(zap.InfoLevel, "bulk element left out"); ce != nil {
			ce.Write(zap.String("resource", x.res.name), zap.String("action", x.act.name),
				zap.String("field", e.Field), zap.String("message", e.Message))
		}
	}
	h := x.w.Header()
	h.Set(headerBulkExcluded, strconv.Itoa(len(count)))
	b := make([]byte, 0, 256)
	b = append(b, '[')
	for i, e := range excluded {
		entry := append([]byte(nil), `{"field":`...)
		entry = appendASCIIString(entry, e.Field)
		entry = append(entry, `,"message":`...)
		entry = append(appendASCIIString(entry, e.Message), '}')
		if len(b)+len(entry)+2 > maxBulkReport {
			h.Set(headerBulkTruncated, "true")
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, entry...)
	}
	h.Set(headerBulkErrors, string(append(b, ']')))
}

// elementOf is the `[i]` an excluded field names.
func elementOf(field string) string {
	for i := 0; i < len(field); i++ {
		if field[i] == ']' {
			return field[:i+1]
		}
	}
	return field
}

// appendASCIIString appends s as a JSON string whose bytes are all
// printable ASCII, fit for a header value.
func appendASCIIString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r >= 0x20 && r < 0x7f:
			dst = append(dst, byte(r))
		case r == utf8.RuneError:
			dst = append(dst, `\ufffd`...)
		default:
			if r > 0xffff {
				r -= 0x10000
				dst = appendU(appendU(dst, 0xd800+(r>>10)), 0xdc00+(r&0x3ff))
				continue
			}
			dst = appendU(dst, r)
		}
	}
	return append(dst, '"')
}

func appendU(dst []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}
