package config

import (
	"os/exec"
	"strings"
	"testing"
)

// gopkg.in/yaml.v3 is archived; its maintained successor keeps the same
// API under go.yaml.in/yaml/v3. No package of the module, its tests or
// their dependencies may bring the old one back.
func TestNoArchivedYAML(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies")
	}
	cmd := exec.Command(gobin, "list", "-e", "-deps", "-test", "switchboard/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "gopkg.in/yaml.") {
			t.Errorf("%s is still imported; use go.yaml.in/yaml/v3", pkg)
		}
	}
}
