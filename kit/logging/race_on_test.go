//go:build race

package logging

// raceEnabled is true under the race detector, whose instrumentation
// allocates on its own and makes allocation counts meaningless.
const raceEnabled = true
