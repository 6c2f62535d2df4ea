package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUnknownKeyPointsToTheDesign: a key the file should not have is
// answered with where the file's shape is written down.
func TestUnknownKeyPointsToTheDesign(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte("slak: {}\n"), "pacer.yml", env(nil))
	if err == nil || !strings.Contains(err.Error(), "docs/DESIGN.md") {
		t.Errorf("got %v, want it to point to docs/DESIGN.md", err)
	}
}

// TestMessagesPointInsideTheRepository: every document or example that
// Pacer's code names in a string (an error message, a hint) is in the
// repository, so that the checkout stands alone.
func TestMessagesPointInsideTheRepository(t *testing.T) {
	t.Parallel()
	root := ".."
	literal := regexp.MustCompile("(?:\"[^\"\\n]*\"|`[^`]*`)")
	path := regexp.MustCompile(`(?:\.\./)*\b(?:docs|examples|shared)/[\w./-]+\.(?:md|yml|yaml|csv)`)
	found := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, lit := range literal.FindAllString(string(src), -1) {
			for _, ref := range path.FindAllString(lit, -1) {
				found++
				if strings.HasPrefix(ref, "../") || strings.HasPrefix(ref, "shared/") {
					t.Errorf("%s names %s, outside the repository", p, ref)
					continue
				}
				if _, err := os.Stat(filepath.Join(root, ref)); err != nil {
					t.Errorf("%s names %s, which the repository does not have", p, ref)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Error("no document named in any message: the test looks in the wrong place")
	}
}
