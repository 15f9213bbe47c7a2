package rules

import (
	"fmt"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"go.uber.org/zap/zapcore"
)

// Phase is when a block runs.
type Phase uint8

const (
	Before Phase = iota // on the request, before the next handler
	After               // on the 2xx JSON response
	Async               // after the response is written
)

func (p Phase) String() string {
	return [...]string{"before", "after", "async"}[p]
}

type op uint8

const (
	opDeny op = iota
	opRequire
	opCheck
	opSet
	opDefault
	opTransform
	opProtect
	opOnly
	opHide
	opDrop
	opHeader
	opQuery
	opLog
	opWebhook
	opSchema
	opParameters
	opResponseSchema
	opMask
	opRedact
)

// phaseOps lists the statements each phase accepts.
var phaseOps = [...]map[string]op{
	Before: {"deny": opDeny, "require": opRequire, "check": opCheck, "set": opSet,
		"default": opDefault, "transform": opTransform, "protect": opProtect,
		"only": opOnly, "header": opHeader, "query": opQuery, "log": opLog,
		"schema": opSchema, "parameters": opParameters},
	After: {"hide": opHide, "only": opOnly, "drop": opDrop, "set": opSet,
		"deny": opDeny, "require": opRequire, "header": opHeader, "log": opLog,
		"response_schema": opResponseSchema, "mask": opMask, "redact": opRedact},
	Async: {"webhook": opWebhook, "log": opLog},
}

// stmt is one compiled statement.
type stmt struct {
	op     op
	where  string // resource, block and statement, for errors and logs
	expr   *program
	ifCond *program
	path   Path
	tree   *pathTree    // protect, only, hide
	trees  []*pathTree  // protect strict: one tree per path
	query  []queryField // protect: the paths as query parameter names meet them
	paths  []Path
	status int
	msg    *template
	name   string
	remove bool
	strict bool
	level  zapcore.Level
	url    string
	body   *program
	schema *recordSchema
	params *parameterCheck

	responses *responseSchemas
	keep      int     // mask: the characters left at the end
	secret    []byte  // webhook: the Standard Webhooks signing key
	merged    []*stmt // hide: the statements mergeHides joined into this one, each traced as itself
}

// CompiledBlock is a block whose statements are compiled.
type CompiledBlock struct {
	// Actions are the block's actions as written (groups not expanded).
	Actions []string

	// Params are the query parameters the block's actions accept; nil
	// when the block does not say.
	Params []string

	stmts []*stmt
}

// CompileBlock compiles every statement of b once. Errors name the
// resource, the block and the statement.
func CompileBlock(phase Phase, resource string, b *Block) (*CompiledBlock, error) {
	return CompileBlockResolving(phase, resource, b, nil)
}

// CompileBlockResolving is CompileBlock with resolve applied to the values
// that may hold placeholders (a webhook's secret), e.g. Caddy's replacer.
// A nil resolve takes them as written.
func CompileBlockResolving(phase Phase, resource string, b *Block, resolve func(string) string) (*CompiledBlock, error) {
	blockName := fmt.Sprintf("resource %q: %s %s", resource, phase, strings.Join(b.Actions, " "))
	if len(b.Actions) == 0 {
		return nil, fmt.Errorf("%s: block names no action", blockName)
	}
	cb := &CompiledBlock{Actions: b.Actions}
	if len(b.Params) > 0 {
		if phase != Before {
			return nil, fmt.Errorf("%s: params is an option of before blocks", blockName)
		}
		if err := CheckParams(b.Params); err != nil {
			return nil, fmt.Errorf("%s: %w", blockName, err)
		}
		cb.Params = b.Params
	}
	for i, s := range b.Statements {
		where := fmt.Sprintf("%s: statement %d (%s)", blockName, i+1, describe(s))
		st, err := compileStmt(phase, s, resolve)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		st.where = where
		cb.stmts = append(cb.stmts, st)
	}
	return cb, nil
}

// Describe is how rule locations name a statement: its op and first
// argument, e.g. `check email`.
func Describe(s *Statement) string { return describe(s) }

// CheckParams checks the names of a params list: each non-empty, given
// once, and free of the characters that end a query name (& ; = #).
func CheckParams(names []string) error {
	for i, n := range names {
		switch {
		case n == "":
			return fmt.Errorf("params: empty parameter name")
		case strings.ContainsAny(n, "&;=#"):
			return fmt.Errorf("params: parameter name %q holds one of & ; = #", n)
		case slices.Contains(names[:i], n):
			return fmt.Errorf("params: parameter %q given twice", n)
		}
	}
	return nil
}

// describe shortens a statement to its op and first argument, for locations.
func describe(s *Statement) string {
	arg := s.Path
	switch {
	case len(s.Paths) > 0:
		arg = strings.Join(s.Paths, " ")
	case s.Name != "":
		arg = s.Name
	case s.URL != "":
		arg = redactURL(s.URL)
	case s.SchemaFile != "":
		arg = s.SchemaFile
	case len(s.Schema) > 0:
		arg = "(inline)"
	case len(s.Parameters) > 0:
		arg = s.Parameters[0].Name
	case arg == "":
		arg = s.Expr
	}
	if len(arg) > 60 {
		arg = arg[:57] + "..."
	}
	return strings.TrimSpace(s.Op + " " + arg)
}

// redactURL keeps a URL's scheme, host and path: a query or userinfo may
// hold a secret, and locations go to logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

func compileStmt(phase Phase, s *Statement, resolve func(string) string) (*stmt, error) {
	o, ok := phaseOps[phase][s.Op]
	if !ok {
		return nil, fmt.Errorf("%q is not a %s statement", s.Op, phase)
	}
	st := &stmt{op: o, status: s.Status, strict: s.Strict, remove: s.Remove}
	var err error
	cond := func(src string) (*program, error) { return compileExpr(src, true) }
	value := func(src string) (*program, error) { return compileExpr(src, false) }
	optional := func(src string) (*program, error) {
		if src == "" {
			return nil, nil
		}
		return cond(src)
	}

	switch o {
	case opDeny, opRequire:
		if st.expr, err = cond(s.Expr); err != nil {
			return nil, err
		}
		if st.status == 0 {
			st.status = 403
		}
		if st.status < 400 || st.status > 599 {
			return nil, fmt.Errorf("status %d is not an error status", st.status)
		}
		if s.Message != "" {
			if st.msg, err = compileTemplate(s.Message); err != nil {
				return nil, err
			}
		}
	case opCheck:
		if s.Path == "" || s.Message == "" {
			return nil, fmt.Errorf("check needs a field, a condition and a message")
		}
		if st.expr, err = cond(s.Expr); err != nil {
			return nil, err
		}
		if st.msg, err = compileTemplate(s.Message); err != nil {
			return nil, err
		}
		st.name = s.Path
	case opDrop:
		if st.expr, err = cond(s.Expr); err != nil {
			return nil, err
		}
	case opSet, opDefault, opTransform:
		if st.path, err = ParsePath(s.Path); err != nil {
			return nil, err
		}
		if st.path.hasStar() {
			return nil, fmt.Errorf("%s takes a field path without *", s.Op)
		}
		if st.expr, err = value(s.Expr); err != nil {
			return nil, err
		}
		if st.ifCond, err = optional(s.If); err != nil {
			return nil, err
		}
	case opMask, opRedact:
		if st.paths, err = parsePaths(s.Op, s.Paths); err != nil {
			return nil, err
		}
		st.tree = newPathTree(st.paths)
		if s.Keep < 0 {
			return nil, fmt.Errorf("keep %d: must not be negative", s.Keep)
		}
		st.keep = s.Keep
		if o == opRedact && s.With != "" {
			if st.expr, err = value(s.With); err != nil {
				return nil, err
			}
		}
		if st.ifCond, err = optional(s.If); err != nil {
			return nil, err
		}
	case opProtect, opOnly, opHide:
		if st.paths, err = parsePaths(s.Op, s.Paths); err != nil {
			return nil, err
		}
		st.tree = newPathTree(st.paths)
		if o == opProtect {
			for _, p := range st.paths {
				st.query = append(st.query, newQueryField(p))
			}
		}
		if st.strict {
			st.trees = make([]*pathTree, len(st.paths))
			for i, p := range st.paths {
				st.trees[i] = newPathTree([]Path{p})
			}
		}
		if st.ifCond, err = optional(s.If); err != nil {
			return nil, err
		}
	case opHeader, opQuery:
		if s.Name == "" {
			return nil, fmt.Errorf("%s needs a name", s.Op)
		}
		st.name = s.Name
		if o == opHeader {
			st.name = textproto.CanonicalMIMEHeaderKey(s.Name)
		}
		if !st.remove {
			if st.expr, err = value(s.Expr); err != nil {
				return nil, err
			}
		}
	case opLog:
		if st.expr, err = value(s.Expr); err != nil {
			return nil, err
		}
		level := s.Level
		if level == "" {
			level = "info"
		}
		if st.level, err = zapcore.ParseLevel(level); err != nil {
			return nil, err
		}
	case opSchema:
		if (s.SchemaFile == "") == (len(s.Schema) == 0) {
			return nil, fmt.Errorf("schema needs a file or an inline schema, not both")
		}
		if st.schema, err = compileSchema(s.SchemaFile, s.Schema); err != nil {
			return nil, err
		}
	case opResponseSchema:
		if len(s.Responses) == 0 {
			return nil, fmt.Errorf("response_schema needs at least one response")
		}
		if st.responses, err = compileResponseSchemas(s.Responses, s.Enforce); err != nil {
			return nil, err
		}
	case opParameters:
		if len(s.Parameters) == 0 {
			return nil, fmt.Errorf("parameters needs at least one parameter")
		}
		if st.params, err = compileParameters(s.Parameters); err != nil {
			return nil, err
		}
	case opWebhook:
		if s.URL == "" {
			return nil, fmt.Errorf("webhook needs a URL")
		}
		st.url = s.URL
		if st.ifCond, err = optional(s.If); err != nil {
			return nil, err
		}
		if s.Body != "" {
			if st.body, err = value(s.Body); err != nil {
				return nil, err
			}
		}
		if s.Secret != "" {
			if st.secret, err = webhookSecret(s.Secret, resolve); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

// parsePaths parses the fields of a statement that names at least one.
func parsePaths(op string, texts []string) ([]Path, error) {
	if len(texts) == 0 {
		return nil, fmt.Errorf("%s needs at least one field", op)
	}
	paths := make([]Path, 0, len(texts))
	for _, text := range texts {
		p, err := ParsePath(text)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// usage is what the statement's expressions read.
func (s *stmt) usage() (varSet, fieldSet) {
	var vs varSet
	var fs fieldSet
	for _, p := range []*program{s.expr, s.ifCond, s.body} {
		if p != nil {
			vs |= p.vars
			fs.add(p.record)
		}
	}
	if s.op == opParameters {
		vs |= varRequest
	}
	mv, mf := s.msg.usage()
	vs |= mv
	fs.add(mf)
	return vs, fs
}

// mutates reports whether the statement changes the record.
func (s *stmt) mutates() bool {
	switch s.op {
	case opSet, opDefault, opTransform, opOnly, opHide, opMask, opRedact:
		return true
	case opProtect:
		return !s.strict
	}
	return false
}

// touchesRecord reports whether the statement reads or writes the record by
// itself (protect strict and transform read fields without an expression).
func (s *stmt) touchesRecord() bool {
	return s.mutates() || s.op == opProtect
}

// Program is every statement that one action runs in one phase, in
// declaration order, with what they read worked out once.
type Program struct {
	phase  Phase
	stmts  []*stmt
	vars   varSet
	record fieldSet
	needs  bool   // some statement reads or writes the record
	fold   bool   // field names of the record match under simple case folding
	flush  []bool // after phase: apply pending hides before statement i
	reads  []bool // statement i reads record
	olds   []bool // statement i reads old (an expression, or protect strict)
	text   []bool // before phase: statement i reads the record's text, so the member edits before it are written first
	nested bool   // an expression reads a field of an object in the record (record.a.b)
	top    []topField
	// descend joins the paths every hide, mask and redact names, and the
	// fields the after phase's expressions read by name: the objects they
	// lead into are scanned with their record, so hiding in them needs no
	// second scan and reading them no walk. Unless an expression reads the
	// record whole, the scan keeps only the members descend names (see
	// scanMembers): nothing else reads or rewrites the others.
	descend *pathTree
	// hideBits holds, for each hide statement, the members of scanned
	// objects it removes or goes into, as bits of descend's nodes (see
	// memberBits); nil for other statements and for a hide whose paths
	// pass a wildcard or a node of more than 64 names.
	hideBits [][]nodeBits
	// leadingHide: the first statement is an unconditional hide (after
	// mergeHides, of every hide before the first other statement).
	leadingHide bool
	// nodes counts descend's nodes; pathTree.id numbers them.
	nodes int
	// fieldSlots maps the top-level fields the after phase's expressions
	// read to descend's children (see memberSlots); nil when it cannot.
	fieldSlots *fieldSlots
	// fieldReads joins the fields statements read or write by name: an
	// operator object as their value is refused.
	fieldReads *pathTree

	protects []*stmt  // before phase: the protect statements
	readOld  *Program // async phase: see OldReadBy
}

// ProgramOption tunes NewProgram.
type ProgramOption func(*Program)

// ExactKeys makes the field names of request bodies (and the query
// parameters protect removes) match exactly, as
// written (case_sensitive). Without it, before programs match them the way
// permissive backends bind them: under Unicode simple case folding.
func ExactKeys() ProgramOption { return func(p *Program) { p.fold = false } }

// NewProgram joins the statements of the blocks, in order.
func NewProgram(phase Phase, blocks []*CompiledBlock, opts ...ProgramOption) *Program {
	p := &Program{phase: phase, fold: phase == Before}
	for _, o := range opts {
		o(p)
	}
	var hidden []Path // hide paths of earlier statements
	for _, b := range blocks {
		for _, s := range b.stmts {
			if p.fold {
				s = s.folded()
			}
			p.stmts = append(p.stmts, s)
			if s.op == opProtect {
				p.protects = append(p.protects, s)
			}
			_, reads := s.usage()
			p.flush = append(p.flush, len(hidden) > 0 && (s.op == opSet || s.op == opOnly || s.op == opMask || s.op == opRedact || overlaps(reads, hidden)))
			if s.op == opHide {
				hidden = append(hidden, s.paths...)
			}
			vs, fs := s.usage()
			p.vars |= vs
			p.record.add(fs)
			if s.touchesRecord() || s.op == opSchema || vs&(varRecord|varBody) != 0 {
				p.needs = true
			}
		}
	}
	p.mergeHides()
	p.leadingHide = len(p.stmts) > 0 && p.stmts[0].op == opHide && p.stmts[0].ifCond == nil && !p.flush[0]
	for _, s := range p.stmts {
		vs, _ := s.usage()
		p.reads = append(p.reads, vs&varRecord != 0)
		p.olds = append(p.olds, vs&varOld != 0 || (s.op == opProtect && s.strict))
		p.text = append(p.text, p.record.whole || !s.membersOnly())
	}
	for _, keys := range p.record.paths {
		p.nested = p.nested || len(keys) > 1
	}
	p.top = p.record.tops()
	p.fieldReads = readTree(p)
	var descend []Path // see Program.descend
	for _, s := range p.stmts {
		if s.op == opHide || s.op == opMask || s.op == opRedact {
			descend = append(descend, s.paths...)
		}
	}
	if p.phase == After {
		descend = append(descend, readPaths(p.record)...)
	}
	if len(descend) > 0 {
		p.descend = newPathTree(descend)
		p.nodes = p.descend.number(0)
		p.hideBits = hideBitsOf(p.stmts, p.descend)
	}
	if p.phase == After {
		p.fieldSlots = fieldSlotsOf(p.descend, p.top)
	}
	return p
}

// readPaths are the paths of the record expressions read by name
// (record.a, record.a.b): the scan keeps their members, and goes into the
// objects on the way, so that a condition finds each among the members the
// scan indexed.
func readPaths(reads fieldSet) []Path {
	var paths []Path
	for _, keys := range reads.paths {
		paths = append(paths, keyPath(keys))
	}
	return paths
}

// hideBitsOf computes Program.hideBits.
func hideBitsOf(stmts []*stmt, descend *pathTree) [][]nodeBits {
	out := make([][]nodeBits, len(stmts))
	for i, s := range stmts {
		var bits []nodeBits
		if s.op == opHide && treeBits(s.tree, descend, &bits) {
			out[i] = bits
		}
	}
	return out
}

// treeBits appends to out the bits of t, the subtree of a hide that meets
// descend's node d, and reports whether every node on its way has them.
func treeBits(t, d *pathTree, out *[]nodeBits) bool {
	if t.leaf || t.star != nil || !d.hasBits() {
		return false
	}
	b := nodeBits{id: d.id}
	for _, c := range t.children {
		dc := d.named(c.key)
		if dc == nil {
			return false
		}
		bit := uint64(1) << dc.at
		if c.node.leaf {
			b.remove |= bit // the whole value goes: deeper paths add nothing
			continue
		}
		b.enter |= bit
		if !treeBits(c.node, dc, out) {
			return false
		}
	}
	*out = append(*out, b)
	return true
}

// folded returns the statement with its paths matching field names under
// simple case folding (the trees are built again, with folded keys).
func (s *stmt) folded() *stmt {
	if s.tree == nil {
		return s
	}
	f := *s
	f.tree = newFoldTree(s.paths)
	if s.trees != nil {
		f.trees = make([]*pathTree, len(s.paths))
		for i, p := range s.paths {
			f.trees[i] = newFoldTree([]Path{p})
		}
	}
	return &f
}

// mergeHides joins runs of unconditional hides that nothing reads between
// into one statement, so a record is matched against one tree, not several.
func (p *Program) mergeHides() {
	var stmts []*stmt
	var flush []bool
	for i, s := range p.stmts {
		if n := len(stmts); n > 0 && s.op == opHide && s.ifCond == nil && !p.flush[i] &&
			stmts[n-1].op == opHide && stmts[n-1].ifCond == nil {
			merged := *stmts[n-1]
			merged.paths = append(append([]Path{}, merged.paths...), s.paths...)
			merged.tree = newPathTree(merged.paths)
			merged.merged = append(append([]*stmt{}, parts(stmts[n-1])...), s)
			stmts[n-1] = &merged
			continue
		}
		stmts = append(stmts, s)
		flush = append(flush, p.flush[i])
	}
	p.stmts, p.flush = stmts, flush
}

// parts are the statements a merged hide joins, or s alone.
func parts(s *stmt) []*stmt {
	if s.merged != nil {
		return s.merged
	}
	return []*stmt{s}
}

// Empty reports whether the program has no statement.
func (p *Program) Empty() bool { return p == nil || len(p.stmts) == 0 }

// NeedsBody reports whether the program reads or rewrites the body.
func (p *Program) NeedsBody() bool { return p != nil && p.needs }

// ReadsNested reports whether an expression of the program reads a field
// of an object in the record (record.a.b), so that the request check
// indexes nested objects (BodyIndex.Nested).
func (p *Program) ReadsNested() bool { return p != nil && p.nested }

// Reads reports whether an expression of the program reads the variable
// name (user, old, request, response, lookup...).
func (p *Program) Reads(name string) bool { return p != nil && p.vars&varBits[name] != 0 }

// overlaps reports whether reading fs may see a field that a pending hide
// of one of paths would remove.
func overlaps(fs fieldSet, paths []Path) bool {
	if fs.whole {
		return true
	}
	for _, read := range fs.paths {
		for _, p := range paths {
			n := min(len(read), len(p.segs))
			same := true
			for i := 0; i < n && same; i++ {
				same = p.segs[i].star || p.segs[i].key == read[i]
			}
			if same {
				return true
			}
		}
	}
	return false
}

// ParsePhase reads a phase name: before, after or async.
func ParsePhase(name string) (Phase, bool) {
	for p := Before; p <= Async; p++ {
		if p.String() == name {
			return p, true
		}
	}
	return 0, false
}

// CheckStatement compiles one statement and throws the result away, so a
// config adapter can report a broken rule where it is written. The error
// names the statement as CompileBlock does, less the block.
func CheckStatement(phase Phase, index int, s *Statement) error {
	if _, err := compileStmt(phase, s, nil); err != nil {
		return fmt.Errorf("statement %d (%s): %w", index, describe(s), err)
	}
	return nil
}
