package campaign

import (
	"slices"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		note      string
		maxLength int
		want      []string // rules found
		blocking  bool
		mention   string
	}{
		{"clean", "Hi Ada, I enjoyed your talk at Data Council. Would love to connect.", 200, nil, false, ""},
		{"empty", "   ", 200, []string{RuleEmpty}, false, "goes without a note"},
		{"exactly at the limit", strings.Repeat("a", 200), 200, nil, false, ""},
		{"over the free limit", strings.Repeat("a", 201), 200, []string{RuleLength}, true, "201 characters, over the 200"},
		{"paid limit", strings.Repeat("a", 250), 300, nil, false, ""},
		{"over the paid limit", strings.Repeat("a", 301), 300, []string{RuleLength}, true, "cut 1"},
		{"runes not bytes", strings.Repeat("é", 200), 200, nil, false, ""},
		{"emoji count two as on LinkedIn", strings.Repeat("a", 199) + "👋", 200, []string{RuleLength}, true, "201 characters"},
		{"no length check", strings.Repeat("a", 1000), 0, nil, false, ""},
		{"https link", "See https://acme.com/pricing for more", 300, []string{RuleLink}, true, "https://acme.com/pricing"},
		{"http link", "see http://acme.io", 300, []string{RuleLink}, true, "http://acme.io"},
		{"www link", "see www.acme.com.", 300, []string{RuleLink}, true, "www.acme.com"},
		{"bare domain with path", "details at acme.com/x", 300, []string{RuleLink}, true, "acme.com/x"},
		{"bare domain", "I saw acme.de launched", 300, []string{RuleLink}, true, "acme.de"},
		{"short link", "watch bit.ly/3xYz", 300, []string{RuleLink}, true, "bit.ly/3xYz"},
		{"subdomain", "try app.acme.io", 300, []string{RuleLink}, true, "app.acme.io"},
		{"linkedin link", "my post linkedin.com/posts/abc", 300, []string{RuleLink}, true, "linkedin.com/posts/abc"},
		{"email is not a link", "write to ada@acme.com", 300, nil, false, ""},
		{"Node.js is not a link", "I use Node.js and Vue.js daily, e.g. at work; Ph.D. too.", 300, nil, false, ""},
		{"placeholder left", "Hi {{first_name}}", 300, []string{RulePlaceholder}, true, "{{first_name}}"},
		{"unclosed braces", "Hi {{first_name", 300, []string{RulePlaceholder}, true, "unclosed"},
		{"several rules", strings.Repeat("x", 200) + " see acme.com {{event}}", 200, []string{RuleLength, RuleLink, RulePlaceholder}, true, ""},
		{"one finding per link", "see acme.com and www.acme.io", 300, []string{RuleLink, RuleLink}, true, "(www.acme.io)"},
		{"one finding per placeholder", "Hi {{first_name}} of {{company}}", 300, []string{RulePlaceholder, RulePlaceholder}, true, "{{company}} has no value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			findings := Lint(tc.note, tc.maxLength)
			var got []string
			var text []string
			for _, f := range findings {
				got = append(got, f.Rule)
				text = append(text, f.Message)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Lint(%q): got rules %v (%v), want %v", tc.note, got, text, tc.want)
			}
			if b := Blocking(findings); b != tc.blocking {
				t.Errorf("Lint(%q): got blocking %v, want %v", tc.note, b, tc.blocking)
			}
			if tc.mention != "" && !strings.Contains(strings.Join(text, " | "), tc.mention) {
				t.Errorf("Lint(%q): got %q, want a message mentioning %q", tc.note, text, tc.mention)
			}
		})
	}
}

func TestNotesPerMonthFindingIsPlainAndNotBlocking(t *testing.T) {
	t.Parallel()
	f := NotesPerMonthFinding(5, "June 2026")
	if f.Blocking || f.Rule != RuleNotesPerMonth {
		t.Errorf("got %+v, want a non-blocking %s finding", f, RuleNotesPerMonth)
	}
	if want := "this invitation goes without a note"; !strings.Contains(f.Message, want) {
		t.Errorf("got %q, want it to say %q", f.Message, want)
	}
}

func TestLintTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		template string
		note     string   // the note rendered for the sample prospect
		rules    []string // rules found
		blocking bool
	}{
		{"known columns take the sample prospect's values", "Hi {{first_name|there}}, {{title}} at {{Company}}",
			"Hi Ada, Head of Engineering at Analytical Engines", []string{RuleNoFallback, RuleNoFallback}, false},
		{"other columns take a sample value", "Hi {{first_name|there}}, see you at {{event|the meetup}}",
			"Hi Ada, see you at sample event", nil, false},
		{"a repeated placeholder is reported once", "{{first_name}} {{first_name}}", "Ada Ada", []string{RuleNoFallback}, false},
		{"the sample note still blocks on a link", "Hi {{first_name|there}}, see acme.com", "Hi Ada, see acme.com", []string{RuleLink}, true},
		{"and on its length", strings.Repeat("x", 198) + " {{first_name|x}}", strings.Repeat("x", 198) + " Ada", []string{RuleLength}, true},
		{"plain text is linted as it is", "Hi there", "Hi there", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			note, _, findings := LintTemplate(tc.template, 200)
			if note != tc.note {
				t.Errorf("note: got %q, want %q", note, tc.note)
			}
			var rules []string
			for _, f := range findings {
				rules = append(rules, f.Rule)
			}
			if !slices.Equal(rules, tc.rules) {
				t.Errorf("rules: got %v (%+v), want %v", rules, findings, tc.rules)
			}
			if b := Blocking(findings); b != tc.blocking {
				t.Errorf("blocking: got %v, want %v", b, tc.blocking)
			}
		})
	}
}
