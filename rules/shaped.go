package rules

import (
	"strings"

	"github.com/tidwall/gjson"
)

// shaped runs the record statements on one record of a before phase: a
// patch or an operator body as the fields it writes, any other record as
// it is. Nothing the rules cannot read as fields goes on: a rejection is
// left in r.res.
func (r *beforeRun) shaped(raw []byte, index int, patch bool) ([]byte, bool, error) {
	var sh *shape
	detail := ""
	r.fields.resetIndexed(unsafeString(raw), r.in.Index) // scanned here (or by the request check) when it may be an operator body, and read by the statements
	operators := !patch && r.fields.operatorKeys()
	if r.in.LoadOld != nil && (patch || operators) {
		// what copy, move and the computing operators write is read from old
		if err := r.loadOld(); err != nil {
			return raw, false, err
		}
	}
	switch {
	case patch:
		sh, detail = readPatch(parse(raw), r.oldJSON())
	case operators:
		sh, detail = readOperators(parse(raw), r.oldJSON())
	default:
		if f := r.p.operatorValue(raw, r.in.Index); f != "" {
			return r.refuse("the value of " + f + " is an operator object")
		}
		return r.record(raw, index) // on the fields set above
	}
	if detail != "" {
		return r.refuse(detail)
	}
	sh.fold = r.p.fold
	if f := sh.unreadable(r.p); f != nil {
		return r.refuse("the request writes " + strings.Join(f, ".") + " with a value the rules cannot read")
	}
	view := sh.view()
	if f := r.p.operatorValue(view, nil); f != "" {
		return r.refuse("the value of " + f + " is an operator object")
	}
	r.shape = sh
	_, _, err := r.record(view, index)
	r.shape = nil
	if err != nil || r.res.Reject != nil || !sh.changed {
		return raw, false, err
	}
	return sh.body.encode(nil, sh.writes), true, nil
}

// refuse leaves a 400 for a body the rules cannot read.
func (r *beforeRun) refuse(detail string) ([]byte, bool, error) {
	r.res.Reject = &Rejection{Status: 400, Detail: detail}
	return nil, false, nil
}

// isPatch reports whether the body is a JSON Patch: by its media type, or
// as the body of an update that is an array of operations.
func isPatch(in *Input, body []byte, root gjson.Result) bool {
	return len(body) > 0 && (in.JSONPatch || in.Action == "update" && looksLikePatch(root))
}

// readTree joins the fields the statements of p read or write by name
// (expressions' record.x, protect, only, set, default, transform).
func readTree(p *Program) *pathTree {
	var paths []Path
	for _, keys := range p.record.paths {
		paths = append(paths, keyPath(keys))
	}
	for _, s := range p.stmts {
		switch s.op {
		case opProtect, opOnly:
			paths = append(paths, s.paths...)
		case opSet, opDefault, opTransform:
			paths = append(paths, s.path)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	return buildPathTree(paths, p.fold)
}

// operatorValue returns the field of the record raw a statement reads
// whose value is an operator object ({"$ne": ...}), or "". ix tells,
// when it indexed raw, that raw holds no escape (no \u0024 to look for).
func (p *Program) operatorValue(raw []byte, ix *BodyIndex) string {
	if p.fieldReads == nil && !p.record.whole {
		return ""
	}
	s := unsafeString(raw)
	if strings.IndexByte(s, '$') < 0 && (ix.unescaped(s) || !strings.Contains(s, `\u0024`)) {
		return ""
	}
	return operatorIn(parse(raw), p.fieldReads, p.record.whole, nil)
}

// operatorIn looks for an object with a $ key at what t selects in v (at
// any depth when all), v being at the path at.
func operatorIn(v gjson.Result, t *pathTree, all bool, at []string) string {
	if !v.IsObject() && !v.IsArray() {
		return ""
	}
	if len(at) > 0 && v.IsObject() && hasDollarKey(v) {
		return strings.Join(at, ".")
	}
	found := ""
	array := v.IsArray()
	v.ForEach(func(k, c gjson.Result) bool {
		if array { // a named path applies to each element
			found = operatorIn(c, t, all, at)
			return found == ""
		}
		next := append(at[:len(at):len(at)], k.Str)
		if all {
			found = operatorIn(c, nil, true, next)
			return found == ""
		}
		if t == nil {
			return false
		}
		named, star := t.lookup(k.Str)
		for _, n := range [2]*pathTree{named, star} {
			if n != nil && found == "" {
				found = operatorIn(c, n, n.leaf, next)
			}
		}
		return found == ""
	})
	return found
}

func hasDollarKey(obj gjson.Result) bool {
	found := false
	obj.ForEach(func(k, _ gjson.Result) bool {
		found = strings.HasPrefix(k.Str, "$") && !isIndex(k.Str) // not a positional $ or $[]
		return !found
	})
	return found
}
