package campaign

import "maps"

// SampleProspect is the prospect a template is filled in for when no real
// one is at hand (`pacer config check`): values of a usual length, so that
// the length check says something about the notes to come.
var SampleProspect = map[string]string{
	"first_name": "Alexandra",
	"last_name":  "Whitfield",
	"company":    "Northwind Analytics",
	"title":      "Head of Platform Engineering",
}

// LintTemplate checks a campaign's note template before any prospect is
// known: it fills the template in for SampleProspect and lints the result.
// A placeholder of another column (such as {{event}}) without a fallback
// is filled with its own name, since an import may well provide it; links,
// unclosed braces and a note too long for the account are found all the
// same. An empty template is no problem: the invitations go without a note.
func LintTemplate(src string, maxLength int) []Finding {
	t := ParseTemplate(src)
	if t.IsEmpty() {
		return nil
	}
	vars := maps.Clone(SampleProspect)
	for _, p := range t.parts {
		if _, ok := vars[p.name]; p.name != "" && !p.hasFallback && !ok {
			vars[p.name] = p.name
		}
	}
	note, _ := t.Render(vars)
	return Lint(note, maxLength)
}
