package rules

import "slices"

// hidePlans keeps the steps planHiding found for the records of one run,
// by the hide statements pending on each (their indexes, in order): while
// the records' members meet the same guesses, a record whose hides were
// planned before is rewritten without joining their bits or testing its
// members against them.
type hidePlans struct {
	hides [maxHidePlans][]int32
	steps [maxHidePlans][]hideStep
	cuts  [maxHidePlans][]hideCut // the steps as cuts, when they have that form
	cut   [maxHidePlans]bool
	n     int
	spare []hideStep // the steps of a record planned when every plan is taken
}

// maxHidePlans bounds the plans a run keeps: the combinations of
// conditional hides its records meet, most lists one or two.
const maxHidePlans = 4

// reset forgets the plans: the records' members changed places.
func (h *hidePlans) reset() { h.n = 0 }

// find returns the steps planned for the hide statements at hides, and
// their cuts (nil when they have not that form).
func (h *hidePlans) find(hides []int32) ([]hideStep, []hideCut, bool) {
	for i := range h.n {
		if slices.Equal(h.hides[i], hides) {
			return h.steps[i], h.cutsOf(i), true
		}
	}
	return nil, nil, false
}

// cutsOf returns plan i's cuts, nil when its steps have not that form.
func (h *hidePlans) cutsOf(i int) []hideCut {
	if !h.cut[i] {
		return nil
	}
	return h.cuts[i]
}

// room returns storage for steps, the next plan's when one is free.
func (h *hidePlans) room() []hideStep {
	if h.n < maxHidePlans {
		return h.steps[h.n][:0]
	}
	return h.spare[:0]
}

// done takes back the storage of steps, built in room's, and with keep
// makes them the plan of the hide statements at hides while a plan is
// free; it returns their cuts (nil when they have not that form, or the
// plan is not kept).
func (h *hidePlans) done(hides []int32, steps []hideStep, keep bool) []hideCut {
	if h.n == maxHidePlans {
		h.spare = steps
		return nil
	}
	h.steps[h.n] = steps
	if !keep {
		return nil
	}
	h.hides[h.n] = append(h.hides[h.n][:0], hides...)
	h.cuts[h.n], h.cut[h.n] = planCuts(h.cuts[h.n][:0], steps)
	h.n++
	return h.cutsOf(h.n - 1)
}
