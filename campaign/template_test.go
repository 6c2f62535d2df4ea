package campaign

import (
	"slices"
	"testing"
)

func TestTemplateRender(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"first_name": "Ada", "company": "Analytical Engines", "event": "Data Council", "blank": "  "}
	tests := []struct {
		name, tmpl, want string
		missing          []string
	}{
		{"plain", "Hi {{first_name}}!", "Hi Ada!", nil},
		{"spaces inside braces", "Hi {{ first_name }}!", "Hi Ada!", nil},
		{"any column", "Loved your talk at {{event}}.", "Loved your talk at Data Council.", nil},
		{"column name spelled as header", "Hi {{First Name}}", "Hi Ada", nil},
		{"fallback unused", "at {{company|your team}}", "at Analytical Engines", nil},
		{"fallback used", "Hi {{last_name|there}}", "Hi there", nil},
		{"fallback with spaces", "at {{title | your role }}.", "at your role.", nil},
		{"blank value takes fallback", "{{blank|fallback}}", "fallback", nil},
		{"empty fallback", "Hi{{nickname|}}!", "Hi!", nil},
		{"missing without fallback", "Hi {{nickname}}, at {{company}}", "Hi {{nickname}}, at Analytical Engines", []string{"nickname"}},
		{"unclosed braces stay", "Hi {{first_name", "Hi {{first_name", nil},
		{"empty braces stay", "Hi {{}}", "Hi {{}}", nil},
		{"single braces are text", "Hi {first_name}", "Hi {first_name}", nil},
		{"trimmed", "  Hi {{first_name}}  ", "Hi Ada", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, missing := ParseTemplate(tc.tmpl).Render(vars)
			if got != tc.want {
				t.Errorf("Render(%q): got %q, want %q", tc.tmpl, got, tc.want)
			}
			if !slices.Equal(missing, tc.missing) {
				t.Errorf("Render(%q): got missing %v, want %v", tc.tmpl, missing, tc.missing)
			}
		})
	}
}

func TestTemplateIsEmpty(t *testing.T) {
	t.Parallel()
	for tmpl, want := range map[string]bool{"": true, "   ": true, "Hi": false, "{{first_name}}": false} {
		if got := ParseTemplate(tmpl).IsEmpty(); got != want {
			t.Errorf("ParseTemplate(%q).IsEmpty(): got %v, want %v", tmpl, got, want)
		}
	}
}
