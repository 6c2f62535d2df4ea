package pacertype_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/pacertype"
)

// sameSpelling lists the words of the vocabulary that other packages also
// use with another meaning, so a literal of them elsewhere is not a second
// spelling of ours. Keep it short: each entry needs its reason.
var sameSpelling = map[string]string{
	string(pacertype.OutcomeDone): "also an action's and an enrollment's state (models), and a delivery verdict (integrations)",
	pacertype.FinderNone:          "a common word",
}

// otherTongues lists the files and directories that speak an outside
// system's language, whose words may be spelled like ours.
var otherTongues = map[string]string{
	"executor/sim":                          "the simulated LinkedIn names its own pages and statuses",
	"bot/console/webapi.go":                 "Slack's Web API error codes, as the console imitates them",
	"integrations/finder/hunter/huntertest": "Hunter's API error codes, as the fake imitates them",
}

// vocabulary returns every word of the package, each with where it comes
// from, for the failure message.
func vocabulary() map[string]string {
	words := map[string]string{}
	for _, t := range append(pacertype.EventTypes(), pacertype.InternalEventTypes()...) {
		words[string(t)] = "an event type"
	}
	for _, o := range pacertype.Outcomes() {
		words[string(o)] = "an outcome"
	}
	for _, r := range pacertype.Reasons() {
		words[r] = "an account event reason"
	}
	for _, f := range pacertype.EmailFinders() {
		words[f] = "an email finder"
	}
	for w := range sameSpelling {
		delete(words, w)
	}
	return words
}

// literalsIn returns the string literals of a Go source file that are words
// of the vocabulary, as "file:line: …" lines. Import paths and struct tags
// are not code that spells a word, so they are left out.
func literalsIn(fset *token.FileSet, file *ast.File, words map[string]string) []string {
	skip := map[*ast.BasicLit]bool{}
	for _, imp := range file.Imports {
		skip[imp.Path] = true
	}
	var found []string
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			if n.Tag != nil {
				skip[n.Tag] = true
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING || skip[n] {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				return true
			}
			if what, ok := words[s]; ok {
				found = append(found, fset.Position(n.Pos()).String()+": "+strconv.Quote(s)+" is "+what+"; use its pacertype constant")
			}
		}
		return true
	})
	return found
}

// TestNoLiteralOutside fails when a word of the vocabulary is spelled as a
// string literal in a non-test Go file outside this package: there must be
// one spelling, so that adding or finding a word is one place. Tests may
// spell the values: they pin what is stored and sent.
func TestNoLiteralOutside(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	words := vocabulary()
	fset := token.NewFileSet()
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if _, ok := otherTongues[filepath.ToSlash(rel)]; ok {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			name := d.Name()
			if path == here || name == "testdata" || name == "vendor" || (path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		file, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, f := range literalsIn(fset, file, words) {
			rel, _ := filepath.Rel(root, f)
			found = append(found, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("%d literals spell pacertype's words outside it:\n%s", len(found), strings.Join(found, "\n"))
	}
}

// TestLiteralsIn shows the scanner finds a spelled word and passes over an
// import path, a struct tag, and a literal that only contains a word.
func TestLiteralsIn(t *testing.T) {
	t.Parallel()
	src := `package p

import "invite.sent"

type T struct {
	Outcome string ` + "`json:\"already_connected\"`" + `
}

var a = "invite.sent events"
var b = "invite.sent"
var c = f("already_connected")
`
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := literalsIn(fset, file, vocabulary())
	want := []string{
		`p.go:10:9: "invite.sent" is an event type; use its pacertype constant`,
		`p.go:11:11: "already_connected" is an outcome; use its pacertype constant`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("literalsIn:\n got %q\nwant %q", got, want)
	}
}

// TestOtherTonguesExist keeps the exemptions honest: one whose path is gone
// must be removed.
func TestOtherTonguesExist(t *testing.T) {
	t.Parallel()
	for path := range otherTongues {
		if _, err := os.Stat(filepath.Join("..", path)); err != nil {
			t.Errorf("otherTongues names %s: %v; remove the entry", path, err)
		}
	}
}
