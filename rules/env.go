package rules

import (
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/tidwall/gjson"
)

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
	PathEscape  func(any) (string, error) `expr:"pathescape"`
	QueryEscape func(any) (string, error) `expr:"queryescape"`

	// machine runs this Env's expressions: one VM per phase run, not one
	// pool round trip per expression.
	machine *vm.VM

	// fields, when set, is the current record as JSON: conditions read
	// record.a.b from it, and Record is decoded from it only when an
	// expression run by the VM reads record (see program.run).
	fields  *recordFields
	decoder recordDecoder
	decoded bool // Record is fields decoded

	// regs holds the values of the conditions compiled without the VM,
	// one slot per operand (see fast.go), its storage kept from run to
	// run; used is how many slots the run's expressions made room for,
	// the ones release clears.
	regs []val
	used int

	// runValues are the values of the operands computed once a run (see
	// onceARun), their storage kept from run to run.
	runValues []runValue

	// json is what valueJSON wrote last, its storage reused.
	json []byte

	// built holds the strings the compiled expressions built, in a chunk
	// kept from run to run whose written bytes are never written again
	// (built.go).
	built []byte

	// times holds the times the compiled expressions made (now(), a
	// date read, a time computed from one), kept as built's bytes are:
	// appended, never written again, a full chunk left to the collector.
	times []time.Time

	// memory is what the evaluation running built, counted as expr's VM
	// counts it against its memory budget (memory.go).
	memory int

	// lists is where the compiled map and filter write the lists they
	// build, one after another when one builds inside another, before
	// each is kept in built (fastlists.go); its storage kept from run to
	// run.
	lists []byte

	// Get is member access (a.b, a[k]) as the nil-safe patch rewrites it.
	Get func(any, any) any `expr:"__get"`

	// valueText is the JSON text of a transform's current value: the
	// compiled expressions read it as it is, and Value is decoded from it
	// (valueDecoded) only where the VM or a member read needs it.
	valueText    string
	valueDecoded bool

	// fold: Get is getFolded (names match under simple case folding, as
	// the before phase reads them), for the reads compiled without the VM.
	fold bool
}

// recordDecoder decodes the current record as the VM reads it: only the
// fields the phase's expressions read, unless one needs the whole record.
type recordDecoder interface {
	decodeRecord() any
}

// setRecord makes raw the current record; it is decoded on demand.
func (env *Env) setRecord(f *recordFields, d recordDecoder) {
	env.fields, env.decoder = f, d
	env.Record, env.decoded = nil, false
}

// setValueText makes text (JSON) the value a transform's expression reads.
func (env *Env) setValueText(text string) {
	env.Value, env.valueText, env.valueDecoded = nil, text, false
}

// value is Value, decoded from valueText on the first read that needs it.
func (env *Env) value() any {
	if env.valueText != "" && !env.valueDecoded {
		env.Value, env.valueDecoded = valueOf(gjson.Parse(env.valueText)), true
	}
	return env.Value
}
