//go:build amd64 && !purego

package rules

// readMet is readMetGo in assembly (readmet_amd64.s), walking the usual
// arrays and objects too: the names compared as two words, strings read 16
// bytes a step with SSE2, which every amd64 has.
//
//go:noescape
func readMet(s string, i int, known []keyGuess, j int, met *[maxKnownNames]memberAt) (ni, nj, v, n int)
