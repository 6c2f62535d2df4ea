package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/wording"
)

// Rendering of the reminders of a proposal that waits for a decision, and
// of the proposals waiting for someone (App Home).

// reminder asks for a decision: in the proposal's thread, naming the
// approvers, or in a direct message, with a link to the proposal.
func (r renderer) reminder(v ReminderView) message {
	p := v.Proposal
	waited := wording.Span(v.Waited)
	var text string
	if v.Direct {
		next := ": approve or reject it there."
		if p.Link != "" {
			next = ". <" + linkTarget(p.Link) + "|Open the proposal> to approve or reject it."
		}
		text = fmt.Sprintf(":alarm_clock: Proposal #%d has waited %s for your decision: %s of *%s*, in <#%s>%s",
			p.ID, waited, wording.Count(p.Items, "prospect", "prospects"), esc(p.Campaign), p.Channel, next)
	} else {
		text = fmt.Sprintf(":alarm_clock: Proposal #%d has waited %s for a decision: %s, please approve or reject %s above, or skip or edit %s one by one.",
			p.ID, waited, v.Mentions, itsProspects(p.Items), wording.Noun(p.Items, "it", "them"))
	}
	if p.ExpiresAt != nil {
		text += fmt.Sprintf(" If nobody decides, it expires %s and %s back to the queue.", r.when(*p.ExpiresAt),
			wording.Noun(p.Items, "its prospect goes", "its prospects go"))
	}
	fallback := fmt.Sprintf("Proposal #%d has waited %s for a decision: %s", p.ID, waited, v.Mentions)
	if v.Direct {
		fallback = fmt.Sprintf("Proposal #%d has waited %s for your decision", p.ID, waited)
	}
	return message{Text: fallback, Blocks: []slack.Block{section("reminder", text)}}
}

// waiting lists the proposals waiting for the reader's decision, oldest
// first: "#12 *cto-berlin* · 18 prospects · waiting 5 hours · open it".
func (r renderer) waiting(waiting []OpenProposal, now time.Time) string {
	if len(waiting) == 0 {
		return "Nothing waits for your decision."
	}
	lines := make([]string, 0, len(waiting))
	for _, p := range waiting {
		line := fmt.Sprintf("#%d *%s* · %s · waiting %s", p.ID, esc(p.Campaign), wording.Count(p.Items, "prospect", "prospects"),
			wording.Span(now.Sub(p.CreatedAt)))
		switch {
		case p.Link != "":
			line += " · <" + linkTarget(p.Link) + "|open it>"
		case p.Channel != "":
			line += " in <#" + p.Channel + ">"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
