package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerignore: the image's build context leaves out a local run's
// database and the build output, and keeps what the build needs.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	// ignored applies Docker's rules as far as these patterns use them: a
	// pattern matches a path or one of its parent directories, and **/
	// matches any number of directories.
	ignored := func(path string) bool {
		for _, p := range patterns {
			for dir := path; dir != "."; dir = filepath.Dir(dir) {
				if ok, _ := filepath.Match(p, dir); ok {
					return true
				}
				if rest, found := strings.CutPrefix(p, "**/"); found {
					if ok, _ := filepath.Match(rest, filepath.Base(dir)); ok {
						return true
					}
				}
			}
		}
		return false
	}
	for _, path := range []string{"data/pacer.db", "data/pacer.db-wal", "bin/pacer", "pacer", "bench.out", "campaign/campaign.test", "cpu.prof", ".git/HEAD"} {
		if !ignored(path) {
			t.Errorf("%s goes into the image's build context", path)
		}
	}
	for _, path := range []string{"go.mod", "go.sum", "cmd/pacer/main.go", "executor/linkedin/selectors.yaml", "executor/linkedin/probe.js",
		"executor/sim/assets", "examples/pacer.yml", "examples/prospects.csv"} {
		if ignored(path) {
			t.Errorf("%s, which the build needs, is left out of the build context", path)
		}
		if _, err := os.Stat(filepath.Join("..", "..", path)); err != nil {
			t.Errorf("%s: %v (the test's list of what the build needs is out of date)", path, err)
		}
	}
}
