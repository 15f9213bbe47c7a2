package rules

import "time"

// Times compiled without the VM: date(...) of a day or an RFC 3339 date,
// date(text, layout), now() and the times computed from times, each the
// time.Time expr would hold, kept unboxed in the environment (keepTime);
// durations held as their nanoseconds; compared, moved and read (Year,
// Hour, ...) as time.Time and expr's runtime do.

// dateOf is date(text) of a day (2006-01-02) or an RFC 3339 date (its
// tenth byte a T: the layouts expr's date tries before those cannot read
// such a text), and date(text, layout), kept in env. False for any other
// argument: expr's function reads it.
func (env *Env) dateOf(out *val, args []*val) bool {
	if len(args) == 2 {
		return env.dateIn(out, args)
	}
	if len(args) != 1 {
		return false
	}
	text, ok := args[0].text()
	if !ok || len(text) != len(time.DateOnly) && (len(text) < len(time.RFC3339)-5 || text[10] != 'T') {
		return false
	}
	t, ok := dayOf(text)
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
	if len(text) != len(time.DateOnly) || text[4] != '-' || text[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(text[0:4])
	m, ok2 := digits(text[5:7])
	d, ok3 := digits(text[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d // past the month's last day, Date moves on to the next month
}

// digits is the number s spells in decimal digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
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
