package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
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
			t.Errorf("approved follow-ups: %+v, want 3 messages as shown", messages)
		}
	})
}
