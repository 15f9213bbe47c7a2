package rules

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A quick format check must never vouch for a string the library's check
// rejects. Valid strings of each format, mutated at random, meet both.

var quickSamples = map[string][]string{
	"email": {"a@b.io", "first.last+tag@mail.example.com", "x_y-z@a-b.c", "!#$%&'*+-/=?^_`{|}~@x.io",
		`"q"@x.io`, "a@[1.2.3.4]", "a@host.", ".a@x.io"},
	"hostname": {"example.com", "a-b.c0", "x.", "a.b.c.d", "xn--d1a.io"},
	"uuid":     {"123e4567-e89b-12d3-a456-426614174000", "ABCDEF01-2345-6789-abcd-ef0123456789"},
	"date":     {"2024-02-29", "2023-02-28", "0000-01-01", "1900-02-28", "2000-02-29", "2024-12-31"},
	"date-time": {"2024-01-02T03:04:05Z", "2024-01-02t23:59:59.123456+05:30", "2024-01-02T00:00:00-23:59",
		"2016-12-31T23:59:60Z", "2024-01-02T03:04:05.5z"},
	"ipv4": {"1.2.3.4", "255.255.255.255", "0.0.0.0", "10.0.0.01", "192.168.1.1"},
}

const quickAlphabet = "aZ09-._@:+TtzZ[]\"\\ é\x00/"

func libraryFormat(t testing.TB, name string) *jsonschema.Format {
	rs, err := compileSchema("", json.RawMessage(`{"format":"`+name+`"}`))
	if err != nil || rs.sch.Format == nil {
		t.Fatalf("format %s: %v", name, err)
	}
	return rs.sch.Format
}

func mutate(r *rand.Rand, s string) string {
	b := []byte(s)
	for range r.IntN(4) {
		i := r.IntN(len(b) + 1)
		c := quickAlphabet[r.IntN(len(quickAlphabet))]
		switch r.IntN(4) {
		case 0:
			if i < len(b) {
				b[i] = c
			}
		case 1:
			if i < len(b) {
				b = append(b[:i], b[i+1:]...)
			}
		case 2:
			b = append(b[:i], append([]byte{c}, b[i:]...)...)
		default:
			if i < len(b) && b[i] >= '0' && b[i] <= '9' {
				b[i] = '0' + byte(r.IntN(10))
			}
		}
	}
	return string(b)
}

func TestQuickFormatsAgreeWithLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for name, quick := range quickFormats {
		lib := libraryFormat(t, name)
		vouched := 0
		for i := range 3000 {
			samples := quickSamples[name]
			s := samples[i%len(samples)]
			if i >= len(samples) {
				s = mutate(r, s)
			}
			if quick(s) {
				vouched++
				if err := lib.Validate(s); err != nil {
					t.Fatalf("%s: quick check vouches for %q, the library says %v", name, s, err)
				}
			} else if i < len(samples) && lib.Validate(s) == nil && name != "email" && name != "date-time" {
				t.Errorf("%s: quick check leaves the plain %q to the library", name, s)
			}
		}
		if vouched < 300 {
			t.Errorf("%s: vouched for only %d of 3000", name, vouched)
		}
	}
}

func FuzzQuickFormats(f *testing.F) {
	for _, samples := range quickSamples {
		for _, s := range samples {
			f.Add(s)
		}
	}
	libs := map[string]*jsonschema.Format{}
	for name := range quickFormats {
		libs[name] = libraryFormat(f, name)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, quick := range quickFormats {
			if quick(s) {
				if err := libs[name].Validate(s); err != nil {
					t.Fatalf("%s: quick check vouches for %q, the library says %v", name, s, err)
				}
			}
		}
	})
}
