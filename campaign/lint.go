package campaign

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
)

// Lint rules, as Finding.Rule names them.
const (
	// RuleLength: the note is longer than the sending account allows.
	RuleLength = "length"
	// RuleLink: the note holds a URL or a domain; LinkedIn flags invitations
	// with links as spam.
	RuleLink = "link"
	// RulePlaceholder: a placeholder has no value and no fallback, or braces
	// are left unclosed.
	RulePlaceholder = "placeholder"
	// RuleEmpty: the note is empty; the invitation goes without one.
	RuleEmpty = "empty"
	// RuleNotesPerMonth: a free account has used its personalized notes for
	// the month; the invitation goes without its note.
	RuleNotesPerMonth = "notes_per_month"
)

// Finding is one problem of a note. A blocking finding keeps the note from
// being sent as it is; the others say what will happen.
type Finding struct {
	Rule     string `json:"rule"`
	Blocking bool   `json:"blocking"`
	Message  string `json:"message"`
}

// Blocking reports whether any finding is blocking.
func Blocking(findings []Finding) bool {
	for _, f := range findings {
		if f.Blocking {
			return true
		}
	}
	return false
}

// NoteLength counts a note as LinkedIn's invitation form does: in UTF-16
// code units, so an accented letter counts one and most emoji count two.
// Bytes never matter.
func NoteLength(note string) int {
	n := 0
	for _, r := range note {
		n += utf16.RuneLen(r)
	}
	return n
}

// Lint checks a rendered note. maxLength is the sending account's note
// length limit (200 free, 300 paid); 0 skips the check. The notes-per-month
// rule depends on the account's usage: the proposer adds it (see
// NotesPerMonthFinding).
func Lint(note string, maxLength int) []Finding {
	var out []Finding
	if strings.TrimSpace(note) == "" {
		return append(out, Finding{Rule: RuleEmpty, Message: "the note is empty: the invitation goes without a note"})
	}
	if n := NoteLength(note); maxLength > 0 && n > maxLength {
		out = append(out, Finding{Rule: RuleLength, Blocking: true,
			Message: fmt.Sprintf("the note has %d characters, over the %d this account allows; cut %d", n, maxLength, n-maxLength)})
	}
	if links := findLinks(note); len(links) > 0 {
		out = append(out, Finding{Rule: RuleLink, Blocking: true,
			Message: fmt.Sprintf("the note holds a link (%s); LinkedIn flags invitations with links as spam, so remove it", strings.Join(links, ", "))})
	}
	if ph := placeholders(note); len(ph) > 0 {
		out = append(out, Finding{Rule: RulePlaceholder, Blocking: true,
			Message: fmt.Sprintf("%s has no value for this prospect; give it a fallback like {{company|your team}}, or edit the note", strings.Join(ph, ", "))})
	}
	return out
}

// NotesPerMonthFinding says plainly that the invitation goes without its
// note because the free account's notes for the month are used.
func NotesPerMonthFinding(limit int, month string) Finding {
	return Finding{Rule: RuleNotesPerMonth,
		Message: fmt.Sprintf("no personalized note left for %s (a free account has %d a month): this invitation goes without a note", month, limit)}
}

var (
	// schemeLink and wwwLink catch links written in full.
	schemeLink = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://\S+`)
	wwwLink    = regexp.MustCompile(`(?i)\bwww\.\S+`)
	// bareDomain catches "acme.com" and "acme.com/x". The TLDs are a list
	// rather than any letters, so that "Node.js" or "Ph.D." pass; the prefix
	// group keeps email addresses ("ada@acme.com") out.
	bareDomain = regexp.MustCompile(`(?i)(?:^|[^@\w.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+` +
		`(?:com|net|org|io|co|ai|app|dev|me|info|biz|xyz|tech|cloud|online|site|shop|store|ly|gl|gy|to|tv|fm|gg|` +
		`link|page|news|blog|email|agency|digital|ventures|capital|studio|design|works|team|world|global|group|` +
		`solutions|consulting|company|network|social|jobs|careers|` +
		`de|fr|uk|nl|ch|at|es|it|pl|se|no|dk|fi|eu|us|ca|au|in|jp|cn|ru|br|mx|ie|pt|cz|sk|hu|ro|gr|tr|il|za|sg|` +
		`hk|nz|kr|tw|ar|cl|lu|li|is|ee|lv|lt|be)\b(?:/\S*)?)`)
	placeholderPattern = regexp.MustCompile(`\{\{[^{}]*\}\}`)
)

// findLinks returns the links of a note, as written, trailing punctuation
// trimmed.
func findLinks(note string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimRight(s, ".,;:!?)]}'\"")
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, m := range schemeLink.FindAllString(note, -1) {
		add(m)
	}
	for _, m := range wwwLink.FindAllString(note, -1) {
		add(m)
	}
	for _, m := range bareDomain.FindAllStringSubmatch(note, -1) {
		covered := false
		for s := range seen {
			if strings.Contains(s, m[1]) {
				covered = true
			}
		}
		if !covered {
			add(m[1])
		}
	}
	return out
}

// placeholders returns what is left of placeholders in a rendered note:
// "{{event}}" and unpaired braces.
func placeholders(note string) []string {
	out := placeholderPattern.FindAllString(note, -1)
	rest := placeholderPattern.ReplaceAllString(note, "")
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		out = append(out, "an unclosed {{ or }}")
	}
	return out
}
