package rules

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

// layoutTokens are what random layouts are made of: every element Go's
// layouts name, their near misses, and literal text.
var layoutTokens = []string{
	"2006", "06", "_2006", "Jan", "January", "Janet", "1", "01", "Mon", "Monday", "Month", "2", "_2", "02", "__2", "002",
	"15", "3", "03", "4", "04", "5", "05", "PM", "pm", "P", "MST", "MS", "-0700", "-07:00", "-07", "-070000", "-07:00:00",
	"Z0700", "Z07:00", "Z07", "Z070000", "Z07:00:00", "Z", "-", ".000", ".999", ",000", ",999", ".0", ".9", ".999999999",
	".0000000000", ".00001", "0", "9", ".", ",", ":", " ", "T", "_", "x", "é", "00", "7", "8", "16",
}

// layoutTimes are times across years, zones (named, fixed, without a
// name, with seconds in the offset) and fractions of a second.
func layoutTimes(r *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("", 0), time.FixedZone("", -(5*3600 + 30*60 + 15)),
		time.FixedZone("XYZ", 9*3600), time.FixedZone("", 14*3600)}
	for _, name := range []string{"Europe/Paris", "America/St_Johns", "Asia/Kathmandu"} {
		if loc, err := time.LoadLocation(name); err == nil {
			zones = append(zones, loc)
		}
	}
	sec := r.Int63n(400*365*86400) - 200*365*86400 // 1770 to 2170
	if r.Intn(8) == 0 {
		sec = r.Int63n(1<<40) - 1<<39 // far years, before year 0 too
	}
	nsec := []int64{0, 5, 100000000, 123456789, 999999999, 1000, r.Int63n(1e9)}[r.Intn(7)]
	return time.Unix(sec, nsec).In(zones[r.Intn(len(zones))])
}

// TestCompiledLayoutsFormatAsTime: a layout read at load formats every
// time as time.Format does, for random layouts of Go's elements, their
// near misses and literal text.
func TestCompiledLayoutsFormatAsTime(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for range 20000 {
		var layout strings.Builder
		for range 1 + r.Intn(6) {
			layout.WriteString(layoutTokens[r.Intn(len(layoutTokens))])
		}
		checkLayout(t, layout.String(), layoutTimes(r))
	}
	for _, layout := range []string{time.RFC3339, time.RFC3339Nano, time.RFC1123Z, time.Kitchen, time.StampMicro, time.DateTime,
		time.ANSIC, time.UnixDate, time.RFC822, timeText, ""} {
		for range 200 {
			checkLayout(t, layout, layoutTimes(r))
		}
	}
}

func checkLayout(t *testing.T, layout string, at time.Time) {
	t.Helper()
	l, ok := compileLayout(layout)
	if !ok {
		if !strings.Contains(layout, "0000000000") && !strings.Contains(layout, "9999999999") {
			t.Fatalf("%q not read", layout)
		}
		return
	}
	if got, want := string(l.appendTo(nil, at)), at.Format(layout); got != want {
		t.Fatalf("%q of %v: %q, time.Format %q", layout, at, got, want)
	}
}

// FuzzCompiledLayouts compares a layout read at load with time.Format on
// any layout and any instant.
func FuzzCompiledLayouts(f *testing.F) {
	f.Add("2006-01-02T15:04:05.999999999Z07:00", int64(1700000000), int64(5), 3600)
	f.Add("Mon Jan _2 __2 002 3:4:5 PM pm MST -07:00:00", int64(-62135596800), int64(0), -37815)
	f.Fuzz(func(t *testing.T, layout string, sec, nsec int64, offset int) {
		checkLayoutFuzzed(t, layout, time.Unix(sec, nsec).In(time.FixedZone("", offset%(26*3600))))
	})
}

func checkLayoutFuzzed(t *testing.T, layout string, at time.Time) {
	l, ok := compileLayout(layout)
	if !ok {
		return
	}
	if got, want := string(l.appendTo(nil, at)), at.Format(layout); got != want {
		t.Fatalf("%q of %v: %q, time.Format %q", layout, at, got, want)
	}
}
