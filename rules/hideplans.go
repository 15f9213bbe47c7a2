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
	n     int
	spare []hideStep // the steps of a record planned when every plan is taken
}

// maxHidePlans bounds the plans a run keeps: the combinations of
// conditional hides its records meet, most lists one or two.
const maxHidePlans = 4

// reset forgets the plans: the records' members changed places.
func (h *hidePlans) reset() { h.n = 0 }

// find returns the steps planned for the hide statements at hides.
func (h *hidePlans) find(hides []int32) ([]hideStep, bool) {
	for i := range h.n {
		if slices.Equal(h.hides[i], hides) {
			return h.steps[i], true
		}
	}
	return nil, false
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
// free.
func (h *hidePlans) done(hides []int32, steps []hideStep, keep bool) {
	if h.n == maxHidePlans {
		h.spare = steps
		return
	}
	h.steps[h.n] = steps
	if keep {
		h.hides[h.n] = append(h.hides[h.n][:0], hides...)
		h.n++
	}
}
