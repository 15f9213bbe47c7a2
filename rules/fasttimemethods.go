package rules

import (
	"time"

	"github.com/expr-lang/expr/ast"
)

// The methods of times and durations compiled without the VM, each
// computing what the method computes on the time.Time or time.Duration
// expr would hold: a time a method answers is kept in the environment
// (keepTime), a duration held as its nanoseconds, an int64 as int64Kind,
// Format's text built as built.go builds strings. The receiver and the
// arguments are read at run time: one of another type (a time where a
// duration goes) leaves the call to the VM, and to its error.

// methodArgs are the arguments a method takes, in order.
type methodArgs struct {
	times     int // how many times.Time (Before, Sub, ...)
	durations int // how many time.Duration (Add, Truncate, ...)
	ints      int // how many ints (AddDate)
	texts     int // how many strings (Format)
	locations int // how many *time.Location (In, of timezone(...))
}

// timeMethod computes a method of the time t into out, its arguments read
// as args says; false leaves the call to the VM.
type timeMethod struct {
	args methodArgs
	call func(env *Env, out *val, t time.Time, a methodValues) bool
}

// durationMethod is timeMethod for a time.Duration.
type durationMethod struct {
	args methodArgs
	call func(out *val, d time.Duration, a methodValues) bool
}

// methodValues are a call's arguments read by their types.
type methodValues struct {
	times     [1]time.Time
	durations [1]time.Duration
	ints      [3]int
	texts     [1]string
	locations [1]*time.Location
}

func intAnswer(f func(time.Time) int) timeMethod {
	return timeMethod{call: func(_ *Env, out *val, t time.Time, _ methodValues) bool { out.setInt(f(t)); return true }}
}

func textAnswer(f func(time.Time) string) timeMethod {
	return timeMethod{call: func(_ *Env, out *val, t time.Time, _ methodValues) bool { out.setStr(f(t)); return true }}
}

// valueAnswer is a method whose answer boxes without allocating (a small
// number such as a Month, a pointer).
func valueAnswer(f func(time.Time) any) timeMethod {
	return timeMethod{call: func(_ *Env, out *val, t time.Time, _ methodValues) bool { out.setAny(f(t)); return true }}
}

func int64Answer(f func(time.Time) int64) timeMethod {
	return timeMethod{call: func(_ *Env, out *val, t time.Time, _ methodValues) bool { out.setInt64(f(t)); return true }}
}

func timeAnswer(args methodArgs, f func(t time.Time, a methodValues) time.Time) timeMethod {
	return timeMethod{args: args, call: func(env *Env, out *val, t time.Time, a methodValues) bool {
		out.setKeptTime(env.keepTime(f(t, a)))
		return true
	}}
}

func boolAnswer(f func(t, u time.Time) bool) timeMethod {
	return timeMethod{args: methodArgs{times: 1}, call: func(_ *Env, out *val, t time.Time, a methodValues) bool {
		out.setBool(f(t, a.times[0]))
		return true
	}}
}

// timeMethods are the methods of time.Time compiled; Month and Weekday
// answer small values that box without allocating.
var timeMethods = map[string]timeMethod{
	"Year":       intAnswer(time.Time.Year),
	"Day":        intAnswer(time.Time.Day),
	"Hour":       intAnswer(time.Time.Hour),
	"Minute":     intAnswer(time.Time.Minute),
	"Second":     intAnswer(time.Time.Second),
	"Nanosecond": intAnswer(time.Time.Nanosecond),
	"YearDay":    intAnswer(time.Time.YearDay),
	"Month":      valueAnswer(func(t time.Time) any { return t.Month() }),
	"Weekday":    valueAnswer(func(t time.Time) any { return t.Weekday() }),
	"Unix":       int64Answer(time.Time.Unix),
	"UnixMilli":  int64Answer(time.Time.UnixMilli),
	"UnixMicro":  int64Answer(time.Time.UnixMicro),
	"UnixNano":   int64Answer(time.Time.UnixNano),
	"IsZero":     {call: func(_ *Env, out *val, t time.Time, _ methodValues) bool { out.setBool(t.IsZero()); return true }},
	"Location":   valueAnswer(func(t time.Time) any { return t.Location() }),
	// a method of two answers gives expr its first
	"Zone":    textAnswer(func(t time.Time) string { name, _ := t.Zone(); return name }),
	"ISOWeek": intAnswer(func(t time.Time) int { year, _ := t.ISOWeek(); return year }),
	"Before":  boolAnswer(time.Time.Before),
	"After":   boolAnswer(time.Time.After),
	"Equal":   boolAnswer(time.Time.Equal),
	"Compare": {args: methodArgs{times: 1}, call: func(_ *Env, out *val, t time.Time, a methodValues) bool {
		out.setInt(t.Compare(a.times[0]))
		return true
	}},
	"Sub": {args: methodArgs{times: 1}, call: func(_ *Env, out *val, t time.Time, a methodValues) bool {
		out.setDuration(t.Sub(a.times[0]))
		return true
	}},
	"UTC":      timeAnswer(methodArgs{}, func(t time.Time, _ methodValues) time.Time { return t.UTC() }),
	"In":       timeAnswer(methodArgs{locations: 1}, func(t time.Time, a methodValues) time.Time { return t.In(a.locations[0]) }),
	"Add":      timeAnswer(methodArgs{durations: 1}, func(t time.Time, a methodValues) time.Time { return t.Add(a.durations[0]) }),
	"Truncate": timeAnswer(methodArgs{durations: 1}, func(t time.Time, a methodValues) time.Time { return t.Truncate(a.durations[0]) }),
	"Round":    timeAnswer(methodArgs{durations: 1}, func(t time.Time, a methodValues) time.Time { return t.Round(a.durations[0]) }),
	"AddDate": timeAnswer(methodArgs{ints: 3}, func(t time.Time, a methodValues) time.Time {
		return t.AddDate(a.ints[0], a.ints[1], a.ints[2])
	}),
	"Format": {args: methodArgs{texts: 1}, call: func(env *Env, out *val, t time.Time, a methodValues) bool {
		layout := a.texts[0]
		out.setStr(env.keep(t.AppendFormat(env.room(len(layout)+10), layout)))
		return true
	}},
}

func durationAnswer(args methodArgs, f func(d time.Duration, a methodValues) time.Duration) durationMethod {
	return durationMethod{args: args, call: func(out *val, d time.Duration, a methodValues) bool {
		out.setDuration(f(d, a))
		return true
	}}
}

func floatOfDuration(f func(time.Duration) float64) durationMethod {
	return durationMethod{call: func(out *val, d time.Duration, _ methodValues) bool { out.setFloat(f(d)); return true }}
}

func int64OfDuration(f func(time.Duration) int64) durationMethod {
	return durationMethod{call: func(out *val, d time.Duration, _ methodValues) bool { out.setInt64(f(d)); return true }}
}

// durationMethods are the methods of time.Duration compiled but String
// (methodString).
var durationMethods = map[string]durationMethod{
	"Hours":        floatOfDuration(time.Duration.Hours),
	"Minutes":      floatOfDuration(time.Duration.Minutes),
	"Seconds":      floatOfDuration(time.Duration.Seconds),
	"Milliseconds": int64OfDuration(time.Duration.Milliseconds),
	"Microseconds": int64OfDuration(time.Duration.Microseconds),
	"Nanoseconds":  int64OfDuration(time.Duration.Nanoseconds),
	"Abs":          durationAnswer(methodArgs{}, func(d time.Duration, _ methodValues) time.Duration { return d.Abs() }),
	"Truncate":     durationAnswer(methodArgs{durations: 1}, func(d time.Duration, a methodValues) time.Duration { return d.Truncate(a.durations[0]) }),
	"Round":        durationAnswer(methodArgs{durations: 1}, func(d time.Duration, a methodValues) time.Duration { return d.Round(a.durations[0]) }),
}

// timeText is the layout time.Time's String formats (before the
// monotonic clock reading it adds to now()'s).
const timeText = "2006-01-02 15:04:05.999999999 -0700 MST"

// methodString answers String() of a time (formatted as built.go builds
// strings, but for a time with a monotonic clock reading, now()'s: Go's
// text), a duration (Go's text), a time.Month, a time.Weekday or a zone
// (Go's constants and names: nothing built).
func (env *Env) methodString(out, v *val) bool {
	if t, ok := v.time(); ok {
		if t != t.Round(0) {
			out.setStr(t.String())
			return true
		}
		out.setStr(env.keep(t.AppendFormat(env.room(len(timeText)+10), timeText)))
		return true
	}
	if d, ok := v.duration(); ok {
		out.setStr(d.String())
		return true
	}
	if v.kind != anyKind {
		return false
	}
	switch x := v.v.(type) {
	case time.Month:
		out.setStr(x.String())
	case time.Weekday:
		out.setStr(x.String())
	case *time.Location:
		if x == nil {
			return false // the VM's error
		}
		out.setStr(x.String())
	default:
		return false
	}
	return true
}

// method compiles a call of a method of a time or a duration (or String()
// of those and of what Month(), Weekday() and timezone(...) answer), its
// receiver's type told at run time.
func (c *fastCompiler) method(m *ast.MemberNode, argNodes []ast.Node) (operand, bool) {
	name, ok := m.Property.(*ast.StringNode)
	if !ok || m.Optional {
		return nil, false
	}
	tm, isTime := timeMethods[name.Value]
	dm, isDuration := durationMethods[name.Value]
	isName := name.Value == "String" && len(argNodes) == 0
	if isTime && !tm.args.takes(len(argNodes)) || isDuration && !dm.args.takes(len(argNodes)) || !isTime && !isDuration && !isName {
		return nil, false
	}
	receiver, ok := c.operand(m.Node)
	if !ok {
		return nil, false
	}
	args, ok := c.operands(argNodes)
	if !ok {
		return nil, false
	}
	at := c.slot()
	return func(env *Env) (*val, bool) {
		r, ok := receiver(env)
		if !ok {
			return r, false
		}
		out := &env.regs[at]
		if isName {
			return out, env.methodString(out, r)
		}
		if t, ok := r.time(); ok && isTime {
			a, ok := tm.args.read(env, args)
			return out, ok && tm.call(env, out, t, a)
		}
		if d, ok := r.duration(); ok && isDuration {
			a, ok := dm.args.read(env, args)
			return out, ok && dm.call(out, d, a)
		}
		return out, false
	}, true
}

// takes reports whether a call with n arguments fits.
func (a methodArgs) takes(n int) bool { return a.times+a.durations+a.ints+a.texts+a.locations == n }

// read computes the arguments and reads each by its type (a method takes
// arguments of one type only); false for one of another type, which the
// VM's reflect call refuses.
func (a methodArgs) read(env *Env, args []operand) (v methodValues, ok bool) {
	for i, arg := range args {
		x, ok := arg(env)
		if !ok {
			return v, false
		}
		switch {
		case a.times > 0:
			v.times[i], ok = x.time()
		case a.durations > 0:
			v.durations[i], ok = x.duration()
		case a.ints > 0:
			var isInt bool
			v.ints[i], _, isInt, ok = x.number()
			ok = ok && isInt && x.kind != int64Kind
		case a.locations > 0: // nil panics in In: the VM's error
			v.locations[i], ok = x.v.(*time.Location)
			ok = ok && x.kind == anyKind && v.locations[i] != nil
		default:
			v.texts[i], ok = x.text()
		}
		if !ok {
			return v, false
		}
	}
	return v, true
}
