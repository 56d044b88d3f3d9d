//go:build race

package serve_test

// raceOn: the test binary runs under the race detector.
const raceOn = true
