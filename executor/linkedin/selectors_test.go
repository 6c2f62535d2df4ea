package linkedin

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseAge(t *testing.T) {
	t.Parallel()
	s := DefaultSelectors()
	day := 24 * time.Hour
	tests := []struct {
		text      string
		want      time.Duration
		wantKnown bool
	}{
		{"Sent today", 0, true},
		{"Sent yesterday", day, true},
		{"Sent 1 day ago", day, true},
		{"Sent 3 days ago", 3 * day, true},
		{"Sent a week ago", 7 * day, true},
		{"Sent 3 weeks ago", 21 * day, true},
		{"  Sent   2 months ago ", 60 * day, true},
		{"Sent 5 hours ago", 5 * time.Hour, true},
		{"Gesendet vor 3 Wochen", 21 * day, true},
		{"Gesendet vor einem Monat", 30 * day, true},
		{"Sent recently", 0, false},
		{"", 0, false},
		{"3 weeks", 0, false},
		{"Sent 3 fortnights ago", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, known := s.parseAge(tt.text)
			if got != tt.want || known != tt.wantKnown {
				t.Errorf("parseAge(%q) = %v, %v; want %v, %v", tt.text, got, known, tt.want, tt.wantKnown)
			}
		})
	}
}

func TestParseConnectedOn(t *testing.T) {
	t.Parallel()
	s := DefaultSelectors()
	tests := []struct {
		text     string
		wantText string
		want     time.Time
	}{
		{"Connected on March 3, 2026", "Connected on March 3, 2026", time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		{"Connected on Mar 3, 2026", "Connected on Mar 3, 2026", time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		{"Connected on sometime", "Connected on sometime", time.Time{}},
		{"Vernetzt am 3.3.2026", "Vernetzt am 3.3.2026", time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		{"Message", "", time.Time{}},
	}
	for _, tt := range tests {
		gotText, got := s.parseConnectedOn(tt.text)
		if gotText != tt.wantText || !got.Equal(tt.want) {
			t.Errorf("parseConnectedOn(%q) = %q, %v; want %q, %v", tt.text, gotText, got, tt.wantText, tt.want)
		}
	}
}

func TestLoadSelectors(t *testing.T) {
	t.Parallel()
	write := func(body string) string {
		p := filepath.Join(t.TempDir(), "selectors.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s, err := LoadSelectors(write(`
selectors:
  topcard: section[data-view-name="profile-top-card"]
labels:
  fr:
    more: [Plus]
    connect: [Se connecter]
    invite: ["Inviter {name} à se connecter"]
    write_with_ai: [Écrire avec l’IA]
`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Selectors.Topcard != `section[data-view-name="profile-top-card"]` {
		t.Errorf("topcard = %q, want the override", s.Selectors.Topcard)
	}
	if s.Selectors.MoreButton != DefaultSelectors().Selectors.MoreButton {
		t.Error("a selector the file does not set lost its default")
	}
	cfg := s.script()
	for _, want := range []string{"Se connecter", "Vernetzen", "Connect"} {
		if !slices.Contains(cfg.Labels.Connect, want) {
			t.Errorf("merged connect labels %v lack %q", cfg.Labels.Connect, want)
		}
	}
	if !slices.Contains(cfg.Labels.WriteWithAI, "Écrire avec l’IA") {
		t.Error("the new language's Write with AI label is not refused")
	}

	bad := []struct{ name, body, wantErr string }{
		{"not YAML", "labels: [", "selectors file"},
		{"no topcard", "selectors:\n  topcard: ''\n", "missing selectors.topcard"},
		{"language without write_with_ai", "labels:\n  xx:\n    more: [M]\n    connect: [C]\n    invite: ['I {name}']\n", "write_with_ai is required"},
		{"bad age pattern", "labels:\n  en:\n    more: [More]\n    connect: [Connect]\n    invite: ['Invite {name} to connect']\n    write_with_ai: [Write with AI]\n    sent_age: ['(']\n", "sent_age"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadSelectors(write(tt.body)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadSelectors err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if _, err := LoadSelectors(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file loaded")
	}
}

// The selectors are data, but never hashed class names nor the simulator's
// own wiring.
func TestSelectorsAvoidHashedClassesAndSimWiring(t *testing.T) {
	t.Parallel()
	var lines []string
	for l := range strings.SplitSeq(string(defaultSelectorsYAML), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			lines = append(lines, l)
		}
	}
	raw := strings.Join(lines, "\n")
	for _, bad := range []string{"data-sim", "._", "_84403546", "_6342547c"} {
		if strings.Contains(raw, bad) {
			t.Errorf("selectors.yaml mentions %q", bad)
		}
	}
}

func TestSelectorsAreValidCSS(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	p, err := ss.pageFor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sels []string
	v := reflect.ValueOf(DefaultSelectors().Selectors)
	for i := range v.NumField() {
		switch f := v.Field(i).Interface().(type) {
		case string:
			sels = append(sels, f)
		case []string:
			sels = append(sels, f...)
		}
	}
	res, err := p.Eval(`(sels) => sels.filter((s) => { try { document.querySelectorAll(s); return false } catch (e) { return true } })`, sels)
	if err != nil {
		t.Fatal(err)
	}
	if bad := res.Value.Arr(); len(bad) > 0 {
		t.Errorf("invalid CSS selectors: %v", bad)
	}
}

func TestParseSentCount(t *testing.T) {
	t.Parallel()
	sel := DefaultSelectors()
	for _, tt := range []struct {
		headings []string
		want     int
	}{
		{[]string{"Manage invitations", "People (42)"}, 42},
		{[]string{"Personen (7)"}, 7},
		{[]string{"  People   (0) "}, 0},
		{[]string{"Manage invitations", "People"}, -1},
		{nil, -1},
	} {
		if got := sel.parseSentCount(tt.headings); got != tt.want {
			t.Errorf("parseSentCount(%q) = %d, want %d", tt.headings, got, tt.want)
		}
	}
}

func TestParseConnectionCount(t *testing.T) {
	t.Parallel()
	sel := DefaultSelectors()
	tests := []struct {
		name     string
		headings []string
		want     int
	}{
		{"plain", []string{"12 connections"}, 12},
		{"one", []string{"1 connection"}, 1},
		{"capitalized", []string{"2 Connections"}, 2},
		{"comma", []string{"1,234 connections"}, 1234},
		{"dot", []string{"1.234 connections"}, 1234},
		{"space", []string{"1 234 connections"}, 1234},
		{"no-break space", []string{"1\u00a0234 connections"}, 1234},
		{"narrow no-break space", []string{"29\u202f999 connections"}, 29999},
		{"millions", []string{"1,234,567 connections"}, 1234567},
		{"German", []string{"1.234 Kontakte"}, 1234},
		{"among other headings", []string{"Connections", "Sort by", "  30,000   connections "}, 30000},
		{"no count", []string{"Connections"}, -1},
		{"a profile's rounded count", []string{"500+ connections"}, -1},
		{"ill-grouped digits", []string{"12,34 connections"}, -1},
		{"nothing", nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sel.parseConnectionCount(tt.headings); got != tt.want {
				t.Errorf("parseConnectionCount(%q) = %d, want %d", tt.headings, got, tt.want)
			}
		})
	}
}
