package intercept

import "strings"

// IsJSON reports whether a Content-Type names JSON: application/json or any
// type/subtype whose subtype ends in "+json" (application/problem+json,
// application/vnd.api+json, ...). Case is ignored, as are parameters
// ("; charset=utf-8") and whitespace around the media type. The type and
// subtype must be RFC 9110 tokens, so lists ("application/json, text/plain")
// and inner whitespace ("application / json") are not JSON.
//
// It does not allocate; mime.ParseMediaType would, and would also reject
// harmless parameter oddities this check does not care about.
func IsJSON(contentType string) bool {
	if contentType == "application/json" {
		return true // as most clients send it
	}
	s := contentType
	for i := 0; i < len(s); i++ {
		if s[i] == ';' {
			s = s[:i]
			break
		}
	}
	s = trimOWS(s)
	slash := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			slash = i
			break
		}
	}
	if slash <= 0 {
		return false
	}
	typ, sub := s[:slash], s[slash+1:]
	if !isToken(typ) || !isToken(sub) {
		return false
	}
	if equalFoldASCII(typ, "application") && equalFoldASCII(sub, "json") {
		return true
	}
	const suffix = "+json"
	return len(sub) > len(suffix) && equalFoldASCII(sub[len(sub)-len(suffix):], suffix)
}

// IsJSONPatch reports whether a Content-Type names a JSON Patch
// (application/json-patch+json, RFC 6902), parameters and case ignored.
func IsJSONPatch(contentType string) bool {
	if contentType == "application/json" {
		return false // as most clients send it
	}
	s := contentType
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	return equalFoldASCII(trimOWS(s), "application/json-patch+json")
}

// trimOWS trims HTTP optional whitespace (spaces and tabs) from both ends.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			switch c {
			case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
			default:
				return false
			}
		}
	}
	return true
}

// equalFoldASCII reports whether s equals the lower-case ASCII t, ignoring ASCII case.
func equalFoldASCII(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[i] {
			return false
		}
	}
	return true
}

// jsonLabel reports whether a response's Content-Type says JSON: IsJSON,
// or the legacy labels text/json and application/x-json.
func jsonLabel(contentType string) bool {
	if IsJSON(contentType) {
		return true
	}
	t := mediaType(contentType)
	return equalFoldASCII(t, "text/json") || equalFoldASCII(t, "application/x-json")
}

// streamLabel reports whether a Content-Type names a stream of events or
// records (Server-Sent Events, NDJSON, JSON Lines, JSON text sequences):
// a response that is never held back.
func streamLabel(contentType string) bool {
	t := mediaType(contentType)
	for _, s := range []string{"text/event-stream", "application/x-ndjson", "application/ndjson",
		"application/jsonl", "application/x-jsonlines", "application/json-seq"} {
		if equalFoldASCII(t, s) {
			return true
		}
	}
	return false
}

// mediaType is the type/subtype of a Content-Type, without parameters or
// surrounding whitespace, in its own case.
func mediaType(contentType string) string {
	s := contentType
	for i := 0; i < len(s); i++ {
		if s[i] == ';' {
			s = s[:i]
			break
		}
	}
	return trimOWS(s)
}

// acceptsOnlyJSON reports whether an Accept header (all its field lines)
// names JSON types only (IsJSON), so a client that asked for a JSON type
// keeps its choice.
func acceptsOnlyJSON(values []string) bool {
	seen := false
	for _, v := range values {
		for len(v) > 0 {
			item := v
			if i := indexComma(v); i >= 0 {
				item, v = v[:i], v[i+1:]
			} else {
				v = ""
			}
			if trimOWS(item) == "" {
				continue
			}
			if !IsJSON(item) {
				return false
			}
			seen = true
		}
	}
	return seen
}

func indexComma(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return i
		}
	}
	return -1
}
