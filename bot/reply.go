package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// tellReply says in the thread of the prospect's last proposal that they
// replied, with the start of the reply and a link to the conversation,
// once per event: their follow-ups have stopped, and the conversation is a
// person's to carry on.
func (b *Bot) tellReply(ctx context.Context, e models.Event, d models.EventData) error {
	id, err := b.proposalOf(ctx, e, d)
	if err != nil || id == 0 {
		return err
	}
	var p models.Proposal
	if err := b.store.DB.WithContext(ctx).Take(&p, id).Error; err != nil {
		return fmt.Errorf("bot: read proposal #%d: %w", id, err)
	}
	if p.MessageTS == "" || p.MessageTS == postingMarker {
		return nil // never shown in Slack: nowhere to say it
	}
	text := b.renderer().replyText(d)
	return b.postOnce(ctx, e.ID, p.Channel, func() (string, error) {
		_, ts, err := b.api.PostMessageContext(ctx, p.Channel, slack.MsgOptionText(text, false), slack.MsgOptionTS(p.MessageTS))
		if err != nil {
			return "", slackCall("chat.postMessage", err)
		}
		return ts, nil
	})
}

// replyText is the thread's line for a reply.
func (r renderer) replyText(d models.EventData) string {
	name := "A prospect"
	if d.Prospect != nil {
		name = esc(orText(strings.TrimSpace(d.Prospect.FirstName+" "+d.Prospect.LastName), d.Prospect.Slug))
		if d.Prospect.ProfileURL != "" {
			name = "<" + linkTarget(d.Prospect.ProfileURL) + "|" + strings.ReplaceAll(name, "|", "¦") + ">"
		}
	}
	line := fmt.Sprintf(":speech_balloon: %s replied", name)
	if d.Text != "" {
		line += ": “" + esc(clip(d.Text, 300)) + "”"
	}
	if d.URL != "" {
		line += " · <" + linkTarget(d.URL) + "|open the conversation>"
	}
	return line + ". Their follow-ups have stopped; the conversation is yours."
}

// isReply reports whether the event is a prospect's reply.
func isReply(e models.Event) bool { return e.Type == string(pacertype.EventMessageReplied) }
