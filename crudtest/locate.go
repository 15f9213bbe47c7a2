package crudtest

import (
	"fmt"
	"os"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// locations maps rule locations, as the handler logs them, to where the
// statements are written in a Caddyfile.
type locations map[string][]statementLine

// statementLine is one statement of a Caddyfile rule block.
type statementLine struct {
	op, arg string // the statement's first two tokens
	at      string // file:line
}

// locateRules reads the crud directives of a Caddyfile; nil when it
// cannot be read.
func locateRules(file string) locations {
	body, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	blocks, err := caddyfile.Parse(file, body)
	if err != nil {
		return nil
	}
	locs := locations{}
	for _, sb := range blocks {
		for _, seg := range sb.Segments {
			if seg.Directive() == "crud" {
				locs.crud(caddyfile.NewDispenser(seg))
			}
		}
	}
	return locs
}

// crud walks one crud directive.
func (l locations) crud(d *caddyfile.Dispenser) {
	d.Next()
	d.RemainingArgs()
	for n := d.Nesting(); d.NextBlock(n); {
		if d.Val() != "resource" {
			skipLine(d)
			continue
		}
		args := d.RemainingArgs()
		if len(args) == 0 {
			return
		}
		name := args[0]
		for n := d.Nesting(); d.NextBlock(n); {
			phase := d.Val()
			if phase != "before" && phase != "after" && phase != "async" {
				skipLine(d)
				continue
			}
			prefix := fmt.Sprintf("resource %q: %s %s: ", name, phase, strings.Join(d.RemainingArgs(), " "))
			i := 0
			for n := d.Nesting(); d.NextBlock(n); {
				i++
				line := statementLine{op: d.Val(), at: fmt.Sprintf("%s:%d", d.File(), d.Line())}
				if args := d.RemainingArgs(); len(args) > 0 {
					line.arg = args[0]
					if line.arg == "strict" && len(args) > 1 {
						line.arg = args[1]
					}
				}
				for n := d.Nesting(); d.NextBlock(n); {
					skipLine(d)
				}
				key := fmt.Sprintf("%sstatement %d", prefix, i)
				l[key] = append(l[key], line)
			}
		}
	}
}

// skipLine consumes the rest of a line and any block it opens.
func skipLine(d *caddyfile.Dispenser) {
	d.RemainingArgs()
	for n := d.Nesting(); d.NextBlock(n); {
		skipLine(d)
	}
}

// find returns file:line of the statement a rule location names, or "".
// Blocks with the same actions share a location prefix; the statement's
// description, `(op arg...)`, tells them apart.
func (l locations) find(where string) string {
	key, desc, _ := strings.Cut(where, " (")
	cands := l[key]
	desc = strings.TrimSuffix(desc, ")")
	for _, c := range cands {
		arg := strings.Trim(c.arg, "`\"-")
		if len(arg) > 20 {
			arg = arg[:20]
		}
		if strings.HasPrefix(desc, c.op) && strings.Contains(desc, arg) {
			return c.at
		}
	}
	if len(cands) > 0 {
		return cands[0].at
	}
	return ""
}
