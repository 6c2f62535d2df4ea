package pacer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The architecture test keeps docs/ARCHITECTURE.md true: it reads the
// table of parts from the document, lists the module's import graph with
// `go list`, and fails on an import the table does not allow.

const (
	modulePath   = "github.com/pacerhq/pacer"
	architecture = "docs/ARCHITECTURE.md"
)

// part is one row of the table: a name, the packages it holds, and the parts
// its packages may import.
type part struct {
	name      string
	packages  []string // "models", or "integrations/..." for a subtree
	mayImport []string // part names; "*" for every part but cmd
}

// holds reports whether pkg (relative to the module) belongs to the part.
func (p part) holds(pkg string) bool {
	for _, pattern := range p.packages {
		if tree, ok := strings.CutSuffix(pattern, "/..."); ok {
			if pkg == tree || strings.HasPrefix(pkg, tree+"/") {
				return true
			}
		} else if pkg == pattern {
			return true
		}
	}
	return false
}

// allows reports whether the part may import a package of part other.
func (p part) allows(other string) bool {
	if other == p.name || slices.Contains(p.mayImport, other) {
		return true
	}
	return slices.Contains(p.mayImport, "*") && other != "cmd"
}

var codeRE = regexp.MustCompile("`([^`]+)`")

// readParts reads the table under "## The parts".
func readParts(doc string) ([]part, error) {
	_, table, ok := strings.Cut(doc, "## The parts")
	if !ok {
		return nil, errors.New(`no "## The parts" section`)
	}
	var parts []part
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue // not a row of parts
		}
		var p part
		for i, cell := range cells[1:4] {
			var codes []string
			for _, m := range codeRE.FindAllStringSubmatch(cell, -1) {
				codes = append(codes, m[1])
			}
			switch i {
			case 0:
				if len(codes) != 1 {
					return nil, fmt.Errorf("row %q: name one part", line)
				}
				p.name = codes[0]
			case 1:
				p.packages = codes
			case 2:
				p.mayImport = codes
			}
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return nil, errors.New("the table of parts has no rows")
	}
	return parts, nil
}

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath string
	GoFiles    []string
	Imports    []string
}

// importGraph lists the module's packages with their imports of the
// module's own packages, relative to the module path. Packages with no
// non-test Go files (this test's own) are left out.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		if len(p.GoFiles) == 0 {
			continue
		}
		var ours []string
		for _, imp := range p.Imports {
			if rel, ok := relative(imp); ok {
				ours = append(ours, rel)
			}
		}
		rel, _ := relative(p.ImportPath)
		graph[rel] = ours
	}
	return graph
}

func relative(importPath string) (string, bool) {
	if importPath == modulePath {
		return ".", true
	}
	return strings.CutPrefix(importPath, modulePath+"/")
}

// violations checks every package and import of graph against parts and
// returns one line per breach, sorted.
func violations(parts []part, graph map[string][]string) []string {
	partOf := func(pkg string) (part, bool) {
		for _, p := range parts {
			if p.holds(pkg) {
				return p, true
			}
		}
		return part{}, false
	}
	var out []string
	for pkg, imports := range graph {
		from, ok := partOf(pkg)
		if !ok {
			out = append(out, fmt.Sprintf("%s belongs to no part: add it to a row of %s", pkg, architecture))
			continue
		}
		for _, imp := range imports {
			to, ok := partOf(imp)
			if !ok {
				continue // reported as a package of its own
			}
			if !from.allows(to.name) {
				out = append(out, fmt.Sprintf("%s (part %s) imports %s (part %s); %s may import only %s",
					pkg, from.name, imp, to.name, from.name, orNone(from.mayImport)))
			}
		}
	}
	slices.Sort(out)
	return out
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "its own part"
	}
	return strings.Join(names, ", ")
}

// loadParts reads the table of parts from docs/ARCHITECTURE.md.
func loadParts(t *testing.T) []part {
	t.Helper()
	doc, err := os.ReadFile(architecture)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := readParts(string(doc))
	if err != nil {
		t.Fatalf("%s: %v", architecture, err)
	}
	return parts
}

// TestArchitecture fails when an import breaks docs/ARCHITECTURE.md.
func TestArchitecture(t *testing.T) {
	t.Parallel()
	parts := loadParts(t)
	names := map[string]bool{}
	for _, p := range parts {
		names[p.name] = true
	}
	for _, p := range parts {
		for _, other := range p.mayImport {
			if other != "*" && !names[other] {
				t.Errorf("%s: part %s may import %q, which is no part", architecture, p.name, other)
			}
		}
	}
	if v := violations(parts, importGraph(t)); len(v) > 0 {
		t.Errorf("imports that break %s:\n%s", architecture, strings.Join(v, "\n"))
	}
}

// TestViolations shows the checker catches each kind of breach, on a small
// graph and the real table.
func TestViolations(t *testing.T) {
	t.Parallel()
	parts := loadParts(t)
	tests := []struct {
		name  string
		graph map[string][]string
		want  []string
	}{
		{"allowed arrows", map[string][]string{
			"bot": {"campaign", "models", "pacertype"}, "bot/console": {"bot"},
			"integrations/hubspot": {"integrations", "integrations/httpclient", "models"},
			"cmd/pacer":            {"bot", "executor/runner", "examples"},
		}, nil},
		{"models imports bot", map[string][]string{"models": {"config", "bot"}},
			[]string{"models (part models) imports bot (part bot); models may import only config, pacertype"}},
		{"the vocabulary imports config", map[string][]string{"pacertype": {"config"}},
			[]string{"pacertype (part pacertype) imports config (part config); pacertype may import only its own part"}},
		{"a site imports bot", map[string][]string{"executor/linkedin": {"executor", "bot"}},
			[]string{"executor/linkedin (part sites) imports bot (part bot); sites may import only executor, pacertype"}},
		{"bot imports the runner", map[string][]string{"bot": {"executor/runner"}},
			[]string{"bot (part bot) imports executor/runner (part runner); bot may import only campaign, config, models, quota, server, pacertype, wording"}},
		{"a package imports cmd", map[string][]string{"e2e": {"cmd/pacer/pacertest"}},
			[]string{"e2e (part e2e) imports cmd/pacer/pacertest (part cmd); e2e may import only its own part"}},
		{"a package in no part", map[string][]string{"util": nil},
			[]string{"util belongs to no part: add it to a row of docs/ARCHITECTURE.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := violations(parts, tt.graph)
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
