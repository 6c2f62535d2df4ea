package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// Rendering of a proposal: its messages, its items, its live progress card
// and the note editor.

// Proposal layout. Every item is given two blocks (its text and its
// buttons), whatever its state, so that an item stays in the same message
// from the proposal's first version to its final summary.
const (
	// proposalFirstFixed is the blocks of the first message that are not
	// items: header, summary, divider, "more in the thread", the batch buttons
	// (or outcome and progress once decided).
	proposalFirstFixed = 6
	itemsInFirst       = (maxBlocksPerMessage - proposalFirstFixed) / 2
	// A follow-up message has one context line, then items.
	itemsInFollowUp = (maxBlocksPerMessage - 1) / 2
)

// proposalParts splits n items over messages: the first message and as
// many follow-ups (in its thread) as needed. It returns [from, to) ranges.
func proposalParts(n int) [][2]int {
	parts := [][2]int{{0, min(n, itemsInFirst)}}
	for from := itemsInFirst; from < n; from += itemsInFollowUp {
		parts = append(parts, [2]int{from, min(n, from+itemsInFollowUp)})
	}
	return parts
}

// proposalMessages renders a proposal as its messages: the first one in
// the channel, the others in its thread, and once someone decided anything,
// the history of its decisions last in the thread.
func (r renderer) proposalMessages(v campaign.ProposalView) []message {
	parts := proposalParts(len(v.Items))
	out := make([]message, len(parts), len(parts)+1)
	for i, p := range parts {
		items := v.Items[p[0]:p[1]]
		if i == 0 {
			out[i] = r.proposalFirst(v, items, len(parts) > 1)
			continue
		}
		blocks := []slack.Block{contextBlock(fmt.Sprintf("Proposal #%d · %s · prospects %d–%d of %d", v.ID, esc(v.Campaign), p[0]+1, p[1], len(v.Items)))}
		for _, it := range items {
			blocks = append(blocks, r.itemBlocks(v, it)...)
		}
		out[i] = message{Text: fmt.Sprintf("Proposal #%d for %s, prospects %d–%d", v.ID, esc(v.Campaign), p[0]+1, p[1]), Blocks: blocks}
	}
	if len(v.History) > 0 {
		out = append(out, r.historyMessage(v))
	}
	return out
}

// historyMessage lists the decisions made on a proposal, oldest first, the
// latest kept when they do not all fit in one section.
func (r renderer) historyMessage(v campaign.ProposalView) message {
	lines := make([]string, len(v.History))
	for i, e := range v.History {
		lines[i] = "• " + r.when(e.At) + " · " + r.historyLine(e)
	}
	const room = maxSectionText - 100
	dropped := 0
	for len(lines) > 1 && len(strings.Join(lines, "\n")) > room {
		lines, dropped = lines[1:], dropped+1
	}
	if dropped > 0 {
		lines = append([]string{fmt.Sprintf("_%s not shown_", wording.Count(dropped, "earlier decision", "earlier decisions"))}, lines...)
	}
	return message{
		Text: fmt.Sprintf("Proposal #%d: %s", v.ID, wording.Count(len(v.History), "decision", "decisions")),
		Blocks: []slack.Block{
			contextBlock(fmt.Sprintf(":scroll: Proposal #%d · history of its decisions (`pacer audit export` has them all)", v.ID)),
			section("history", clip(strings.Join(lines, "\n"), maxSectionText)),
		},
	}
}

// historyLine says what one decision did, and who made it.
func (r renderer) historyLine(e campaign.HistoryEntry) string {
	who := "Pacer"
	if e.By != "" {
		who = "<@" + e.By + ">"
	}
	prospect := ""
	if e.Item != nil {
		prospect = esc(orText(e.Item.Name, fmt.Sprintf("prospect %d", e.Item.Position)))
	}
	var line string
	switch e.Kind {
	case models.DecisionApprove:
		line = who + " approved the batch: " + esc(e.Detail)
		if e.Undone {
			line = "~" + line + "~ (undone)"
		}
	case models.DecisionReject:
		line = who + " rejected the batch: " + esc(e.Detail)
	case models.DecisionUndo:
		line = who + " undid the approval: " + esc(e.Detail)
	case models.DecisionEdit:
		line = who + " edited the note to " + prospect
	case models.DecisionSkip:
		line = who + " skipped " + prospect
		if e.Detail != "" {
			line += " (" + esc(e.Detail) + ")"
		}
	case models.DecisionMove, models.DecisionReturn:
		line = who + ": " + prospect + "'s invitation " + esc(e.Detail)
	default:
		line = who + " " + esc(e.Kind)
	}
	return line
}

func (r renderer) proposalFirst(v campaign.ProposalView, items []campaign.ItemView, more bool) message {
	active := 0
	for _, it := range v.Items {
		if it.State != models.ItemSkipped {
			active++
		}
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(clip(fmt.Sprintf("Proposal #%d · %s%s", v.ID, v.Campaign, kindSuffix(v)), maxHeaderText))),
	}
	summary := fmt.Sprintf("*%d %s* from *%s*", active, wording.Noun(active, "prospect", "prospects"), esc(v.Account))
	if len(v.Senders) > 1 {
		summary += fmt.Sprintf(" (%s's part of a campaign shared by %s)", esc(v.Account), esc(strings.Join(v.Senders, ", ")))
	}
	if skipped := len(v.Items) - active; skipped > 0 {
		summary += fmt.Sprintf(" (%d skipped)", skipped)
	}
	if forecastHolds(v) {
		summary += " · " + esc(v.Forecast)
	}
	blocks = append(blocks, section("summary", summary))
	switch {
	case r.undoable(v):
		// In the undo window the batch has not started: the Undo button
		// takes the place of its progress line.
		blocks = append(blocks, contextBlock(r.outcome(v)+" · "+r.undoLine(v)), r.undoButton(v))
	case v.State != models.ProposalOpen:
		blocks = append(blocks, contextBlock(r.outcome(v)))
		if v.Progress != nil {
			blocks = append(blocks, section("progress", r.progressLine(*v.Progress)))
		}
	}
	blocks = append(blocks, slack.NewDividerBlock())
	for _, it := range items {
		blocks = append(blocks, r.itemBlocks(v, it)...)
	}
	if more {
		rest := len(v.Items) - len(items)
		blocks = append(blocks, contextBlock(fmt.Sprintf(":thread: %s %s in this message's thread.",
			wording.Count(rest, "more prospect", "more prospects"), wording.Noun(rest, "is", "are"))))
	}
	if v.State == models.ProposalOpen && blocked(v.Items) > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf(":no_entry: %d %s cannot be sent as %s: edit or skip %s before approving.",
			blocked(v.Items), wording.Noun(blocked(v.Items), "note", "notes"), wording.Noun(blocked(v.Items), "it is", "they are"), wording.Noun(blocked(v.Items), "it", "them"))))
	}
	if v.State == models.ProposalOpen {
		value := buttonValue{ProposalID: v.ID, Version: v.Version}.String()
		approve := slack.NewButtonBlockElement(ActionApprove, value, plain(fmt.Sprintf("Approve all %d", active))).WithStyle(slack.StylePrimary).
			WithConfirm(slack.NewConfirmationBlockObject(plain(clip(fmt.Sprintf("Approve all %d?", active), 100)),
				plain(clip(approveConfirmText(v, active, more), 300)),
				plain("Approve"), plain("Not yet")))
		reject := slack.NewButtonBlockElement(ActionReject, value, plain("Reject")).WithStyle(slack.StyleDanger).
			WithConfirm(slack.NewConfirmationBlockObject(plain("Reject this proposal?"),
				plain(clip(rejectConfirmText(v, active), 300)),
				plain("Reject"), plain("Keep it")).WithStyle(slack.StyleDanger))
		blocks = append(blocks, slack.NewActionBlock(fmt.Sprintf("proposal:%d", v.ID), approve, reject))
	}
	text := fmt.Sprintf("Proposal #%d for %s: %s from %s", v.ID, esc(v.Campaign), wording.Count(active, "prospect", "prospects"), esc(v.Account))
	if forecastHolds(v) {
		text += ", " + esc(v.Forecast)
	}
	if v.State != models.ProposalOpen {
		text += ". " + r.outcomePlain(v)
	}
	return message{Text: clip(text, maxFallbackText), Blocks: blocks}
}

// approveConfirmText is the Approve all button's confirmation (plain text):
// a bulk approval covers items the approver may not have read one by one.
func approveConfirmText(v campaign.ProposalView, active int, inThread bool) string {
	const undo = " The card offers Undo until its undo window closes."
	switch {
	case v.Kind == models.ProposalMessages && active == 1:
		return "Its one message will be sent exactly as shown." + undo
	case v.Kind == models.ProposalMessages:
		return fmt.Sprintf("All %d messages will be sent exactly as shown, each to its prospect.", active) + undo
	case active == 1:
		return "Its one prospect will be invited with the note shown." + undo
	case inThread:
		return fmt.Sprintf("All %d prospects will be invited with the notes shown, in this message and its thread.", active) + undo
	}
	return fmt.Sprintf("All %d prospects will be invited with the notes shown.", active) + undo
}

// undoable reports whether the approved card offers Undo: its batch waits
// for its undo window to close.
func (r renderer) undoable(v campaign.ProposalView) bool {
	return v.State == models.ProposalApproved && v.UndoUntil != nil && r.now.Before(*v.UndoUntil)
}

// undoLine says until when the approval can be undone, and how long that is.
func (r renderer) undoLine(v campaign.ProposalView) string {
	left := max(v.UndoUntil.Sub(r.now).Round(time.Minute), time.Minute)
	return fmt.Sprintf(":hourglass_flowing_sand: nothing is sent before %s (%s left to undo)", r.clock(*v.UndoUntil), wording.Duration(left))
}

func (r renderer) undoButton(v campaign.ProposalView) slack.Block {
	value := buttonValue{ProposalID: v.ID, Version: v.Version}.String()
	undo := slack.NewButtonBlockElement(ActionUndo, value, plain("Undo"))
	return slack.NewActionBlock(fmt.Sprintf("proposal:%d:undo", v.ID), undo)
}

// kindSuffix names a proposal of follow-up messages in its header.
func kindSuffix(v campaign.ProposalView) string {
	if v.Kind == models.ProposalMessages {
		return " · follow-up messages"
	}
	return ""
}

// followUpContext is what an approver needs to judge a follow-up: which
// one it is, when the invitation was accepted, and the note it went with.
func (r renderer) followUpContext(it campaign.ItemView) string {
	parts := []string{fmt.Sprintf("follow-up %d", it.Step)}
	if it.AcceptedAt != nil {
		parts = append(parts, "accepted "+r.when(*it.AcceptedAt))
	}
	if it.InvitationNote != "" {
		parts = append(parts, "invited with “"+esc(clip(it.InvitationNote, 300))+"”")
	} else {
		parts = append(parts, "invited without a note")
	}
	return "\n_" + strings.Join(parts, " · ") + "_"
}

// rejectConfirmText is the Reject button's confirmation (plain text).
func rejectConfirmText(v campaign.ProposalView, active int) string {
	if v.Kind == models.ProposalMessages {
		return fmt.Sprintf("None of these %s will be sent, and the campaign does not propose them again.", wording.Count(active, "message", "messages"))
	}
	if active == 1 {
		return "Its one prospect will not be invited and goes back to the campaign's queue."
	}
	return fmt.Sprintf("None of its %d prospects will be invited; they go back to the campaign's queue.", active)
}

// forecastHolds reports whether the proposal's forecast ("sends Tue–Wed")
// still says something: while it waits for a decision or sends, not once it
// is rejected or finished.
func forecastHolds(v campaign.ProposalView) bool {
	switch {
	case v.Forecast == "":
		return false
	case v.State == models.ProposalOpen:
		return true
	case v.State == models.ProposalApproved:
		return v.Progress == nil || !v.Progress.Done
	}
	return false
}

// blocked counts the items whose notes have blocking findings.
func blocked(items []campaign.ItemView) int {
	n := 0
	for _, it := range items {
		if it.State == models.ItemSkipped {
			continue
		}
		for _, f := range it.Findings {
			if f.Blocking {
				n++
				break
			}
		}
	}
	return n
}

func (r renderer) outcome(v campaign.ProposalView) string {
	by := "Pacer"
	if v.DecidedBy != "" {
		by = "<@" + v.DecidedBy + ">"
	}
	at := ""
	if v.DecidedAt != nil {
		at = " " + r.when(*v.DecidedAt)
	}
	switch v.State {
	case models.ProposalApproved:
		return ":white_check_mark: Approved by " + by + at
	case models.ProposalRejected:
		return ":no_entry_sign: Rejected by " + by + at + "; this campaign will not propose its prospects again."
	case models.ProposalExpired:
		if at != "" {
			at = " (" + strings.TrimSpace(at) + ")"
		}
		return ":hourglass: " + expiredText(v) + at + "; " + wentBack(v) + "."
	}
	return esc(v.State)
}

func (r renderer) outcomePlain(v campaign.ProposalView) string {
	if v.State == models.ProposalExpired {
		return expiredText(v) + "; " + wentBack(v) + "."
	}
	return map[string]string{
		models.ProposalApproved: "Approved",
		models.ProposalRejected: "Rejected",
	}[v.State]
}

// expiredText says how long an expired proposal waited: "Expired after 7
// days without a decision".
func expiredText(v campaign.ProposalView) string {
	if v.DecidedAt == nil || v.CreatedAt.IsZero() {
		return "Expired without a decision"
	}
	return "Expired after " + wording.Span(v.DecidedAt.Sub(v.CreatedAt)) + " without a decision"
}

// wentBack says what became of an expired proposal's prospects: those not
// skipped went back to the campaign's queue.
func wentBack(v campaign.ProposalView) string {
	n := 0
	for _, it := range v.Items {
		if it.State != models.ItemSkipped {
			n++
		}
	}
	if n == 0 {
		return "all its prospects were skipped"
	}
	return itsProspects(n) + " went back to the queue for the next proposal"
}

// itsProspects counts a proposal's prospects: "its one prospect", "its 25
// prospects".
func itsProspects(n int) string {
	if n == 1 {
		return "its one prospect"
	}
	return fmt.Sprintf("its %d prospects", n)
}

// progressLine is the live line of an approved batch: "Sent 7/20 · 3
// accepted · 2 skipped (already connected) · next at 14:05", or its final
// summary.
func (r renderer) progressLine(p campaign.Progress) string {
	parts := []string{fmt.Sprintf("*Sent %d/%d*", p.Sent, p.Total)}
	if p.Done {
		parts[0] = fmt.Sprintf("*Finished:* sent %d/%d", p.Sent, p.Total)
	}
	if p.Accepted > 0 {
		parts = append(parts, fmt.Sprintf("%d accepted", p.Accepted))
	}
	if p.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped%s", p.Skipped, reasons(p.SkipReasons, p.Skipped)))
	}
	if p.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed%s", p.Failed, reasons(p.FailReasons, p.Failed)))
	}
	switch {
	case p.Done && p.FinishedAt != nil:
		parts = append(parts, "done "+r.when(*p.FinishedAt))
	case p.Done:
	case p.Stopped != nil:
		parts = append(parts, r.stoppedText(*p.Stopped))
	case p.NextAt != nil:
		parts = append(parts, "next at "+r.clock(*p.NextAt))
	default:
		parts = append(parts, "waiting for the account's next slot")
	}
	return strings.Join(parts, " · ")
}

// stoppedText says why a batch is held and what resumes it; it promises
// no time for the next invitation, since none will go before then.
func (r renderer) stoppedText(s campaign.Stopped) string {
	by := ""
	if s.PausedBy != "" {
		by = " by <@" + esc(s.PausedBy) + ">"
	}
	name := esc(s.Account)
	if s.Campaign != "" {
		return fmt.Sprintf(":double_vertical_bar: *stopped:* campaign *%s* is paused%s; `/pacer resume %s` sends the rest", esc(s.Campaign), by, esc(s.Campaign))
	}
	switch s.State {
	case models.AccountRestricted:
		text := fmt.Sprintf(":no_entry: *stopped:* *%s* is restricted", name)
		if s.Until != nil {
			text += " until " + r.when(*s.Until)
		}
		return text + ": " + esc(orText(reasonText(s.Reason, ""), "LinkedIn restricted the account")) + "; the rest is sent when it ends"
	case models.AccountNeedsHuman:
		return fmt.Sprintf(":sos: *stopped:* *%s* needs a person: %s; after `pacer account login %s`, `/pacer resume %s` sends the rest",
			name, esc(orText(reasonText(s.Reason, ""), "LinkedIn asked for a check")), name, name)
	case models.AccountPaused:
		return fmt.Sprintf(":double_vertical_bar: *stopped:* *%s* is paused%s; `/pacer resume %s` sends the rest", name, by, name)
	}
	return fmt.Sprintf("*stopped:* *%s* is %s", name, esc(s.State))
}

// reasons writes " (already connected)" for one reason, " (2 already
// connected, 1 email required)" for several.
func reasons(rc []campaign.ReasonCount, total int) string {
	if len(rc) == 0 {
		return ""
	}
	if len(rc) == 1 && rc[0].Count == total {
		return " (" + esc(rc[0].Reason) + ")"
	}
	var parts []string
	for _, c := range rc {
		parts = append(parts, fmt.Sprintf("%d %s", c.Count, esc(c.Reason)))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// itemBlocks renders one prospect: its text and, while the proposal is
// open, its Skip and Edit note buttons.
func (r renderer) itemBlocks(v campaign.ProposalView, it campaign.ItemView) []slack.Block {
	name := esc(orText(it.Name, "(no name)"))
	if it.ProfileURL != "" {
		name = "<" + linkTarget(it.ProfileURL) + "|" + strings.ReplaceAll(name, "|", "¦") + ">"
	}
	var b strings.Builder
	switch {
	case it.State == models.ItemSkipped:
		b.WriteString(":heavy_minus_sign: ~" + name + "~ skipped")
	case v.State == models.ProposalApproved:
		b.WriteString(outcomeIcon(it.Outcome) + " *" + name + "*")
	default:
		b.WriteString("*" + name + "*")
	}
	if role := joinNonEmpty(" at ", esc(it.Title), esc(it.Company)); role != "" {
		b.WriteString(" · " + role)
	}
	if it.Step > 0 {
		b.WriteString(r.followUpContext(it))
	}
	if it.State != models.ItemSkipped {
		if strings.TrimSpace(it.Note) == "" {
			b.WriteString("\n_no note_")
		} else {
			b.WriteString("\n>" + strings.ReplaceAll(esc(it.Note), "\n", "\n>"))
		}
		if small := itemByline(it); small != "" {
			b.WriteString("\n_" + small + "_")
		}
		for _, f := range it.Findings {
			icon := ":warning:"
			if f.Blocking {
				icon = ":no_entry:"
			}
			b.WriteString("\n" + icon + " " + esc(f.Message))
		}
	}
	blocks := []slack.Block{section(fmt.Sprintf("item:%d", it.ID), b.String())}
	if v.State == models.ProposalOpen && it.State != models.ItemSkipped {
		value := buttonValue{ProposalID: v.ID, Version: v.Version, ItemID: it.ID}.String()
		blocks = append(blocks, slack.NewActionBlock(fmt.Sprintf("item_actions:%d", it.ID),
			slack.NewButtonBlockElement(ActionSkip, value, plain("Skip")),
			slack.NewButtonBlockElement(ActionEdit, value, plain(editLabel(it)))))
	}
	return blocks
}

// editLabel names what the Edit button edits.
func editLabel(it campaign.ItemView) string {
	if it.Step > 0 {
		return "Edit message"
	}
	return "Edit note"
}

func outcomeIcon(outcome string) string {
	switch outcome {
	case campaign.ItemSent:
		return ":white_check_mark:"
	case campaign.ItemSkipped:
		return ":fast_forward:"
	case campaign.ItemFailed:
		return ":x:"
	}
	return ":hourglass_flowing_sand:"
}

// --- the note editor

// Block and action IDs of the Edit note modal.
const (
	noteBlockID  = "note"
	noteActionID = "note_input"
)

// noteModal is the Edit note modal, the note pre-filled. meta travels in
// private_metadata and comes back with the submission.
func (r renderer) noteModal(it campaign.ItemView, meta noteMeta, maxLength int) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(plain("Hi …"), noteActionID)
	input.Multiline = true
	input.InitialValue = it.Note
	hint, label, title := "No links; LinkedIn flags them as spam.", "Note", "Edit note"
	if maxLength > 0 {
		hint = fmt.Sprintf("Up to %d characters for this account. ", maxLength) + hint
	}
	if it.Step > 0 {
		hint = fmt.Sprintf("Up to %d characters; links only where the follow-up allows them. Sent exactly as saved.", campaign.MaxMessageLength)
		label, title = "Message", "Edit message"
	}
	noteInput := slack.NewInputBlock(noteBlockID, plain(label), plain(hint), input)
	who := esc(orText(it.Name, "this prospect"))
	if role := joinNonEmpty(" at ", esc(it.Title), esc(it.Company)); role != "" {
		who += " · " + role
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackEditNote,
		Title:           plain(title),
		Submit:          plain("Save"),
		Close:           plain("Cancel"),
		PrivateMetadata: meta.String(),
		Blocks:          slack.Blocks{BlockSet: []slack.Block{section("who", "*"+who+"*"), noteInput}},
	}
}

// itemByline is the small print under an item's note: its variant, when
// the campaign compares several (the one of a single note says nothing),
// and who edited it.
func itemByline(it campaign.ItemView) string {
	var parts []string
	if it.Variant != "" && it.Variant != config.DefaultVariant {
		parts = append(parts, "variant "+esc(it.Variant))
	}
	if it.EditedBy != "" {
		parts = append(parts, "edited by <@"+it.EditedBy+">")
	}
	return strings.Join(parts, " · ")
}
