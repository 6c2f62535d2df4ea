package campaign

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"

	"github.com/pacerhq/pacer/config"
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
	// RuleNoFallback: a template's placeholder has no fallback, so a
	// prospect without its value cannot be sent the note as it is (see
	// LintTemplate).
	RuleNoFallback = "no_fallback"
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
	// One finding per link and per placeholder: each is a separate fix.
	for _, link := range findLinks(note) {
		out = append(out, Finding{Rule: RuleLink, Blocking: true,
			Message: fmt.Sprintf("the note holds a link (%s); LinkedIn flags invitations with links as spam, so remove it", link)})
	}
	for _, ph := range placeholders(note) {
		msg := fmt.Sprintf("%s has no value for this prospect; give it a fallback like {{company|your team}}, or edit the note", ph)
		if ph == unclosedBraces {
			msg = "the note has an unclosed {{ or }}; close the placeholder, as in {{first_name}}, or remove the braces"
		}
		out = append(out, Finding{Rule: RulePlaceholder, Blocking: true, Message: msg})
	}
	return out
}

// SampleProspect holds the values a template is linted with when no
// prospect is at hand (`pacer note lint` without --var): a plausible
// person, so that the length is checked on a note like the ones sent.
var SampleProspect = map[string]string{
	"first_name": "Ada",
	"last_name":  "Lovelace",
	"company":    "Analytical Engines",
	"title":      "Head of Engineering",
	"email":      "ada@example.com",
}

// LintTemplate checks a note template for a sample prospect: its
// placeholders take the values of SampleProspect, and other columns a
// sample value ("sample event" for {{event}}). It returns the note as
// rendered, the sample values it used, and the findings: those of the note
// (Lint), and a non-blocking one for each placeholder without a fallback,
// since a prospect without that value would get a blocking finding.
func LintTemplate(src string, maxLength int) (note string, used map[string]string, findings []Finding) {
	return lintTemplate(src, maxLength, nil)
}

// LintTemplateFrom is LintTemplate for a note the account sends: the
// sender's fields ({{sender_first_name}}…) take the account's values, one
// the account lacks is a blocking finding, and the note is held to the
// account's note length.
func LintTemplateFrom(src string, a config.Account) (note string, used map[string]string, findings []Finding) {
	sender := SenderVars(a)
	note, used, findings = lintTemplate(src, deref(a.EffectiveLimits().NoteLength), sender)
	for _, p := range ParseTemplate(src).parts {
		if strings.HasPrefix(p.name, "sender_") && sender[p.name] == "" && !p.hasFallback {
			field := strings.TrimPrefix(p.name, "sender_")
			if field == "name" {
				field = "first_name and last_name"
			}
			findings = append(findings, Finding{Rule: RulePlaceholder, Blocking: true,
				Message: fmt.Sprintf("%s uses the sender's %s, but accounts (%s) has no %s; set it in the configuration, as prospects see the member's name", p.text, field, a.Name, field)})
		}
	}
	return note, used, findings
}

// lintTemplate is LintTemplate with the sender's fields, when known, in
// place of sample values.
func lintTemplate(src string, maxLength int, sender map[string]string) (note string, used map[string]string, findings []Finding) {
	t := ParseTemplate(src)
	used = sampleValues(t)
	for k, v := range sender {
		if _, ok := used[k]; ok {
			used[k] = v
		}
	}
	note, _ = t.Render(used)
	findings = Lint(note, maxLength)
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.name == "" || p.hasFallback || seen[p.name] || strings.HasPrefix(p.name, "sender_") {
			continue
		}
		seen[p.name] = true
		findings = append(findings, Finding{Rule: RuleNoFallback,
			Message: fmt.Sprintf("{{%s}} has no fallback: a prospect without a value for %s gets a blocking finding in Slack; write {{%s|…}} to send something instead", p.name, p.name, p.name)})
	}
	return note, used, findings
}

// sampleValues fills a template's placeholders for SampleProspect, and
// others with a sample value ("sample event" for {{event}}).
func sampleValues(t Template) map[string]string {
	used := map[string]string{}
	for _, p := range t.parts {
		if p.name == "" {
			continue
		}
		v, ok := SampleProspect[p.name]
		if !ok {
			v = "sample " + strings.ReplaceAll(p.name, "_", " ")
		}
		used[p.name] = v
	}
	return used
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

const unclosedBraces = "an unclosed {{ or }}"

// placeholders returns what is left of placeholders in a rendered note:
// "{{event}}" and unpaired braces.
func placeholders(note string) []string {
	out := placeholderPattern.FindAllString(note, -1)
	rest := placeholderPattern.ReplaceAllString(note, "")
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		out = append(out, unclosedBraces)
	}
	return out
}

// MaxMessageLength is the longest follow-up Pacer proposes. LinkedIn's
// composer takes 8,000 characters, but the approver must see the whole
// message in one Slack section (3,000 characters, with the prospect's line
// and context), and nobody reads a first message that long.
const MaxMessageLength = 2500

// LintMessage checks a rendered follow-up message: it must have text, fit
// LinkedIn's composer, fill every placeholder, and hold no link unless its
// follow-up allows links.
func LintMessage(msg string, linksAllowed bool) []Finding {
	if strings.TrimSpace(msg) == "" {
		return []Finding{{Rule: RuleEmpty, Blocking: true, Message: "the message is empty; write what to send, or skip this prospect"}}
	}
	var out []Finding
	if n := NoteLength(msg); n > MaxMessageLength {
		out = append(out, Finding{Rule: RuleLength, Blocking: true,
			Message: fmt.Sprintf("the message has %d characters, over the %d LinkedIn takes; cut %d", n, MaxMessageLength, n-MaxMessageLength)})
	}
	if !linksAllowed {
		for _, link := range findLinks(msg) {
			out = append(out, Finding{Rule: RuleLink, Blocking: true,
				Message: fmt.Sprintf("the message holds a link (%s), which this follow-up does not allow (set links: true on it to allow them); remove it", link)})
		}
	}
	for _, ph := range placeholders(msg) {
		msg := fmt.Sprintf("%s has no value for this prospect; give it a fallback like {{company|your team}}, or edit the message", ph)
		if ph == unclosedBraces {
			msg = "the message has an unclosed {{ or }}; close the placeholder, as in {{first_name}}, or remove the braces"
		}
		out = append(out, Finding{Rule: RulePlaceholder, Blocking: true, Message: msg})
	}
	return out
}

// LintMessageTemplate is LintTemplate for a follow-up's message template.
func LintMessageTemplate(f config.FollowUp) (msg string, findings []Finding) {
	t := ParseTemplate(f.Message)
	msg, _ = t.Render(sampleValues(t))
	return msg, LintMessage(msg, f.Links)
}
