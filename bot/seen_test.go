package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
)

// failReplies fails every message posted in a thread.
func failReplies(c apiCall) string {
	if c.Method == "chat.postMessage" && c.Form.Get("thread_ts") != "" {
		return "internal_error"
	}
	return ""
}

// TestAFailedSpillPostKeepsTheBatchFromApproval: the prospects that do not
// fit in the first message go to its thread; when Slack refuses that post,
// nobody has seen them, so the approval is refused until the minutely pass
// has posted them, and nothing is scheduled meanwhile.
func TestAFailedSpillPostKeepsTheBatchFromApproval(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "cto-berlin", 1, 40)
		b.slack.setFailIf(failReplies)
		batch, err := b.proposer.Propose(context.Background(), "cto-berlin", 30)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.bot.postProposal(context.Background(), batch.Proposal.ID); err == nil {
			t.Fatal("posting the proposal reported no error while its thread's message was refused")
		}
		p := b.proposal(t, batch.Proposal.ID)
		if p.MessageTS == "" || p.MessageTS == postingMarker {
			t.Fatalf("the first message was not recorded: %q", p.MessageTS)
		}

		b.approve(t, approver, p)
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
			t.Fatalf("a batch with 8 prospects nobody saw was %s", got.State)
		}
		if n := b.scheduled(t); n != 0 {
			t.Fatalf("scheduled actions = %d, want 0", n)
		}
		if got := b.lastEphemeral(approver); !strings.Contains(got, "8 of its 30 prospects are not shown") {
			t.Errorf("the approver was told %q", got)
		}

		// Slack answers again: the minutely pass posts the thread, and the
		// batch, now seen, approves.
		b.slack.setFailIf(nil)
		b.slack.reset()
		if err := b.bot.postPending(context.Background()); err != nil {
			t.Fatalf("minutely pass: %v", err)
		}
		replies := 0
		for _, c := range b.slack.recorded("chat.postMessage") {
			if c.Form.Get("thread_ts") == p.MessageTS {
				replies++
			}
		}
		if replies != 1 {
			t.Fatalf("thread messages posted by the minutely pass = %d, want 1", replies)
		}
		if err := b.bot.postPending(context.Background()); err != nil {
			t.Fatalf("second minutely pass: %v", err)
		}
		if n := len(b.slack.recorded("chat.postMessage")); n != 1 {
			t.Errorf("the second pass posted again: %d messages in all", n)
		}
		b.approve(t, approver, b.proposal(t, p.ID))
		if got := b.proposal(t, p.ID); got.State != models.ProposalApproved {
			t.Fatalf("the batch, now shown, is %s", got.State)
		}
		if n := b.scheduled(t); n != 30 {
			t.Errorf("scheduled actions = %d, want 30", n)
		}
	})
}

// TestApprovalIsBoundToTheTextShown: a note edited in the thread whose
// message Slack then refuses to update still shows the old note there, so
// approving the new version, whose button the first message carries, is
// refused until the thread shows the note that would be sent.
func TestApprovalIsBoundToTheTextShown(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "cto-berlin", 1, 40)
		p := b.propose(t, "cto-berlin", 30)
		b.slack.setFailIf(func(c apiCall) string {
			if c.Method == "chat.update" && c.Form.Get("ts") != p.MessageTS {
				return "internal_error"
			}
			return ""
		})
		items := b.items(t, p.ID)
		if _, err := b.proposer.EditNote(context.Background(), items[29].ID, p.Version, approver, "Hi Ada, a note nobody has seen yet."); err != nil {
			t.Fatal(err)
		}
		_ = b.bot.refreshProposal(context.Background(), p.ID)

		now := b.proposal(t, p.ID)
		b.approve(t, approver, now)
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
			t.Fatalf("a note shown nowhere was approved: %s", got.State)
		}
		if got := b.lastEphemeral(approver); !strings.Contains(got, "not shown") {
			t.Errorf("the approver was told %q", got)
		}

		b.slack.setFailIf(nil)
		if err := b.bot.postPending(context.Background()); err != nil {
			t.Fatalf("minutely pass: %v", err)
		}
		b.approve(t, approver, b.proposal(t, p.ID))
		if got := b.proposal(t, p.ID); got.State != models.ProposalApproved {
			t.Fatalf("the batch, now shown as it is, is %s", got.State)
		}
	})
}

// scheduled counts the actions waiting to be sent.
func (b *bundle) scheduled(t testing.TB) int64 {
	t.Helper()
	var n int64
	if err := b.store.DB.Model(&models.Action{}).Where("state = ?", models.ActionScheduled).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAnApprovalWaitsForTheRefreshInProgress: an approval that arrives
// while an edit's refresh is updating the messages (they show the new
// text, what they show is not recorded yet) waits for the refresh and
// goes through, rather than calling the batch unseen.
func TestAnApprovalWaitsForTheRefreshInProgress(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		shown := b.proposal(t, p.ID).Shown
		mu := &b.bot.refreshLocks[uint64(p.ID)%uint64(len(b.bot.refreshLocks))]
		mu.Lock()
		b.store.DB.Model(&models.Proposal{}).Where("id = ?", p.ID).UpdateColumn("shown", "stale")
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.approve(t, approver, p)
		}()
		time.Sleep(200 * time.Millisecond) // the click reaches the check meanwhile
		b.store.DB.Model(&models.Proposal{}).Where("id = ?", p.ID).UpdateColumn("shown", shown)
		mu.Unlock()
		<-done
		b.bot.tasks.wait()
		if got := b.proposal(t, p.ID); got.State != models.ProposalApproved {
			t.Errorf("the approval made during a refresh left the proposal %s; told %q", got.State, b.lastEphemeral(approver))
		}
	})
}
