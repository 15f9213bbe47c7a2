package rules

import (
	"strings"
	"sync"
	"time"
)

// Times compiled without the VM: date(...) of a day or an RFC 3339 date,
// date(text, layout), a date read in a named zone, now() and the times
// computed from times, each the
// time.Time expr would hold, kept unboxed in the environment (keepTime);
// durations held as their nanoseconds; compared, moved and read (Year,
// Hour, ...) as time.Time and expr's runtime do.

// dateOf is date(text) of a day (2006-01-02) or an RFC 3339 date (its
// tenth byte a T: the layouts expr's date tries before those cannot read
// such a text), date(text, layout), and the dates read in a zone
// (dateInZone), kept in env. False for any other argument: expr's
// function reads it.
func (env *Env) dateOf(out *val, args []*val) bool {
	if len(args) > 0 && args[0].kind == anyKind {
		if loc, ok := args[0].v.(*time.Location); ok && loc != nil {
			return env.dateInZone(out, loc, args[1:])
		}
	}
	switch len(args) {
	case 3:
		name, ok := args[2].text()
		if !ok {
			return false
		}
		loc, found := zoneOf(name)
		return found && env.dateInZone(out, loc, args[:2])
	case 2:
		return env.dateIn(out, args)
	case 1:
	default:
		return false
	}
	text, ok := args[0].text()
	if !ok || len(text) != len(time.DateOnly) && (len(text) < len(time.RFC3339)-5 || text[10] != 'T') {
		return false
	}
	t, ok := dayOf(text)
	if !ok {
		t, ok = utcSecondOf(text)
	}
	if !ok {
		var err error
		if t, err = time.Parse(time.RFC3339, text); err != nil {
			return false // expr's function reads it by the other layouts, or fails
		}
	}
	out.setKeptTime(env.keepTime(t))
	return true
}

// dayOf reads a day (2006-01-02, each number of its digits, the day one
// its month has) as time.Parse does, its instant midnight UTC; false for
// any other text.
func dayOf(text string) (time.Time, bool) {
	if len(text) != len(time.DateOnly) {
		return time.Time{}, false
	}
	y, m, d, ok := dayParts(text)
	if !ok {
		return time.Time{}, false
	}
	return civilUTC(y, m, d, 0)
}

// utcSecondOf reads an RFC 3339 date to the second in UTC
// (2006-01-02T15:04:05Z, each number of its digits and in its range) as
// time.Parse does; false for any other text, which time.Parse reads.
func utcSecondOf(text string) (time.Time, bool) {
	if len(text) != len("2006-01-02T15:04:05Z") || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z' {
		return time.Time{}, false
	}
	y, mo, d, ok := dayParts(text)
	h, ok1 := twoDigits(text, 11)
	mi, ok2 := twoDigits(text, 14)
	s, ok3 := twoDigits(text, 17)
	if !ok || !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	return civilUTC(y, mo, d, h*3600+mi*60+s)
}

// dayParts reads the year, month and day of the 2006-01-02 that text
// starts with (it has ten bytes at least).
func dayParts(text string) (y, m, d int, ok bool) {
	if text[4] != '-' || text[7] != '-' {
		return 0, 0, 0, false
	}
	c, ok1 := twoDigits(text, 0)
	yy, ok2 := twoDigits(text, 2)
	m, ok3 := twoDigits(text, 5)
	d, ok4 := twoDigits(text, 8)
	return c*100 + yy, m, d, ok1 && ok2 && ok3 && ok4
}

// twoDigits is the number the two bytes of s at i spell, when both are
// decimal digits.
func twoDigits(s string, i int) (int, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

// civilUTC is the UTC instant of a day (a year from 0 to 9999) and a
// second of it, the time.Time time.Date makes of them, computed from the
// count of days since 1970 (Hinnant's days_from_civil); false for a month
// or a day the year does not have.
func civilUTC(y, m, d, second int) (time.Time, bool) {
	if !dayExists(y, m, d) {
		return time.Time{}, false
	}
	if m <= 2 {
		y--
	}
	era := (y+400)/400 - 1 // y is at least -1: the era counted from -400
	yoe := y - era*400
	mp := (m + 9) % 12 // March is 0
	doe := yoe*365 + yoe/4 - yoe/100 + (153*mp+2)/5 + d - 1
	days := era*146097 + doe - 719468
	return time.Unix(int64(days)*86400+int64(second), 0).UTC(), true
}

// dayExists reports whether year y has month m and the month day d, as
// time.Parse checks a date.
func dayExists(y, m, d int) bool { return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(m, y) }

// daysIn is how many days month m of year y has.
func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// now compiles now(): the current time, kept in env without boxing it.
func (c *fastCompiler) now() operand {
	at := c.slot()
	return func(env *Env) (*val, bool) {
		out := &env.regs[at]
		out.setKeptTime(env.keepTime(time.Now()))
		return out, true
	}
}

// keepTime keeps t where nothing writes it again, as built.go keeps
// strings: a value holding it stays what it is.
func (env *Env) keepTime(t time.Time) *time.Time {
	if len(env.times) == cap(env.times) {
		env.times = make([]time.Time, 0, 64)
	}
	env.times = append(env.times, t)
	return &env.times[len(env.times)-1]
}

// dateIn is date(text, layout): time.Parse's, the time kept in env;
// false where it fails (expr's function fails there too) or for operands
// that are not strings.
func (env *Env) dateIn(out *val, args []*val) bool {
	text, ok := args[0].text()
	if !ok {
		return false
	}
	layout, ok := args[1].text()
	if !ok {
		return false
	}
	t, err := time.Parse(layout, text)
	if err != nil {
		return false
	}
	out.setKeptTime(env.keepTime(t))
	return true
}

// dateLayouts are the layouts date(text) tries, in expr's order.
var dateLayouts = []string{time.DateOnly, time.TimeOnly, time.DateTime, time.RFC3339, time.RFC822, time.RFC850, time.RFC1123}

// dateInZone is date(timezone(...), text[, layout]) and date(text, layout,
// zone): text read in loc (by layout, or by the first of dateLayouts that
// reads it), loc loaded once for the process where expr's function loads
// a named zone on every call; false where expr's function fails.
func (env *Env) dateInZone(out *val, loc *time.Location, args []*val) bool {
	if len(args) == 3 {
		return env.dateOf(out, args) // expr's function reads the zone named last
	}
	if len(args) == 0 || len(args) > 2 {
		return false
	}
	text, ok := args[0].text()
	if !ok {
		return false
	}
	layouts := dateLayouts
	if len(args) == 2 {
		layout, ok := args[1].text()
		if !ok {
			return false
		}
		layouts = []string{layout}
	}
	if layouts[0] == time.DateOnly && len(text) == len(time.DateOnly) {
		if y, m, d, ok := dayParts(text); ok && dayExists(y, m, d) {
			out.setKeptTime(env.keepTime(time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc))) // as ParseInLocation makes it
			return true
		}
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, text, loc); err == nil {
			out.setKeptTime(env.keepTime(t))
			return true
		}
	}
	return false
}

// times reads a and b as times, when both are (kept or boxed), for
// time.Time's Before, Equal and After, as expr compares them.
func times(a, b *val) (x, y time.Time, ok bool) {
	if x, ok = a.time(); ok {
		y, ok = b.time()
	}
	return x, y, ok
}

func (x *val) time() (time.Time, bool) {
	switch x.kind {
	case timeKind:
		return *x.v.(*time.Time), true
	case anyKind:
		t, ok := x.v.(time.Time)
		return t, ok
	}
	return time.Time{}, false
}

// duration is the value when it is a time.Duration.
func (x *val) duration() (time.Duration, bool) {
	switch x.kind {
	case durationKind:
		return time.Duration(x.n), true
	case anyKind:
		d, ok := x.v.(time.Duration)
		return d, ok
	}
	return 0, false
}

// timeArithmetic is a + b or a - b (minus) of times and durations, as
// expr's runtime computes them (a time moved by a duration, two times'
// difference, durations added), a time computed kept in env; false for
// other operands.
func (env *Env) timeArithmetic(out, a, b *val, minus bool) bool {
	da, aIsDuration := a.duration()
	db, bIsDuration := b.duration()
	if minus {
		db = -db
	}
	switch {
	case aIsDuration && bIsDuration:
		out.setDuration(da + db)
	case bIsDuration:
		t, ok := a.time()
		if !ok {
			return false
		}
		out.setKeptTime(env.keepTime(t.Add(db)))
	case aIsDuration && !minus:
		t, ok := b.time()
		if !ok {
			return false
		}
		out.setKeptTime(env.keepTime(t.Add(da)))
	case minus:
		x, y, ok := times(a, b)
		if !ok {
			return false
		}
		out.setDuration(x.Sub(y))
	default:
		return false
	}
	return true
}

// zones are the locations timezone(...) loaded, by name, for the process:
// loading one reads the zone database, which expr's function does on
// every call.
var zones sync.Map

// zoneNamed is timezone(name): time.LoadLocation's location, loaded once
// for the process; false for a name it cannot load, or no string (expr's
// function fails there).
func zoneNamed(out, name *val) bool {
	text, ok := name.text()
	if !ok {
		return false
	}
	loc, ok := zoneOf(text)
	if ok {
		out.setAny(loc)
	}
	return ok
}

// zoneOf is time.LoadLocation(name), loaded once for the process; false
// where it fails.
func zoneOf(name string) (*time.Location, bool) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), true
	}
	name = strings.Clone(name) // it may be a view of a pooled buffer; the key and the location keep it
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	kept, _ := zones.LoadOrStore(name, loc)
	return kept.(*time.Location), true
}
