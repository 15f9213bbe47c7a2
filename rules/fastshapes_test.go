package rules

import "testing"

// TestListShapesAnswerAsExpr: a range read as a list is the []int expr's
// VM builds (walked, summed, indexed, compared), count without a
// predicate counts the elements that are true, a member of a map literal
// read with ?. is read alike, Location, Zone and ISOWeek of a time
// answer what the VM's method call answers (a method of two answers: its
// first), and $env.name reads the variable.
func TestListShapesAnswerAsExpr(t *testing.T) {
	checkCompiledValues(t, []string{
		`1..3`, `record.a..record.b`, `sum(1..record.b)`, `len(record.a..record.b)`, `map(1..record.b, # * 2)`,
		`filter(record.a..record.b, # % 2 == 0)`, `all(0..len(record.t) - 1, record.t[#] != nil)`, `(1..record.b)[0]`,
		`(record.a..record.b)[-1]`, `type(1..3)`, `record.b..record.a`, `record.c..3`, `any(1..record.b, # == record.a)`,
		`1..3 == [1, 2, 3]`, `record.a in record.a..record.b`, `map(1..2, #index)`, `reduce(1..record.b, #acc + #, 0)`,
		`count([true, false, record.c])`, `count(record.t)`, `count(map(record.t, # == 1))`,
		`{"a": 1}?.a`, `{"a": 1}?.[record.c]`, `date(record.d).Location()`, `date(record.d).Zone()`, `date(record.d).ISOWeek()`,
		`date(record.d).Location().String()`, `date(record.d).In(timezone("Asia/Tokyo")).Zone()`,
		`$env.record`, `$env["record"].a`, `$env.record.b + 1`, `$env.index`, `$env.action`, `$env.user?.id`, `$env?.record.c`,
	}, []string{
		`{"a":1,"b":4,"t":[1,2,3],"c":true,"d":"2024-12-30"}`,
		`{"a":3,"b":2,"t":[true,false],"c":"x","d":"2024-01-01T10:00:00+02:00"}`,
		`{"a":-2,"b":2.5,"t":[],"c":null,"d":"x"}`,
		`{"a":"x","b":1,"t":"ab","c":"a"}`,
	})
}
