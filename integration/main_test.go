package integration

import (
	"flag"
	"os"
	"testing"
)

// TestMain lets the tests, which mostly wait on simulated providers, run
// side by side even on a two-core machine (go test's default -parallel is
// GOMAXPROCS). An explicit -test.parallel wins.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "32")
	}
	os.Exit(m.Run())
}
