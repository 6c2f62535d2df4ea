package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// TestFollowUpsAreShownWithTheirContextAndApproved: a proposal of
// follow-up messages shows each message with the invitation it follows,
// offers Edit message, and its approval schedules the messages as shown.
func TestFollowUpsAreShownWithTheirContextAndApproved(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		b.cfg.Campaigns[0].FollowUps = []config.FollowUp{{After: "2d", Message: "Thanks for connecting, {{first_name}}!"}}
		invites := b.proposeFor(t)
		b.approve(t, approver, invites)
		acceptedAt := b.clock.Now()
		b.store.DB.Model(&models.Action{}).Where("kind = ?", models.ActionInvite).
			Updates(map[string]any{"state": models.ActionDone, "finished_at": acceptedAt})
		b.store.DB.Model(&models.Prospect{}).Where("id IN (SELECT prospect_id FROM proposal_items WHERE proposal_id = ?)", invites.ID).
			Update("connected_at", acceptedAt)

		b.clock.Advance(48 * time.Hour)
		b.slack.reset()
		if err := b.bot.postPending(ctx); err != nil {
			t.Fatal(err)
		}
		var card apiCall
		for _, c := range b.slack.recorded("chat.postMessage") {
			if strings.Contains(c.text(), "follow-up messages") {
				card = c
			}
		}
		text := card.text()
		for _, want := range []string{"Proposal #2 · cto-berlin · follow-up messages", ">Thanks for connecting, Ada1!", "follow-up 1 · accepted <!date^",
			"invited with “Hi Ada1, I enjoyed your talk at the meetup.”", `"text":"Edit message"`} {
			if !strings.Contains(text, want) {
				t.Errorf("the follow-up proposal does not show %q:\n%s", want, text)
			}
		}
		p := b.proposal(t, 2)
		if p.Kind != models.ProposalMessages {
			t.Fatalf("proposal #2 is of kind %q", p.Kind)
		}
		b.approve(t, approver, p)
		var messages []models.Action
		b.store.DB.Where("kind = ?", models.ActionMessage).Order("prospect_id").Find(&messages)
		if len(messages) != 3 || messages[0].Note != "Thanks for connecting, Ada1!" {
			t.Fatalf("approved follow-ups: %+v, want 3 messages as shown", messages)
		}

		// Ada1 replies: the follow-ups' thread says so once, with a link.
		p = b.proposal(t, 2)
		var ada models.Prospect
		b.store.DB.Take(&ada, *messages[0].ProspectID)
		e := b.record(t, pacertype.EventMessageReplied,
			models.EventRefs{AccountID: &p.AccountID, CampaignID: &p.CampaignID, ProspectID: &ada.ID},
			models.EventData{Prospect: models.ProspectForEvent(ada), Account: "anna", Campaign: "cto-berlin",
				Text: "Thanks! Happy to chat next week.", URL: "https://www.linkedin.com/messaging/thread/2-abc/"})
		b.slack.reset()
		for range 2 { // a retried delivery posts nothing more
			if err := b.deliver(t, e); err != nil {
				t.Fatal(err)
			}
		}
		var replies []apiCall
		for _, c := range b.slack.recorded("chat.postMessage") {
			if c.Form.Get("thread_ts") == p.MessageTS && strings.Contains(c.text(), "replied") {
				replies = append(replies, c)
			}
		}
		if len(replies) != 1 || !strings.Contains(replies[0].text(), "Ada1 Lovelace> replied: “Thanks! Happy to chat next week.”") ||
			!strings.Contains(replies[0].text(), "<https://www.linkedin.com/messaging/thread/2-abc/|open the conversation>") {
			t.Errorf("the reply in the thread: %+v", replies)
		}
	})
}
