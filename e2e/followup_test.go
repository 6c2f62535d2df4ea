package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/models"
)

// followUps is the loop's conversation after acceptance (issue 17): two
// days later (the acceptances moved back in the database) the six who
// accepted are proposed their first follow-up; one message is edited, the
// batch approved; each message reaches the simulated conversation exactly
// once as approved; one prospect replies: their sequence stops, Slack is
// told in the proposal's thread, and the webhook gets message.replied.
func followUps(t *testing.T, w *world) {
	t.Helper()
	if err := w.store.DB.Exec("UPDATE prospects SET connected_at = ? WHERE connected_at IS NOT NULL", time.Now().Add(-49*time.Hour).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	var card slackMessage
	w.waitFor(3*time.Minute, "the proposal of follow-up messages", func() bool {
		for _, m := range w.slack.channelMessages(channel) {
			if strings.Contains(blocksText(m.Blocks), "follow-up messages") {
				card = m
				return true
			}
		}
		return false
	})
	shown := items(card)
	if len(shown) != len(acceptedSlugs) {
		t.Fatalf("the follow-ups proposed: %d, want the %d who accepted:\n%s", len(shown), len(acceptedSlugs), blocksText(card.Blocks))
	}
	want := map[string]string{} // slug → the message to arrive
	for _, it := range shown {
		p := bySlug(it.Slug)
		want[it.Slug] = fmt.Sprintf("Thanks for connecting, %s! How is %s doing this spring?", orDefault(p.first, "there"), orDefault(p.company, "your company"))
		text := unescape(it.Text)
		if !strings.Contains(text, ">"+want[it.Slug]) || !strings.Contains(text, "follow-up 1 · accepted") || !strings.Contains(text, "invited with") {
			t.Errorf("the follow-up to %s is shown as\n%s", it.Slug, text)
		}
	}

	// Edit one message in the modal, then approve from the card as it is.
	edited := shown[0]
	editedText := "Thanks for connecting! I enjoyed your work on the Analytical Engine; a coffee in Berlin some day?"
	trigger, _ := w.click(anna, card, "item.edit", edited.ID)
	var opened slackCall
	w.waitFor(20*time.Second, "the message editor", func() bool {
		for _, c := range w.slack.callsTo("views.open") {
			if c.JSON["trigger_id"] == trigger {
				opened = c
				return true
			}
		}
		return false
	})
	if code, ack := w.submit(anna, w.slack.view(opened.ViewID), map[string]string{"note": editedText}); code != 200 || ack != "" {
		t.Fatalf("the message's submission answered %d %q", code, ack)
	}
	want[edited.Slug] = editedText
	w.waitFor(30*time.Second, "the card to show the edited message", func() bool {
		m, _ := w.slack.message(channel, card.TS)
		card = m
		return strings.Contains(unescape(blocksText(m.Blocks)), ">"+editedText)
	})
	w.click(lead, card, "proposal.approve", 0)

	// Each message reaches its conversation once, exactly as approved.
	w.waitFor(3*time.Minute, "the simulator to receive the six messages", func() bool {
		return len(w.received().Messages) >= len(want)
	})
	got := map[string]int{}
	var account string
	for _, m := range w.received().Messages {
		got[m.Slug]++
		account = m.Account
		if m.InMail || m.Text != want[m.Slug] {
			t.Errorf("%s received %q (InMail %v), want %q", m.Slug, m.Text, m.InMail, want[m.Slug])
		}
	}
	for slug := range want {
		if got[slug] != 1 {
			t.Errorf("%s received %d messages, want 1", slug, got[slug])
		}
	}

	// Ada replies; the next scan of the messaging list finds it.
	replier := acceptedSlugs[0]
	w.simAdmin("/_sim/reply", map[string]string{"account": account, "slug": replier, "text": "Thanks! Happy to meet in Berlin."})
	var ada models.Prospect
	w.waitFor(3*time.Minute, "the reply to be recorded", func() bool {
		return w.store.DB.Where("slug = ?", replier).Take(&ada).Error == nil && ada.RepliedAt != nil
	})
	w.waitFor(time.Minute, "the proposal's thread to say Ada replied", func() bool {
		for _, m := range w.slack.thread(channel, card.TS) {
			if strings.Contains(unescape(blocksText(m.Blocks))+m.Text, "replied: “Thanks! Happy to meet in Berlin.”") {
				return true
			}
		}
		return false
	})
	w.waitFor(time.Minute, "the webhook to receive message.sent and message.replied", func() bool {
		return len(deliveries(w, "message.sent")) == len(want) && len(deliveries(w, "message.replied")) == 1
	})
	// HubSpot notes the message and the reply on her contact, once each.
	w.waitFor(time.Minute, "HubSpot to note Ada's message and reply", func() bool {
		c, ok := w.hubspot.ContactBy(hubspot.DefaultProfileURLProperty, campaign.ProfileURL(replier))
		if !ok {
			return false
		}
		var sent, replied int
		for _, n := range w.hubspot.NotesFor(c.ID) {
			body := n.Properties["hs_note_body"]
			if strings.HasPrefix(body, "LinkedIn message sent on ") && strings.Contains(body, want[replier]) {
				sent++
			}
			if strings.HasPrefix(body, "Replied on LinkedIn on ") && strings.Contains(body, "Thanks! Happy to meet in Berlin.") {
				replied++
			}
		}
		return sent == 1 && replied == 1
	})

	// Her sequence stops: three days on, the second follow-up is proposed
	// to the five others only.
	if err := w.store.DB.Exec("UPDATE actions SET finished_at = ? WHERE kind = ? AND state = ?", time.Now().Add(-73*time.Hour).UTC(), models.ActionMessage, models.ActionDone).Error; err != nil {
		t.Fatal(err)
	}
	var second []models.ProposalItem
	w.waitFor(3*time.Minute, "the second follow-ups", func() bool {
		return w.store.DB.Where("step = 2").Find(&second).Error == nil && len(second) > 0
	})
	for _, it := range second {
		if it.ProspectID == ada.ID {
			t.Errorf("the second follow-up was proposed to %s, who replied", replier)
		}
	}
	if len(second) != len(acceptedSlugs)-1 {
		t.Errorf("%d second follow-ups proposed, want %d", len(second), len(acceptedSlugs)-1)
	}
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
