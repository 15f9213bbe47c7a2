package crudtest

import (
	"fmt"
	"strings"

	"github.com/caddy-crud/caddy-crud/rules"
)

// shownRecords is how many records a statement's line names for a list.
const shownRecords = 3

// decided describes what one statement did: to the one record, or, for
// a list or bulk body, to its records together (a few named by index).
func decided(steps []rules.Step) string {
	if len(steps) == 1 && steps[0].Index < 0 {
		return stepText(steps[0])
	}
	total := len(steps)
	var order []rules.Decision
	by := map[rules.Decision][]rules.Step{}
	for _, st := range steps {
		if by[st.Decision] == nil {
			order = append(order, st.Decision)
		}
		by[st.Decision] = append(by[st.Decision], st)
	}
	if len(order) == 1 && order[0] == rules.Passed {
		return fmt.Sprintf("passed (%s)", records(total))
	}
	var parts []string
	for _, d := range order {
		group := by[d]
		of := fmt.Sprintf("%d of %s", len(group), records(total))
		switch d {
		case rules.Passed:
			parts = append(parts, "passed "+of)
		case rules.Skipped:
			parts = append(parts, "skipped (condition false) for "+of)
		case rules.Rejected:
			parts = append(parts, fmt.Sprintf("rejected at record %d: %d %s", group[0].Index, group[0].Status, group[0].Detail))
		case rules.Failed:
			parts = append(parts, "failed for "+of+": "+examples(group, func(st rules.Step) string { return st.Field + ": " + st.Detail }))
		case rules.Changed:
			parts = append(parts, fmt.Sprintf("changed field %s in %s: %s", group[0].Field, of, examples(group, func(st rules.Step) string {
				return fmt.Sprintf("[%d] %s -> %s", st.Index, value(st.Before), value(st.After))
			})))
		case rules.Hidden:
			n := 0
			for _, st := range group {
				n += st.Count
			}
			parts = append(parts, fmt.Sprintf("hid %s over %s", fields(n), of))
		case rules.Dropped:
			parts = append(parts, "dropped "+of)
		}
	}
	return strings.Join(parts, "; ")
}

// stepText describes a statement's decision on one record.
func stepText(st rules.Step) string {
	switch st.Decision {
	case rules.Skipped:
		return "skipped (condition false)"
	case rules.Rejected:
		return fmt.Sprintf("rejected: %d %s", st.Status, st.Detail)
	case rules.Failed:
		s := "failed: " + st.Field + ": " + st.Detail
		if st.Count > 1 {
			s += fmt.Sprintf(" (and %d more)", st.Count-1)
		}
		return s
	case rules.Changed:
		if st.Detail == "removed" && st.Count > 1 {
			return "removed fields " + st.Field
		}
		if st.Before == "" && st.After == "" {
			return fmt.Sprintf("changed %d values of %s", st.Count, st.Field)
		}
		return fmt.Sprintf("changed field %s from %s to %s", st.Field, value(st.Before), value(st.After))
	case rules.Hidden:
		return "hid " + fields(st.Count)
	case rules.Dropped:
		return "dropped the record"
	}
	return "passed"
}

// examples describes the first few steps of a group.
func examples(group []rules.Step, text func(rules.Step) string) string {
	var out []string
	for i, st := range group {
		if i == shownRecords {
			out = append(out, fmt.Sprintf("and %d more", len(group)-i))
			break
		}
		out = append(out, text(st))
	}
	return strings.Join(out, ", ")
}

func value(raw string) string {
	if raw == "" {
		return "absent"
	}
	return raw
}

func records(n int) string {
	if n == 1 {
		return "1 record"
	}
	return fmt.Sprintf("%d records", n)
}

func fields(n int) string {
	if n == 1 {
		return "1 field"
	}
	return fmt.Sprintf("%d fields", n)
}
