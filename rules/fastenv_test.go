package rules

import "testing"

// TestEnvFunctionsAnswerAsExpr: the environment's functions called
// without the VM answer as the VM calls them: a string where one is
// taken (anything else its error), the decoded value where any value is,
// and the function's error the evaluation's.
func TestEnvFunctionsAnswerAsExpr(t *testing.T) {
	checkCompiledValues(t, []string{
		`placeholder(record.s)`, `placeholder("{http.x}") == record.s`, `placeholder(record.n)`,
		`lookup("/c/" + pathescape(record.s))`, `lookup("/c/" + pathescape(record.s)).path`, `lookup(record.p)?.n`,
		`lookup(record.p) == nil`, `lookup(record.n)`,
		`uuid()`, `len(uuid()) == 36`,
		`pathescape(record.s)`, `pathescape(record.n)`, `pathescape(record.o)`, `pathescape(record.e)`,
		`queryescape(record.s)`, `queryescape(record.n)`, `queryescape(record.missing)`, `queryescape(record.l)`,
	}, []string{
		`{"s":"a b/c","n":12.5,"o":{"a":1},"e":"","p":"/err","l":[1]}`,
		`{"s":"x","n":1,"p":"/none"}`,
		`{"s":null,"p":"/c/1"}`,
	})
}
