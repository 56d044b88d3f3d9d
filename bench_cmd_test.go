package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBenchCommandRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--lines", "0"},
		{"--accounts", "0"},
		{"--duration", "2s"},
		{"--scale", "-1"},
		{"extra"},
		{"--no-such-flag"},
	} {
		var out, errb bytes.Buffer
		if code := runBench(args, &out, &errb); code != 2 {
			t.Errorf("bench %v: exit %d, want 2", args, code)
		}
		if out.Len() != 0 {
			t.Errorf("bench %v printed a report: %q", args, out.String())
		}
	}
	var out, errb bytes.Buffer
	if code := runBench([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "-duration") {
		t.Errorf("bench --help: exit %d, usage %q", code, errb.String())
	}
}
