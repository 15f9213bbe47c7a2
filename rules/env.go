package rules

// Env is what expressions see. Field names are the variable names rules
// use; a pooled Env is filled per request and per record.
type Env struct {
	Record   any    `expr:"record"`
	Body     any    `expr:"body"`
	Old      any    `expr:"old"`
	User     any    `expr:"user"`
	Request  any    `expr:"request"`
	Response any    `expr:"response"`
	Action   string `expr:"action"`
	Resource string `expr:"resource"`
	Value    any    `expr:"value"`
	Index    int    `expr:"index"`

	Placeholder func(string) string       `expr:"placeholder"`
	Lookup      func(string) (any, error) `expr:"lookup"`
	UUID        func() string             `expr:"uuid"`
}
