package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// Block Kit's limits (https://docs.slack.dev/reference/block-kit/blocks).
const (
	maxBlocksPerMessage = 50
	maxBlocksPerView    = 100
	maxSectionText      = 3000
	maxFieldText        = 2000
	maxHeaderText       = 150
	maxButtonValue      = 2000
	maxFields           = 10
	maxFallbackText     = 3000
)

// message is one rendered Slack message.
type message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// digest identifies what the message shows, to tell whether an update
// would change anything.
func (m message) digest() string {
	b, err := json.Marshal(m)
	if err != nil {
		return "" // never equal to a stored digest: the update goes out
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// renderer turns views into Block Kit. Times are written as Slack date
// tokens, which each reader sees in their own timezone; the fallback text
// uses loc (the team's timezone).
type renderer struct {
	loc *time.Location
	now time.Time
}

// render renders a single-message view. ProposalView has its own renderer
// (proposalMessages), since a proposal may take several messages.
func (r renderer) render(v View) message {
	switch v := v.(type) {
	case NoticeView:
		return message{Text: v.Text, Blocks: []slack.Block{section("", v.Text)}}
	case HelpView:
		return r.help(v)
	case UnknownNameView:
		return r.unknownName(v)
	case QuotaView:
		return r.quota(v)
	case StatusView:
		return r.status(v)
	case DigestView:
		return r.digest(v)
	case AlertView:
		return r.alert(v)
	case ProposalView:
		return r.proposalMessages(v)[0]
	}
	return message{Text: "Pacer has nothing to show."}
}

// --- help, notices, names

var helpLines = []string{
	"`/pacer quota [account]` · usage against every limit, next reset, state",
	"`/pacer status` · queues, open proposals, accounts waiting for a person",
	"`/pacer propose [campaign] [n]` · post a proposal of up to n prospects now",
	"`/pacer pause <account|campaign>` · stop sending (approvers only)",
	"`/pacer resume <account|campaign>` · send again (approvers only)",
	"`/pacer digest` · post today's digest in this channel",
	"`/pacer help` · this list",
}

func (r renderer) help(v HelpView) message {
	var blocks []slack.Block
	if v.Problem != "" {
		blocks = append(blocks, section("", v.Problem))
	}
	blocks = append(blocks,
		section("", "*Pacer* proposes LinkedIn invitations for approval here and sends the approved ones within LinkedIn's limits.\n"+strings.Join(helpLines, "\n")))
	text := "Pacer commands: help, quota, status, propose, pause, resume, digest"
	if v.Problem != "" {
		text = v.Problem + " " + text
	}
	return message{Text: text, Blocks: blocks}
}

func (r renderer) unknownName(v UnknownNameView) message {
	valid := "none is configured"
	if len(v.Valid) > 0 {
		quoted := make([]string, len(v.Valid))
		for i, n := range v.Valid {
			quoted[i] = "`" + esc(n) + "`"
		}
		valid = "use one of " + strings.Join(quoted, ", ")
	}
	text := fmt.Sprintf("There is no %s called `%s`; %s.", v.What, esc(v.Name), valid)
	if v.Name == "" {
		text = fmt.Sprintf("Name the %s: %s.", v.What, valid)
	}
	return message{Text: text, Blocks: []slack.Block{section("", text)}}
}

// --- quota

func (r renderer) quota(v QuotaView) message {
	if len(v.Accounts) == 0 {
		text := "No LinkedIn account is configured; declare one under accounts: in the configuration file."
		return message{Text: text, Blocks: []slack.Block{section("", text)}}
	}
	var blocks []slack.Block
	for i, a := range v.Accounts {
		// Two or three blocks an account; say what was left out rather
		// than fail on Block Kit's limit.
		if len(blocks)+4 > maxBlocksPerMessage {
			blocks = append(blocks, contextBlock(fmt.Sprintf("…and %s more: ask `/pacer quota NAME`.", wording.Count(len(v.Accounts)-i, "account", "accounts"))))
			break
		}
		blocks = append(blocks, r.accountQuotaBlocks(a)...)
	}
	return message{Text: "Quota of " + wording.Count(len(v.Accounts), "LinkedIn account", "LinkedIn accounts"), Blocks: blocks}
}

func (r renderer) accountQuotaBlocks(a AccountQuota) []slack.Block {
	blocks := []slack.Block{section("", r.accountTitle(a.Name, a.Plan, a.State, a.StateReason, a.Until))}
	var fields []string
	for _, u := range a.Usage {
		f := fmt.Sprintf("*%s*\n%s", esc(u.Label), bar(u.Used, u.Max))
		if u.ResetAt != nil && u.Used > 0 {
			f += " · frees " + r.when(*u.ResetAt)
		}
		fields = append(fields, f)
	}
	if len(fields) > 0 {
		blocks = append(blocks, fieldsSection(fields))
	}
	if a.NextReset != nil {
		blocks = append(blocks, contextBlock("Next reset "+r.when(*a.NextReset)))
	}
	return blocks
}

func (r renderer) accountTitle(name, plan, state, reason string, until *time.Time) string {
	title := "*" + esc(name) + "*"
	if plan != "" {
		title += " (" + esc(strings.ReplaceAll(plan, "_", " ")) + ")"
	}
	title += " · " + stateText(state)
	if until != nil && state == models.AccountRestricted {
		title += " until " + r.when(*until)
	}
	if reason != "" && state != models.AccountActive {
		title += ": " + esc(reason)
	}
	return title
}

func stateText(state string) string {
	switch state {
	case models.AccountActive:
		return ":large_green_circle: active"
	case models.AccountPaused:
		return ":double_vertical_bar: paused"
	case models.AccountRestricted:
		return ":no_entry: restricted"
	case models.AccountNeedsHuman:
		return ":sos: needs a person"
	}
	return esc(state)
}

// barWidth is the number of cells of a quota bar: `▓▓▓▓░░ 62/100`.
const barWidth = 6

// bar draws used against max. A cell is only full when it is really used:
// the bar shows full only at the limit, and any use shows at least one cell.
// A negative max is a limit the plan does not have.
func bar(used, max int) string {
	if max < 0 {
		return fmt.Sprintf("%d (no limit)", used)
	}
	filled := barWidth
	if used < max {
		filled = int(math.Round(float64(used) / float64(max) * barWidth))
		filled = min(filled, barWidth-1)
		if used > 0 {
			filled = max1(filled)
		}
	}
	return strings.Repeat("▓", filled) + strings.Repeat("░", barWidth-filled) + fmt.Sprintf(" %d/%d", used, max)
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// --- status

func (r renderer) status(v StatusView) message {
	var blocks []slack.Block
	var lines []string
	for _, a := range v.Accounts {
		line := r.accountTitle(a.Name, "", a.State, a.StateReason, a.Until)
		line += fmt.Sprintf(" · %d queued", a.Queued)
		if a.NextAt != nil {
			line += ", next " + r.when(*a.NextAt)
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		lines = append(lines, "No LinkedIn account is configured.")
	}
	blocks = append(blocks, section("", "*Accounts*\n"+strings.Join(lines, "\n")))

	lines = nil
	for _, c := range v.Campaigns {
		line := fmt.Sprintf("*%s* (%s)", esc(c.Name), esc(c.Account))
		if c.Channel != "" {
			line += " in <#" + c.Channel + ">"
		}
		if c.State == models.CampaignPaused {
			line += " · :double_vertical_bar: paused"
			if c.PausedBy != "" {
				line += " by <@" + c.PausedBy + ">"
			}
		}
		line += fmt.Sprintf(" · %d waiting to be proposed", c.Waiting)
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		blocks = append(blocks, section("", "*Campaigns*\n"+strings.Join(lines, "\n")))
	}
	blocks = append(blocks, section("", "*Open proposals*\n"+r.openProposals(v.OpenProposals)))
	var human []string
	for _, a := range v.Accounts {
		if a.State == models.AccountNeedsHuman {
			human = append(human, fmt.Sprintf("*%s*: %s", esc(a.Name), esc(orText(a.StateReason, "LinkedIn asked for a check"))))
		}
	}
	if len(human) > 0 {
		blocks = append(blocks, section("", ":sos: *Waiting for a person*\n"+strings.Join(human, "\n")+"\nLog in with `pacer account login NAME`, then `/pacer resume NAME`."))
	}
	return message{Text: fmt.Sprintf("Pacer status: %s, %s", wording.Count(len(v.Accounts), "account", "accounts"),
		wording.Count(len(v.OpenProposals), "open proposal", "open proposals")), Blocks: blocks}
}

func (r renderer) openProposals(open []OpenProposal) string {
	if len(open) == 0 {
		return "None."
	}
	var lines []string
	for _, p := range open {
		line := fmt.Sprintf("#%d *%s* · %s", p.ID, esc(p.Campaign), wording.Count(p.Items, "prospect", "prospects"))
		if p.Channel != "" {
			line += " in <#" + p.Channel + ">"
		}
		line += " · proposed " + r.when(p.CreatedAt)
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// --- proposals

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
// the channel, the others in its thread.
func (r renderer) proposalMessages(v ProposalView) []message {
	parts := proposalParts(len(v.Items))
	out := make([]message, len(parts))
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
	return out
}

func (r renderer) proposalFirst(v ProposalView, items []ItemView, more bool) message {
	active := 0
	for _, it := range v.Items {
		if it.State != models.ItemSkipped {
			active++
		}
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(clip(fmt.Sprintf("Proposal #%d · %s", v.ID, v.Campaign), maxHeaderText))),
	}
	summary := fmt.Sprintf("*%d %s* from *%s*", active, wording.Noun(active, "prospect", "prospects"), esc(v.Account))
	if skipped := len(v.Items) - active; skipped > 0 {
		summary += fmt.Sprintf(" (%d skipped)", skipped)
	}
	if forecastHolds(v) {
		summary += " · " + esc(v.Forecast)
	}
	blocks = append(blocks, section("summary", summary))
	if v.State != models.ProposalOpen {
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
		approve := slack.NewButtonBlockElement(ActionApprove, value, plain(fmt.Sprintf("Approve %d", active))).WithStyle(slack.StylePrimary)
		reject := slack.NewButtonBlockElement(ActionReject, value, plain("Reject")).WithStyle(slack.StyleDanger).
			WithConfirm(slack.NewConfirmationBlockObject(plain("Reject this proposal?"),
				plain(clip(rejectConfirmText(active), 300)),
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

// rejectConfirmText is the Reject button's confirmation (plain text).
func rejectConfirmText(active int) string {
	if active == 1 {
		return "Its one prospect will not be invited and goes back to the campaign's queue."
	}
	return fmt.Sprintf("None of its %d prospects will be invited; they go back to the campaign's queue.", active)
}

// forecastHolds reports whether the proposal's forecast ("sends Tue–Wed")
// still says something: while it waits for a decision or sends, not once it
// is rejected or finished.
func forecastHolds(v ProposalView) bool {
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
func blocked(items []ItemView) int {
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

func (r renderer) outcome(v ProposalView) string {
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
		return ":hourglass: Expired without a decision" + at + "; its prospects went back to the queue for the next proposal."
	}
	return esc(v.State)
}

func (r renderer) outcomePlain(v ProposalView) string {
	return map[string]string{
		models.ProposalApproved: "Approved",
		models.ProposalRejected: "Rejected",
		models.ProposalExpired:  "Expired",
	}[v.State]
}

// progressLine is the live line of an approved batch: "Sent 7/20 · 3
// accepted · 2 skipped (already connected) · next at 14:05", or its final
// summary.
func (r renderer) progressLine(p Progress) string {
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
func (r renderer) stoppedText(s Stopped) string {
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
func reasons(rc []ReasonCount, total int) string {
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
func (r renderer) itemBlocks(v ProposalView, it ItemView) []slack.Block {
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
	if it.State != models.ItemSkipped {
		if strings.TrimSpace(it.Note) == "" {
			b.WriteString("\n_no note_")
		} else {
			b.WriteString("\n>" + strings.ReplaceAll(esc(it.Note), "\n", "\n>"))
		}
		if it.EditedBy != "" {
			b.WriteString("\n_edited by <@" + it.EditedBy + ">_")
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
			slack.NewButtonBlockElement(ActionEdit, value, plain("Edit note"))))
	}
	return blocks
}

func outcomeIcon(outcome string) string {
	switch outcome {
	case "sent":
		return ":white_check_mark:"
	case "skipped":
		return ":fast_forward:"
	case "failed":
		return ":x:"
	}
	return ":hourglass_flowing_sand:"
}

// --- digest

func (r renderer) digest(v DigestView) message {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Daily digest · " + v.Date.In(r.loc).Format("Mon 2 Jan")))}
	for i, a := range v.Accounts {
		if len(blocks)+4 > maxBlocksPerMessage {
			blocks = append(blocks, contextBlock(fmt.Sprintf("…and %s more: ask `/pacer quota`.", wording.Count(len(v.Accounts)-i, "account", "accounts"))))
			break
		}
		blocks = append(blocks, section("", r.accountTitle(a.Name, a.Plan, a.State, a.StateReason, a.Until)))
		blocks = append(blocks, fieldsSection(r.digestFields(a)))
	}
	if len(v.Accounts) == 0 {
		blocks = append(blocks, section("", "No LinkedIn account sends for this channel's campaigns."))
	}
	if v.DeadLetters > 0 {
		blocks = append(blocks, section("dead_letters", fmt.Sprintf(":warning: *CRM sync failures:* %d %s gave up after every retry. See them with `pacer deliveries list`; send them again with `pacer deliveries retry --all`.",
			v.DeadLetters, wording.Noun(v.DeadLetters, "delivery", "deliveries"))))
	}
	return message{Text: fmt.Sprintf("Pacer daily digest for %s: %s", v.Date.In(r.loc).Format("Mon 2 Jan"), wording.Count(len(v.Accounts), "account", "accounts")), Blocks: blocks}
}

func (r renderer) digestFields(a DigestAccount) []string {
	usage := func(key, label string) string {
		for _, u := range a.Usage {
			if u.Limit == key {
				return fmt.Sprintf("*%s*\n%s", label, bar(u.Used, u.Max))
			}
		}
		return fmt.Sprintf("*%s*\nnot counted", label)
	}
	accept := "no decided invitations yet"
	if a.Decided > 0 {
		accept = fmt.Sprintf("%d%% (%d of %d)", int(math.Round(100*float64(a.Accepted)/float64(a.Decided))), a.Accepted, a.Decided)
	}
	next := "nothing counted"
	if a.NextReset != nil {
		next = r.when(*a.NextReset)
	}
	queue := fmt.Sprintf("%d %s", a.Queue, wording.Noun(a.Queue, "invitation", "invitations"))
	if a.Forecast != "" && a.Queue > 0 {
		queue += " · " + esc(a.Forecast)
	}
	return []string{
		usage(LimitInvitesDay, "Invitations today"),
		usage(LimitInvitesWeek, "Invitations (7 days)"),
		usage(LimitNotesMonth, "Notes this month"),
		usage(LimitViewsDay, "Profile views today"),
		fmt.Sprintf("*Pending invitations*\n%d", a.Pending),
		"*Acceptance (30 days)*\n" + accept,
		"*Next reset*\n" + next,
		"*Queue*\n" + queue,
		"*Delivered (7 days)*\n" + deliveryLine(a.Delivery),
	}
}

// deliveryLine words the proof of delivery: "sent N · confirmed on
// LinkedIn N · mismatched M", and how many wait for the daily check.
func deliveryLine(p DeliveryProof) string {
	line := fmt.Sprintf("sent %d · confirmed on LinkedIn %d · mismatched %d", p.Sent, p.Confirmed, p.Missing)
	if p.Missing > 0 {
		line = ":warning: " + line
	}
	if rest := p.Sent - p.Confirmed - p.Missing; rest > 0 {
		line += fmt.Sprintf(" · %d not checked yet", rest)
	}
	return line
}

// --- alerts

func (r renderer) alert(v AlertView) message {
	text := "*" + esc(v.Title) + "*"
	if v.Body != "" {
		text += "\n" + v.Body
	}
	blocks := []slack.Block{section("alert", text)}
	if v.Until != nil {
		blocks = append(blocks, contextBlock("Until "+r.when(*v.Until)))
	}
	return message{Text: clip(esc(v.Title), maxFallbackText), Blocks: blocks}
}

// --- App Home

func (r renderer) home(v HomeView) slack.HomeTabViewRequest {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Pacer"))}
	budget := maxBlocksPerView - 8
	for i, a := range v.Accounts {
		ab := r.accountQuotaBlocks(a)
		if len(blocks)+len(ab) > budget {
			blocks = append(blocks, contextBlock(fmt.Sprintf("…and %s more: ask `/pacer quota`.", wording.Count(len(v.Accounts)-i, "account", "accounts"))))
			break
		}
		blocks = append(blocks, ab...)
	}
	if len(v.Accounts) == 0 {
		blocks = append(blocks, section("", "No LinkedIn account is configured."))
	}
	blocks = append(blocks, slack.NewDividerBlock(), section("open", "*Open proposals*\n"+r.openProposals(v.OpenProposals)))
	human := "Nobody: every account runs by itself."
	if len(v.NeedsHuman) > 0 {
		var lines []string
		for _, a := range v.NeedsHuman {
			lines = append(lines, fmt.Sprintf(":sos: *%s*: %s", esc(a.Name), esc(orText(a.StateReason, "LinkedIn asked for a check"))))
		}
		human = strings.Join(lines, "\n") + "\nLog in with `pacer account login NAME`, then `/pacer resume NAME`."
	}
	blocks = append(blocks, section("human", "*Waiting for a person*\n"+human), contextBlock("Updated "+r.when(v.UpdatedAt)))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "pacer_home"}
}

// --- the note editor

// Block and action IDs of the Edit note modal.
const (
	noteBlockID  = "note"
	noteActionID = "note_input"
)

// noteModal is the Edit note modal, the note pre-filled. meta travels in
// private_metadata and comes back with the submission.
func (r renderer) noteModal(it ItemView, meta noteMeta, maxLength int) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(plain("Hi …"), noteActionID)
	input.Multiline = true
	input.InitialValue = it.Note
	hint := "No links; LinkedIn flags them as spam."
	if maxLength > 0 {
		hint = fmt.Sprintf("Up to %d characters for this account. ", maxLength) + hint
	}
	noteInput := slack.NewInputBlock(noteBlockID, plain("Note"), plain(hint), input)
	who := esc(orText(it.Name, "this prospect"))
	if role := joinNonEmpty(" at ", esc(it.Title), esc(it.Company)); role != "" {
		who += " · " + role
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackEditNote,
		Title:           plain("Edit note"),
		Submit:          plain("Save"),
		Close:           plain("Cancel"),
		PrivateMetadata: meta.String(),
		Blocks:          slack.Blocks{BlockSet: []slack.Block{section("who", "*"+who+"*"), noteInput}},
	}
}

// --- acks

// commandAck is the body of a slash command's immediate answer.
func (r renderer) commandAck(v View) ([]byte, error) {
	m := r.render(v)
	return json.Marshal(map[string]any{"response_type": "ephemeral", "text": m.Text, "blocks": m.Blocks})
}

// viewErrorsAck keeps a modal open with messages under its fields.
func viewErrorsAck(errs map[string]string) ([]byte, error) {
	return json.Marshal(slack.NewErrorsViewSubmissionResponse(errs))
}

// --- helpers

// when writes a time as a Slack date token: "Tuesday at 14:05" in each
// reader's own timezone, with a fallback in the team's.
func (r renderer) when(t time.Time) string {
	format := "{date_short_pretty} at {time}"
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, t.In(r.loc).Format("Mon 2 Jan 15:04 MST"))
}

// clock writes a time of day ("14:05"), with the day when it is not today.
func (r renderer) clock(t time.Time) string {
	if !r.now.IsZero() && sameDay(t.In(r.loc), r.now.In(r.loc)) {
		return fmt.Sprintf("<!date^%d^{time}|%s>", t.Unix(), t.In(r.loc).Format("15:04 MST"))
	}
	return r.when(t)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func section(blockID, text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(clip(text, maxSectionText)), nil, nil, slack.SectionBlockOptionBlockID(blockID))
}

func fieldsSection(fields []string) *slack.SectionBlock {
	if len(fields) > maxFields {
		fields = fields[:maxFields]
	}
	objs := make([]*slack.TextBlockObject, len(fields))
	for i, f := range fields {
		objs[i] = mrkdwn(clip(f, maxFieldText))
	}
	return slack.NewSectionBlock(nil, objs, nil)
}

func contextBlock(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(clip(text, maxSectionText)))
}

func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, true, false)
}

// esc escapes the three characters Slack's mrkdwn gives meaning to, so that
// text from a CSV file or a note cannot mention @channel or forge a link.
func esc(s string) string { return mrkdwnEscaper.Replace(s) }

// linkTarget makes a URL safe inside <url|label>.
func linkTarget(u string) string { return linkEscaper.Replace(u) }

var (
	mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	linkEscaper   = strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C", " ", "%20")
)

// clip shortens s to at most n characters, ending with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

func orText(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// --- button values

// Action IDs and the modal's callback ID: part of Pacer's public interface
// (DESIGN §11).
const (
	ActionApprove    = "proposal.approve"
	ActionReject     = "proposal.reject"
	ActionSkip       = "item.skip"
	ActionEdit       = "item.edit"
	CallbackEditNote = "edit_note"
)

// buttonValue is what a button carries: the proposal and the version the
// clicker saw, and the item for item buttons. It is written "12:3" or
// "12:3:45", far below Block Kit's 2,000 characters.
type buttonValue struct {
	ProposalID int64
	Version    int
	ItemID     int64
}

func (v buttonValue) String() string {
	s := strconv.FormatInt(v.ProposalID, 10) + ":" + strconv.Itoa(v.Version)
	if v.ItemID != 0 {
		s += ":" + strconv.FormatInt(v.ItemID, 10)
	}
	return s
}

// parseButtonValue reads a button's value; withItem says whether an item
// is expected.
func parseButtonValue(s string, withItem bool) (buttonValue, error) {
	parts := strings.Split(s, ":")
	want := 2
	if withItem {
		want = 3
	}
	if len(s) > maxButtonValue || len(parts) != want {
		return buttonValue{}, malformed("button value %q", clip(s, 40))
	}
	var v buttonValue
	var err1, err2, err3 error
	v.ProposalID, err1 = strconv.ParseInt(parts[0], 10, 64)
	v.Version, err2 = strconv.Atoi(parts[1])
	if withItem {
		v.ItemID, err3 = strconv.ParseInt(parts[2], 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || v.ProposalID <= 0 || v.Version < 0 || (withItem && v.ItemID <= 0) {
		return buttonValue{}, malformed("button value %q", clip(s, 40))
	}
	return v, nil
}

// noteMeta is the Edit note modal's private_metadata: which item, at which
// version, sent by which account (for the note length limit), and where the
// proposal's message is.
type noteMeta struct {
	ProposalID int64
	ItemID     int64
	Version    int
	Account    string
	Channel    string
}

func (m noteMeta) String() string {
	return fmt.Sprintf("%d:%d:%d:%s:%s", m.ProposalID, m.ItemID, m.Version, m.Account, m.Channel)
}

func parseNoteMeta(s string) (noteMeta, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 5 {
		return noteMeta{}, malformed("edit_note metadata")
	}
	v, err := parseButtonValue(parts[0]+":"+parts[2]+":"+parts[1], true)
	if err != nil {
		return noteMeta{}, malformed("edit_note metadata")
	}
	return noteMeta{ProposalID: v.ProposalID, ItemID: v.ItemID, Version: v.Version, Account: parts[3], Channel: parts[4]}, nil
}
