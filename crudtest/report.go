package crudtest

import (
	"encoding/json"
	"fmt"
	"io"
)

// Summary counts results.
type Summary struct {
	Passed int       `json:"passed"`
	Failed int       `json:"failed"`
	Cases  []*Result `json:"cases"`
}

// Summarize counts the results.
func Summarize(results []*Result) Summary {
	s := Summary{Cases: results}
	for _, r := range results {
		if r.Passed {
			s.Passed++
		} else {
			s.Failed++
		}
	}
	if s.Cases == nil {
		s.Cases = []*Result{}
	}
	return s
}

// WriteText writes a line per case, what differed for each failure and
// the rule that decided it, then the totals.
func WriteText(w io.Writer, results []*Result) error {
	for _, r := range results {
		status := "ok  "
		if !r.Passed {
			status = "FAIL"
		}
		if _, err := fmt.Fprintf(w, "%s %s:%d: %s\n", status, r.File, r.Line, r.Name); err != nil {
			return err
		}
		if r.Passed {
			continue
		}
		for _, f := range r.Failures {
			fmt.Fprintf(w, "     %s\n", f)
		}
		if r.Rule != "" {
			fmt.Fprintf(w, "     decided by: %s\n", r.Rule)
		}
		for _, c := range r.ChangedBy {
			fmt.Fprintf(w, "     changed by: %s\n", c)
		}
	}
	s := Summarize(results)
	_, err := fmt.Fprintf(w, "%d passed, %d failed\n", s.Passed, s.Failed)
	return err
}

// WriteJSON writes the results as one JSON document: the totals and, per
// case, its result and what happened.
func WriteJSON(w io.Writer, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Summarize(results))
}
