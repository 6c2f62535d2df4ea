package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
)

// passAt runs the minutely pass at monday10+d.
func (b *bundle) passAt(t testing.TB, d time.Duration) {
	t.Helper()
	b.clock.Set(monday10.Add(d))
	if err := b.bot.postPending(context.Background()); err != nil {
		t.Fatalf("minutely pass at +%v: %v", d, err)
	}
}

// reminders are the reminders posted in p's thread.
func (b *bundle) reminders(p models.Proposal) []apiCall {
	var out []apiCall
	for _, c := range b.slack.recorded("chat.postMessage") {
		if c.Form.Get("thread_ts") == p.MessageTS && strings.Contains(c.text(), "for a decision") {
			out = append(out, c)
		}
	}
	return out
}

// directMessages are the messages posted in direct-message channels, by
// channel.
func (b *bundle) directMessages() map[string][]apiCall {
	out := map[string][]apiCall{}
	for _, c := range b.slack.recorded("chat.postMessage") {
		if ch := c.Form.Get("channel"); strings.HasPrefix(ch, "D") {
			out[ch] = append(out[ch], c)
		}
	}
	return out
}

// The approvers of the test configuration, as direct-message channels:
// the one listed by ID and the member of the listed user group.
var approverDMs = []string{dmChannel(approver), dmChannel(groupMember)}

func dmChannels(dms map[string][]apiCall) []string {
	var out []string
	for ch := range dms {
		out = append(out, ch)
	}
	slices.Sort(out)
	return out
}

// TestRemindersFireAtTheirTimes: an undecided proposal gets one reminder
// in its thread at remind_after (4h) naming the approvers, then one direct
// message to each approver at remind_dm_after (1d) with a link to it;
// neither before its time, neither twice.
func TestRemindersFireAtTheirTimes(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.slack.reset()

		b.passAt(t, 4*time.Hour-time.Minute)
		if n := len(b.reminders(p)); n != 0 {
			t.Fatalf("%d reminders a minute before remind_after", n)
		}
		b.passAt(t, 4*time.Hour)
		got := b.reminders(p)
		if len(got) != 1 {
			t.Fatalf("reminders at remind_after = %d, want 1", len(got))
		}
		text := got[0].text()
		for _, want := range []string{fmt.Sprintf("Proposal #%d has waited 4 hours for a decision", p.ID), "<@" + approver + ">", "<!subteam^" + approverGrp + ">"} {
			if !strings.Contains(text, want) {
				t.Errorf("the reminder lacks %q:\n%s", want, text)
			}
		}
		if got[0].Form.Get("channel") != p.Channel {
			t.Errorf("the reminder went to %s, want the proposal's channel %s", got[0].Form.Get("channel"), p.Channel)
		}
		b.passAt(t, 4*time.Hour+time.Minute)
		b.passAt(t, 24*time.Hour-time.Minute)
		if n := len(b.reminders(p)); n != 1 {
			t.Errorf("reminders after more passes = %d, want still 1", n)
		}
		if dms := b.directMessages(); len(dms) != 0 {
			t.Fatalf("direct messages before remind_dm_after: %v", dmChannels(dms))
		}

		b.passAt(t, 24*time.Hour)
		dms := b.directMessages()
		if got := dmChannels(dms); !slices.Equal(got, approverDMs) {
			t.Fatalf("direct messages at remind_dm_after went to %v, want %v", got, approverDMs)
		}
		var opened []string
		for _, c := range b.slack.recorded("conversations.open") {
			opened = append(opened, c.Form.Get("users"))
		}
		if slices.Sort(opened); !slices.Equal(opened, []string{approver, groupMember}) {
			t.Errorf("conversations.open for %v, want each approver", opened)
		}
		link := permalink(p.Channel, p.MessageTS)
		for ch, msgs := range dms {
			text := msgs[0].text()
			for _, want := range []string{fmt.Sprintf("Proposal #%d", p.ID), "has waited 1 day for your decision", "<" + link + "|"} {
				if !strings.Contains(text, want) {
					t.Errorf("the direct message in %s lacks %q:\n%s", ch, want, text)
				}
			}
		}
		b.passAt(t, 24*time.Hour+time.Minute)
		b.passAt(t, 48*time.Hour)
		for ch, msgs := range b.directMessages() {
			if len(msgs) != 1 {
				t.Errorf("%d direct messages in %s, want 1", len(msgs), ch)
			}
		}
		if n := len(b.reminders(p)); n != 1 {
			t.Errorf("reminders after two days = %d, want 1", n)
		}
	})
}

// TestNoReminderAfterADecision: an approved or rejected proposal waits for
// nobody.
func TestNoReminderAfterADecision(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		approved := b.proposeFor(t)
		b.importProspects(t, "ops", 100, 3)
		rejected := b.propose(t, "ops", 3)
		b.clock.Advance(time.Hour)
		b.approve(t, approver, approved)
		if resp := b.click(t, approver, rejected, ActionReject, 0); resp.StatusCode != 200 {
			t.Fatalf("reject: status %d", resp.StatusCode)
		}
		for _, p := range []models.Proposal{approved, rejected} {
			if got := b.proposal(t, p.ID); got.State == models.ProposalOpen {
				t.Fatalf("proposal #%d is still open", p.ID)
			}
		}
		b.slack.reset()
		b.passAt(t, 4*time.Hour)
		b.passAt(t, 48*time.Hour)
		for _, p := range []models.Proposal{approved, rejected} {
			if n := len(b.reminders(p)); n != 0 {
				t.Errorf("%d reminders for the decided proposal #%d", n, p.ID)
			}
			// The campaigns propose again by themselves once their queue
			// runs short: those new proposals may be reminded of.
			for ch, msgs := range b.directMessages() {
				for _, m := range msgs {
					if strings.Contains(m.text(), fmt.Sprintf("Proposal #%d ", p.ID)) {
						t.Errorf("%s was written to about the decided proposal #%d:\n%s", ch, p.ID, m.text())
					}
				}
			}
		}
	})
}

// TestRemindersNever: never turns each reminder off, for its campaign.
func TestRemindersNever(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.cfg.Campaigns[0].RemindAfter, b.cfg.Campaigns[0].RemindDMAfter = "never", "never" // cto-berlin
		b.cfg.Campaigns[1].RemindAfter = "never"                                            // ops: direct messages only
		cto := b.proposeFor(t)
		b.importProspects(t, "ops", 100, 3)
		ops := b.propose(t, "ops", 3)
		b.slack.reset()
		b.passAt(t, 4*time.Hour)
		b.passAt(t, 48*time.Hour)
		for _, p := range []models.Proposal{cto, ops} {
			if n := len(b.reminders(p)); n != 0 {
				t.Errorf("%d reminders in the thread of #%d with remind_after: never", n, p.ID)
			}
		}
		dms := b.directMessages()
		if got := dmChannels(dms); !slices.Equal(got, approverDMs) {
			t.Fatalf("direct messages went to %v, want %v (about ops only)", got, approverDMs)
		}
		for ch, msgs := range dms {
			if len(msgs) != 1 || !strings.Contains(msgs[0].text(), fmt.Sprintf("Proposal #%d", ops.ID)) {
				t.Errorf("%s got %d messages, want one about ops's #%d", ch, len(msgs), ops.ID)
			}
		}
	})
}

// TestRemindersOnceAcrossReplicas: two bots on one database run the pass
// at the same minute; each reminder still goes once.
func TestRemindersOnceAcrossReplicas(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		other := setupWith(t, b.store, b.slack, nil)
		b.slack.reset()
		for _, r := range []*bundle{b, other} {
			r.clock.Set(monday10.Add(25 * time.Hour))
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, r := range []*bundle{b, other} {
			wg.Go(func() { errs[i] = r.bot.postPending(context.Background()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("replica %d: %v", i, err)
			}
		}
		if n := len(b.reminders(p)); n != 1 {
			t.Errorf("reminders in the thread = %d, want 1", n)
		}
		dms := b.directMessages()
		if got := dmChannels(dms); !slices.Equal(got, approverDMs) {
			t.Errorf("direct messages went to %v, want %v", got, approverDMs)
		}
		for ch, msgs := range dms {
			if len(msgs) != 1 {
				t.Errorf("%d direct messages in %s, want 1", len(msgs), ch)
			}
		}
	})
}

// TestAFailedReminderIsPostedNextMinute: a reminder Slack refuses gives its
// claim back, and the next pass posts it; those that went are not sent
// again.
func TestAFailedReminderIsPostedNextMinute(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.slack.reset()
		b.slack.setFailIf(func(c apiCall) string {
			switch {
			case c.Method == "chat.postMessage" && c.Form.Get("thread_ts") != "":
				return "internal_error"
			case c.Method == "conversations.open" && c.Form.Get("users") == groupMember:
				return "ratelimited"
			}
			return ""
		})
		b.passAt(t, 24*time.Hour)
		if got := dmChannels(b.directMessages()); !slices.Equal(got, []string{dmChannel(approver)}) {
			t.Fatalf("direct messages went to %v, want only %s", got, dmChannel(approver))
		}
		var claims int64
		b.store.DB.Model(&slackPost{}).Where("ts = ?", postingMarker).Count(&claims)
		if claims != 0 {
			t.Errorf("%d claims kept after refused posts; they must be given back", claims)
		}

		b.slack.setFailIf(nil)
		b.slack.reset()
		b.passAt(t, 24*time.Hour+time.Minute)
		if n := len(b.reminders(p)); n != 1 {
			t.Errorf("reminders posted by the next pass = %d, want 1", n)
		}
		if got := dmChannels(b.directMessages()); !slices.Equal(got, []string{dmChannel(groupMember)}) {
			t.Errorf("the next pass wrote to %v, want only %s, whose message failed", got, dmChannel(groupMember))
		}
	})
}

// TestExpiryFiresAtItsTime: at expire_after (7 days) without a decision or
// an edit, the proposal expires and its card says so in words: how long it
// waited, how many prospects went back to the queue.
func TestExpiryFiresAtItsTime(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		if resp := b.click(t, approver, p, ActionSkip, b.items(t, p.ID)[0].ID); resp.StatusCode != 200 {
			t.Fatalf("skip: status %d", resp.StatusCode)
		}
		b.passAt(t, 7*24*time.Hour-time.Minute)
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
			t.Fatalf("a minute before expire_after the proposal is %s", got.State)
		}
		b.slack.reset()
		b.passAt(t, 7*24*time.Hour)
		if got := b.proposal(t, p.ID); got.State != models.ProposalExpired {
			t.Fatalf("at expire_after the proposal is %s, want expired", got.State)
		}
		var card *apiCall
		for _, c := range b.slack.recorded("chat.update") {
			if c.Form.Get("ts") == p.MessageTS {
				card = &c
			}
		}
		if card == nil {
			t.Fatal("the expired proposal's card was not updated")
		}
		want := "Expired after 7 days without a decision"
		if text := card.text(); !strings.Contains(text, want) || !strings.Contains(text, "its 2 prospects went back to the queue") {
			t.Errorf("the card does not say %q and that its 2 prospects (one was skipped) went back:\n%s", want, text)
		}
		if n := countActions(card.blocks(t), ActionApprove); n != 0 {
			t.Errorf("the expired card still offers Approve (%d)", n)
		}
	})
}

// homeSection returns the text of the published Home's block blockID.
func homeSection(t *testing.T, pub apiCall, blockID string) string {
	t.Helper()
	for _, bl := range pub.blocks(t) {
		if bl["block_id"] == blockID {
			text, _ := bl["text"].(map[string]any)
			s, _ := text["text"].(string)
			return s
		}
	}
	t.Fatalf("the Home has no block %q", blockID)
	return ""
}

// TestAppHomeListsWhatWaitsForYou: an approver's Home lists the open
// proposals they may decide, oldest first, with how long each waited and a
// link; someone who may not decide sees none; a decided one is not listed.
func TestAppHomeListsWhatWaitsForYou(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "cto-berlin", 1, 10)
		b.importProspects(t, "ops", 100, 3)
		decided := b.propose(t, "cto-berlin", 3)
		b.approve(t, approver, decided)
		b.clock.Set(monday10.Add(time.Hour))
		ops := b.propose(t, "ops", 3)
		b.clock.Set(monday10.Add(2 * time.Hour))
		cto := b.propose(t, "cto-berlin", 3)
		b.clock.Set(monday10.Add(5 * time.Hour))

		for _, user := range []string{approver, groupMember} {
			b.slack.reset()
			b.post(t, PathEvents, homeOpenedBody(testTeam, user))
			pubs := b.slack.recorded("views.publish")
			if len(pubs) != 1 {
				t.Fatalf("views.publish calls = %d, want 1", len(pubs))
			}
			waiting := homeSection(t, pubs[0], "waiting")
			if !strings.HasPrefix(waiting, "*Waiting for you*") {
				t.Errorf("the section is not titled Waiting for you:\n%s", waiting)
			}
			opsAt := strings.Index(waiting, fmt.Sprintf("#%d ", ops.ID))
			ctoAt := strings.Index(waiting, fmt.Sprintf("#%d ", cto.ID))
			if opsAt < 0 || ctoAt < 0 || opsAt > ctoAt {
				t.Errorf("%s: want ops's #%d then cto-berlin's #%d, oldest first:\n%s", user, ops.ID, cto.ID, waiting)
			}
			if strings.Contains(waiting, fmt.Sprintf("#%d ", decided.ID)) {
				t.Errorf("%s: the approved #%d is listed as waiting:\n%s", user, decided.ID, waiting)
			}
			for _, want := range []string{"waiting 4 hours", "waiting 3 hours", "<" + permalink(ops.Channel, ops.MessageTS) + "|", "<" + permalink(cto.Channel, cto.MessageTS) + "|"} {
				if !strings.Contains(waiting, want) {
					t.Errorf("%s: the section lacks %q:\n%s", user, want, waiting)
				}
			}
		}

		b.slack.reset()
		b.post(t, PathEvents, homeOpenedBody(testTeam, stranger))
		waiting := homeSection(t, b.slack.recorded("views.publish")[0], "waiting")
		if !strings.Contains(waiting, "Nothing waits for your decision") || strings.Contains(waiting, "#") {
			t.Errorf("someone who may not decide is shown:\n%s", waiting)
		}
	})
}
