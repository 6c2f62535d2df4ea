package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
)

// Reminders of the proposals that wait for a decision: one in the
// proposal's thread once it has waited its campaign's remind_after,
// mentioning its approvers (roles.go), then one direct message to each once
// it has waited remind_dm_after, with a link to it. The minutely pass
// (postPending) sends them. Each is claimed in slack_posts before it is
// posted (postOnce), under the proposal's key and where it goes, so that it
// goes once however many replicas run the pass; one Slack refuses is given
// back and goes at the next pass.

// The keys of a proposal's reminders in slack_posts (with its id).
const (
	reminderKey   = "reminder:%d"
	reminderDMKey = "reminder-dm:%d"
)

// remind sends the reminders due now. It returns what failed; the rest went.
func (b *Bot) remind(ctx context.Context) error {
	open, err := b.openProposals(ctx)
	if err != nil {
		return err
	}
	now := b.now()
	var errs []error
	for _, p := range open {
		c, ok := b.cfg.Campaign(p.Campaign)
		if !ok || !p.posted() {
			continue // a campaign no longer configured, or nothing to point at yet
		}
		v := ReminderView{Proposal: p, Waited: now.Sub(p.CreatedAt)}
		if after, on := c.RemindsAfter(); on && v.Waited >= after {
			errs = append(errs, b.remindInThread(ctx, v))
		}
		if after, on := c.RemindsDMAfter(); on && v.Waited >= after {
			errs = append(errs, b.remindDirectly(ctx, v))
		}
	}
	return errors.Join(errs...)
}

// remindInThread posts the reminder in the proposal's thread, once.
func (b *Bot) remindInThread(ctx context.Context, v ReminderView) error {
	p := v.Proposal
	v.Mentions = b.approverMentions(p.Campaign)
	m := b.renderer().reminder(v)
	return b.postOnce(ctx, fmt.Sprintf(reminderKey, p.ID), p.Channel, func() (string, error) {
		_, ts, err := b.api.PostMessageContext(ctx, p.Channel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...),
			slack.MsgOptionTS(p.MessageTS))
		return ts, slackCall("chat.postMessage", err)
	})
}

// remindDirectly writes to each approver about the proposal, once each.
func (b *Bot) remindDirectly(ctx context.Context, v ReminderView) error {
	v.Direct = true
	key := fmt.Sprintf(reminderDMKey, v.Proposal.ID)
	var errs []error
	for _, user := range b.approversOf(ctx, v.Proposal.Campaign) {
		errs = append(errs, b.postOnce(ctx, key, user, func() (string, error) {
			if v.Proposal.Link == "" {
				v.Proposal.Link = b.permalink(ctx, v.Proposal)
			}
			ch, _, _, err := b.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
			if err != nil {
				return "", slackCall("conversations.open", err)
			}
			m := b.renderer().reminder(v)
			_, ts, err := b.api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
			return ts, slackCall("chat.postMessage", err)
		}))
	}
	return errors.Join(errs...)
}

// permalink returns the link to a posted proposal's message, or "" when
// Slack gives none: a message that names the channel is still worth
// sending, and better than none.
func (b *Bot) permalink(ctx context.Context, p OpenProposal) string {
	link, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: p.Channel, Ts: p.MessageTS})
	if err != nil {
		b.logger.Warn("slack: no link to a proposal", slog.Int64("proposal", p.ID), slog.String("error", slackCall("chat.getPermalink", err).Error()))
		return ""
	}
	return link
}

// posted reports whether the proposal's message is in Slack.
func (p OpenProposal) posted() bool { return p.MessageTS != "" && p.MessageTS != postingMarker }
