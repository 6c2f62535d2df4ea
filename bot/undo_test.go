package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// lastUpdate is the text of the last chat.update of the proposal's first
// message.
func (b *bundle) lastUpdate(t testing.TB, p models.Proposal) string {
	t.Helper()
	var last string
	for _, c := range b.slack.recorded("chat.update") {
		if c.Form.Get("ts") == p.MessageTS {
			last = c.text()
		}
	}
	return last
}

// withUndoWindow gives cto-berlin, whose tests send at once, the default
// undo window.
func (b *bundle) withUndoWindow() {
	for i := range b.cfg.Campaigns {
		b.cfg.Campaigns[i].UndoWindow = ""
	}
}

// due counts the scheduled actions due by now.
func (b *bundle) due(t testing.TB) int64 {
	t.Helper()
	var n int64
	if err := b.store.DB.Model(&models.Action{}).Where("state = ? AND scheduled_at <= ?", models.ActionScheduled, b.clock.Now()).
		Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUndoWithinTheWindowSendsNothing: an approved batch waits for its undo
// window; the card offers Undo with the time left, and Undo returns every
// prospect to the proposal, with nothing scheduled.
func TestUndoWithinTheWindowSendsNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.withUndoWindow()
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		if n := b.due(t); n != 0 || b.scheduled(t) == 0 {
			t.Fatalf("right after the approval: %d actions due of %d scheduled, want none due", n, b.scheduled(t))
		}
		card := b.lastUpdate(t, p)
		if !strings.Contains(card, ActionUndo) || !strings.Contains(card, "10m left to undo") {
			t.Fatalf("the approved card offers no Undo with its time left: %s", card)
		}

		// A minute later the card counts down.
		b.clock.Advance(time.Minute)
		if err := b.bot.postPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if card := b.lastUpdate(t, p); !strings.Contains(card, "9m left to undo") {
			t.Errorf("a minute later the card says: %s", card)
		}

		b.clock.Advance(5 * time.Minute)
		b.slack.reset()
		if resp := b.click(t, approver, b.proposal(t, p.ID), ActionUndo, 0); resp.StatusCode != 200 {
			t.Fatalf("undo: status %d", resp.StatusCode)
		}
		got := b.proposal(t, p.ID)
		if got.State != models.ProposalOpen || got.Version != p.Version+1 {
			t.Fatalf("after undo the proposal is %s at version %d, want open at %d", got.State, got.Version, p.Version+1)
		}
		if n := b.scheduled(t); n != 0 {
			t.Errorf("after undo %d actions are scheduled, want 0", n)
		}
		if card := b.lastUpdate(t, got); !strings.Contains(card, "Approve all") || strings.Contains(card, ActionUndo) {
			t.Errorf("after undo the card does not offer the approval again: %s", card)
		}
		// Past the old window nothing is due either.
		b.clock.Advance(time.Hour)
		if n := b.due(t); n != 0 {
			t.Errorf("an hour after the undo %d actions are due", n)
		}
	})
}

// TestUndoAfterTheWindowIsRefused: once the window closes the batch is due,
// the card shows its progress instead of Undo, and an Undo from an old
// rendering changes nothing.
func TestUndoAfterTheWindowIsRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.withUndoWindow()
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		scheduled := b.scheduled(t)
		b.clock.Advance(config.DefaultUndoWindow)
		if n := b.due(t); n == 0 || n != scheduled {
			t.Fatalf("at the window's close %d of %d actions are due, want all", n, scheduled)
		}
		if err := b.bot.postPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if card := b.lastUpdate(t, p); strings.Contains(card, ActionUndo) || !strings.Contains(card, "Sent 0/") {
			t.Errorf("after the window the card still offers Undo or shows no progress: %s", card)
		}
		b.click(t, approver, b.proposal(t, p.ID), ActionUndo, 0)
		if got := b.proposal(t, p.ID); got.State != models.ProposalApproved || b.scheduled(t) != scheduled {
			t.Errorf("a late undo changed the batch: %s, %d scheduled", got.State, b.scheduled(t))
		}
		if told := b.lastEphemeral(approver); !strings.Contains(told, "can no longer be undone") {
			t.Errorf("the approver was told %q", told)
		}
	})
}

// TestTheThreadShowsTheHistory: each decision on a proposal is listed, in
// order, in one message of its thread, posted at the first decision and
// updated after.
func TestTheThreadShowsTheHistory(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.withUndoWindow()
		p := b.proposeFor(t)
		items := b.items(t, p.ID)
		b.slack.reset()
		b.click(t, approver, p, ActionSkip, items[1].ID)
		var history []apiCall
		for _, c := range b.slack.recorded("chat.postMessage") {
			if c.Form.Get("thread_ts") == p.MessageTS && strings.Contains(c.text(), "history of its decisions") {
				history = append(history, c)
			}
		}
		if len(history) != 1 || !strings.Contains(history[0].text(), "<@"+approver+"> skipped Ada2 Lovelace") {
			t.Fatalf("after a skip the thread's history is %+v", history)
		}
		b.approve(t, approver, b.proposal(t, p.ID))
		b.click(t, approver, b.proposal(t, p.ID), ActionUndo, 0)
		var last string
		for _, c := range b.slack.recorded("chat.update") {
			if strings.Contains(c.text(), "history of its decisions") {
				last = c.text()
			}
		}
		skipped := strings.Index(last, "skipped Ada2")
		approved := strings.Index(last, "~<@"+approver+"> approved the batch: approved 2 items (2 actions)~ (undone)")
		undone := strings.Index(last, "<@"+approver+"> undid the approval: approval undone; 2 items proposed again")
		if skipped < 0 || approved < skipped || undone < approved {
			t.Errorf("the history does not list the skip, the approval undone and the undo in order:\n%s", last)
		}
		if n := len(b.slack.recorded("chat.postMessage")); n != 1 {
			t.Errorf("the history was posted %d times, want once then updated", n)
		}
	})
}
