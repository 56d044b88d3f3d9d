package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// packageDirs lists every directory of the module that holds Go files.
func packageDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if dir := filepath.Dir(path); !d.IsDir() && strings.HasSuffix(path, ".go") && !seen[dir] {
			seen[dir] = true
			dirs = append(dirs, filepath.ToSlash(dir))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// A clone has only what is in the repository: no comment or document may
// send the reader to ../shared, and every relative link resolves.
func TestDocsPointInsideTheRepo(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#:]+)(#[^)]*)?\)`)
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".md")) || path == "docs_test.go" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(data)
		if strings.Contains(text, "shared/") {
			t.Errorf("%s points at shared/, which a clone does not have: point at docs/ instead", path)
		}
		if strings.HasSuffix(path, ".md") {
			for _, m := range link.FindAllStringSubmatch(text, -1) {
				if _, err := os.Stat(filepath.Join(filepath.Dir(path), m[1])); err != nil {
					t.Errorf("%s links to %s, which does not exist", path, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// docs/architecture.md gives every package a line, and the README's
// layout names every one.
func TestEveryPackageIsDocumented(t *testing.T) {
	arch, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	layout := string(readme)
	if i := strings.Index(layout, "## Development"); i >= 0 {
		layout = layout[i:]
	}
	for _, dir := range packageDirs(t) {
		if dir == "." {
			continue // main: its files are named
		}
		if !strings.Contains(string(arch), "`"+dir+"`") {
			t.Errorf("docs/architecture.md has no line for package %s", dir)
		}
		if !strings.Contains(layout, "`"+dir) && !strings.Contains(layout, "`"+filepath.Base(dir)+"`") {
			t.Errorf("the README's layout does not name package %s", dir)
		}
	}
}
