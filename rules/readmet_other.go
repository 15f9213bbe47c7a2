//go:build !amd64 || purego

package rules

// readMet is readMetGo where no assembly is built: other architectures,
// and amd64 with the purego build tag.
func readMet(s string, i int, known []keyGuess, j int, met *[maxKnownNames]memberAt) (ni, nj, v, n int) {
	return readMetGo(s, i, known, j, met)
}
