package campaign

import (
	"strings"
	"unicode"

	"github.com/pacerhq/pacer/config"
)

// Template is a note template: text with placeholders such as
// {{first_name}}, {{company|your team}} (a fallback after the bar), any
// column of the import ({{event}}) or a field of the sending account
// ({{sender_first_name}}, see SenderVars). Names are matched as import
// columns are named: case, spaces and hyphens do not matter ({{First Name}}
// is {{first_name}}); a name written as a Go template field path is read
// the same way ({{.Sender.FirstName}} is {{sender_first_name}}).
type Template struct {
	parts []templatePart
}

type templatePart struct {
	text        string // literal text, or the placeholder as written
	name        string // "" for literal text
	fallback    string
	hasFallback bool
}

// ParseTemplate reads a template. It never fails: an unclosed "{{" stays in
// the text, where Lint reports it.
func ParseTemplate(src string) Template {
	var t Template
	for src != "" {
		open := strings.Index(src, "{{")
		if open < 0 {
			t.parts = append(t.parts, templatePart{text: src})
			break
		}
		end := strings.Index(src[open+2:], "}}")
		if end < 0 {
			t.parts = append(t.parts, templatePart{text: src})
			break
		}
		if open > 0 {
			t.parts = append(t.parts, templatePart{text: src[:open]})
		}
		raw := src[open : open+2+end+2]
		inner := src[open+2 : open+2+end]
		name, fallback, hasFallback := strings.Cut(inner, "|")
		p := templatePart{text: raw, name: placeholderName(name), fallback: strings.TrimSpace(fallback), hasFallback: hasFallback}
		if p.name == "" {
			p = templatePart{text: raw} // "{{}}" stays as written; Lint reports it
		}
		t.parts = append(t.parts, p)
		src = src[open+2+end+2:]
	}
	return t
}

// IsEmpty reports whether the template has no text at all: the campaign
// sends its invitations without a note.
func (t Template) IsEmpty() bool {
	for _, p := range t.parts {
		if strings.TrimSpace(p.text) != "" {
			return false
		}
	}
	return true
}

// Render fills the placeholders from vars (keys are column names as
// ColumnName writes them, such as "first_name"). A placeholder whose value is missing or blank takes its
// fallback; without one it stays as written, and its name is returned in
// missing. The result is trimmed.
func (t Template) Render(vars map[string]string) (note string, missing []string) {
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.name == "":
			b.WriteString(p.text)
		case strings.TrimSpace(vars[p.name]) != "":
			b.WriteString(strings.TrimSpace(vars[p.name]))
		case p.hasFallback:
			b.WriteString(p.fallback)
		default:
			b.WriteString(p.text)
			missing = append(missing, p.name)
		}
	}
	return strings.TrimSpace(b.String()), missing
}

// placeholderName is the column name a placeholder stands for. A Go-style
// field path (".Sender.FirstName") has its words split at capitals first.
func placeholderName(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, ".") {
		return ColumnName(s)
	}
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		if unicode.IsUpper(r) && prevLower {
			b.WriteByte(' ')
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		b.WriteRune(r)
	}
	return ColumnName(b.String())
}

// SenderVars are the sending account's fields as templates name them:
// sender_first_name, sender_last_name and sender_name (both). Empty
// fields are left out, so that a placeholder without a value is reported
// as any missing value is.
func SenderVars(a config.Account) map[string]string {
	vars := map[string]string{}
	first, last := strings.TrimSpace(a.FirstName), strings.TrimSpace(a.LastName)
	if first != "" {
		vars["sender_first_name"] = first
	}
	if last != "" {
		vars["sender_last_name"] = last
	}
	if full := strings.TrimSpace(first + " " + last); full != "" {
		vars["sender_name"] = full
	}
	return vars
}

// ColumnName normalizes a column or placeholder name as imports and
// templates use it: lower case, with runs of anything but letters and digits
// turned into one underscore ("First Name" and "first-name" are
// "first_name"). Render's vars are keyed by such names.
func ColumnName(s string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if underscore && b.Len() > 0 {
				b.WriteByte('_')
			}
			underscore = false
			b.WriteRune(r)
			continue
		}
		underscore = true
	}
	return b.String()
}
