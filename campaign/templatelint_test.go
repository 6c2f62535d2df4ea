package campaign

import (
	"strings"
	"testing"
)

func TestLintTemplateBlocksWhatEveryNoteWouldHave(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		template  string
		maxLength int
		// wantRules are the blocking findings' rules, in order.
		wantRules []string
	}{
		{"the sample's template", "Hi {{first_name}}, I liked what {{company|your team}} is building and would be glad to connect.", 300, nil},
		{"empty template sends without a note", "", 200, nil},
		{"another column without fallback", "Hi {{first_name}}, see you at {{event}}.", 200, nil},
		{"a link", "Hi {{first_name}}, see acme.com/jobs", 300, []string{RuleLink}},
		{"unclosed braces", "Hi {{first_name, glad to connect", 300, []string{RulePlaceholder}},
		{"too long once filled in", strings.Repeat("x", 180) + " {{first_name}} {{last_name}} at {{company}}", 200, []string{RuleLength}},
		{"no limit known", strings.Repeat("x", 400), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			_, _, findings := LintTemplate(tt.template, tt.maxLength)
			for _, f := range findings {
				if f.Blocking {
					got = append(got, f.Rule)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.wantRules, ",") {
				t.Errorf("blocking rules: got %v, want %v", got, tt.wantRules)
			}
		})
	}
}
