package bot

import (
	"fmt"
	"math"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/wording"
)

// Rendering of the daily digest.

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
