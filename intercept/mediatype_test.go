package intercept

import "testing"

func TestIsJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"plain", "application/json", true},
		{"upper case", "APPLICATION/JSON", true},
		{"mixed case", "Application/Json", true},
		{"charset", "application/json; charset=utf-8", true},
		{"charset no space", "application/json;charset=UTF-8", true},
		{"space before semicolon", "application/json ; charset=utf-8", true},
		{"empty parameter list", "application/json;", true},
		{"odd parameters ignored", `application/json; foo="a;b"; =; bar`, true},
		{"leading and trailing whitespace", " \tapplication/json\t ", true},
		{"problem+json", "application/problem+json", true},
		{"vnd.api+json", "application/vnd.api+json", true},
		{"vnd.api+json with params", "application/vnd.api+json; ext=bulk", true},
		{"suffix upper case", "application/merge-patch+JSON", true},
		{"json-patch+json", "application/json-patch+json", true},
		{"other type with +json", "text/vnd.foo+json", true},
		{"ld+json with profile", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},

		{"empty", "", false},
		{"whitespace only", "  ", false},
		{"text/plain", "text/plain", false},
		{"form", "application/x-www-form-urlencoded", false},
		{"text/json", "text/json", false},
		{"jsonp", "application/jsonp", false},
		{"json suffix without plus", "application/geojson", false},
		{"json-seq", "application/json-seq", false},
		{"bare +json subtype", "application/+json", false},
		{"+json then more", "application/foo+json+xml", false},
		{"no subtype", "application/", false},
		{"no type", "/json", false},
		{"no slash", "json", false},
		{"bare application", "application", false},
		{"inner whitespace", "application / json", false},
		{"space before slash", "application /json", false},
		{"list of types", "application/json, text/plain", false},
		{"wildcard", "*/*", false},
		{"two slashes", "application/json/x", false},
		{"non-ASCII", "applicatión/json", false},
		{"NUL", "application/json\x00", false},
		{"parameter only", "; charset=utf-8", false},
		{"json in a parameter", "text/plain; x=application/json", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsJSON(tc.in); got != tc.want {
				t.Fatalf("IsJSON(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsJSONNoAllocs(t *testing.T) {
	for _, in := range []string{
		"application/json",
		"application/json; charset=utf-8",
		"Application/JSON;charset=UTF-8",
		"application/problem+json",
		"application/vnd.api+json; ext=bulk",
		"text/plain; charset=utf-8",
		"multipart/form-data; boundary=----x",
		"",
	} {
		if n := testing.AllocsPerRun(100, func() { IsJSON(in) }); n != 0 {
			t.Errorf("IsJSON(%q) allocates %v times, want 0", in, n)
		}
	}
}

func BenchmarkIsJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		IsJSON("application/vnd.api+json; charset=utf-8")
	}
}
