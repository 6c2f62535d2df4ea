package bot

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// Rendering of the quota and status answers (/pacer quota, /pacer status).

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
		line := fmt.Sprintf("*%s* (%s)", esc(c.Name), esc(strings.Join(c.Senders, ", ")))
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
		line += r.campaignFinish(c)
		lines = append(lines, line)
		if len(c.Senders) > 1 {
			for _, p := range c.Parts {
				lines = append(lines, fmt.Sprintf("    • %s: %d sent · %d approved and waiting", esc(p.Account), p.Sent, p.Waiting))
			}
		}
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

// campaignFinish says when a campaign's prospects are all invited, at
// its senders' pace.
func (r renderer) campaignFinish(c CampaignStatus) string {
	senders := ""
	if len(c.Senders) > 1 {
		senders = " across " + wording.Count(len(c.Senders), "sender", "senders")
	}
	if c.FinishAt == nil {
		if c.Waiting == 0 {
			return ""
		}
		return " · no sender has room to invite now"
	}
	return fmt.Sprintf(" · all invited around %s at %d a week%s", c.FinishAt.In(r.loc).Format("Mon 2 Jan"), c.PerWeek, senders)
}
