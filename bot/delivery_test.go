package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// record writes an event as the other packages do, with its delivery jobs.
func (b *bundle) record(t testing.TB, eventType pacertype.EventType, refs models.EventRefs, data models.EventData) models.Event {
	t.Helper()
	var e models.Event
	err := b.store.DB.Transaction(func(tx *gorm.DB) error {
		var err error
		e, err = b.store.RecordEvent(context.Background(), tx, eventType, refs, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// deliver delivers the event to Slack as the integrations' delivery worker
// does for the "slack" destination.
func (b *bundle) deliver(t testing.TB, e models.Event) error {
	t.Helper()
	return b.bot.Deliver(context.Background(), e.ID)
}

func (b *bundle) accountID(t testing.TB, name string) int64 {
	t.Helper()
	var a models.Account
	if err := b.store.DB.Where("name = ?", name).First(&a).Error; err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func TestAlerts(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		anna, bob := b.accountID(t, "anna"), b.accountID(t, "bob")
		until := b.clock.Now().Add(3 * 24 * time.Hour)
		tests := []struct {
			name    string
			typ     pacertype.EventType
			refs    models.EventRefs
			data    models.EventData
			targets []string
			want    []string
		}{
			{"weekly limit", "account.restricted", models.EventRefs{AccountID: &anna},
				models.EventData{Account: "anna", Reason: "weekly_invitation_limit", Until: &until},
				[]string{ctoChannel, approver, groupMember}, []string{"anna reached a LinkedIn limit", "LinkedIn's weekly invitation limit is reached. Pacer stopped inviting", "Until <!date^"}},
			{"checkpoint", "account.checkpoint", models.EventRefs{AccountID: &anna},
				models.EventData{Account: "anna", Reason: "captcha"},
				[]string{ctoChannel, approver, groupMember}, []string{"anna needs a person", "LinkedIn showed a CAPTCHA.", "pacer account login anna", "/pacer resume anna", "never tries to solve"}},
			{"acceptance guard", pacertype.EventGuardTripped, models.EventRefs{AccountID: &bob},
				models.EventData{Account: "bob", Reason: "acceptance 15% over the last 50 decided invitations: daily invitations halved"},
				[]string{opsChannel, approver, groupMember}, []string{"Few invitations from bob are accepted", "acceptance 15%"}},
			{"pending invitations", pacertype.EventPendingAlert, models.EventRefs{AccountID: &bob},
				models.EventData{Account: "bob", Count: 512},
				[]string{opsChannel}, []string{"bob has 512 pending invitations"}},
			{"dead letter", pacertype.EventDeadLettered, models.EventRefs{},
				models.EventData{Destination: "hubspot", Reason: "Property jobtitle does not exist <!channel>"},
				[]string{ctoChannel, opsChannel}, []string{"A delivery to hubspot failed for good", "pacer deliveries retry", "jobtitle does not exist &lt;!channel&gt;"}},
			{"integration paused", pacertype.EventIntegrationPaused, models.EventRefs{},
				models.EventData{Destination: "finder:hunter", Reason: "Hunter's monthly quota is spent", Until: &until},
				[]string{ctoChannel, opsChannel}, []string{"finder:hunter is paused", "Hunter's monthly quota is spent. Pacer stopped calling", "Until <!date^"}},
			{"invitations missing from the Sent page", pacertype.EventDeliveryMissing, models.EventRefs{AccountID: &anna},
				models.EventData{Account: "anna", Count: 2, Names: []string{"Lou Lost (lost-lou)", "Mo <Gone> (mo-gone)"}},
				[]string{ctoChannel, approver, groupMember}, []string{"2 invitations from anna are not on LinkedIn's Sent page",
					"Lou Lost (lost-lou), Mo &lt;Gone&gt; (mo-gone)", "does not send them again by itself"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b.slack.reset()
				e := b.record(t, tt.typ, tt.refs, tt.data)
				if err := b.deliver(t, e); err != nil {
					t.Fatal(err)
				}
				posts := b.slack.recorded("chat.postMessage")
				var got []string
				for _, p := range posts {
					got = append(got, p.Form.Get("channel"))
					for _, w := range tt.want {
						if !strings.Contains(p.text(), w) && !strings.Contains(p.Form.Get("blocks"), w) {
							t.Errorf("alert to %s lacks %q:\n%s", p.Form.Get("channel"), w, p.text())
						}
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.targets, ",") {
					t.Errorf("posted to %v, want %v", got, tt.targets)
				}
				// A retried delivery posts nothing twice.
				b.slack.reset()
				if err := b.deliver(t, e); err != nil {
					t.Fatal(err)
				}
				if n := len(b.slack.recorded("chat.postMessage")); n != 0 {
					t.Errorf("the retried delivery posted %d messages again", n)
				}
			})
		}
	})
}

func TestAlertRetriesWhatFailed(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		anna := b.accountID(t, "anna")
		e := b.record(t, "account.checkpoint", models.EventRefs{AccountID: &anna}, models.EventData{Account: "anna"})
		b.slack.setFail("chat.postMessage", "ratelimited")
		if err := b.deliver(t, e); err == nil {
			t.Fatal("a failed post was not reported to River")
		}
		b.slack.setFail("chat.postMessage", "")
		b.slack.reset()
		if err := b.deliver(t, e); err != nil {
			t.Fatal(err)
		}
		if n := len(b.slack.recorded("chat.postMessage")); n != 3 {
			t.Errorf("posts after the retry = %d, want 3 (channel and two approvers)", n)
		}
	})
}

func TestDeliveryOfOtherEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		anna := b.accountID(t, "anna")
		e := b.record(t, "invite.accepted", models.EventRefs{AccountID: &anna}, models.EventData{Account: "anna"})
		if err := b.deliver(t, e); err != nil {
			t.Fatal(err)
		}
		if n := len(b.slack.recorded()); n != 0 {
			t.Errorf("an event with no proposal and no alert made %d Slack calls", n)
		}
		err := b.bot.Deliver(context.Background(), "evt_missing")
		var cancel *river.JobCancelError
		if !errors.As(err, &cancel) {
			t.Errorf("a missing event: %v, want the job cancelled", err)
		}
	})
}

// TestProgressCard follows an approved batch: each event updates the card
// at most once per 10 seconds; the updates in between are coalesced into
// one deferred job, and the last state always shows.
func TestProgressCard(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		p = b.proposal(t, p.ID)
		items := b.items(t, p.ID)
		b.slack.reset()

		// The first invitation goes out 5 s after the approval: too soon.
		b.clock.Advance(5 * time.Second)
		e := b.finish(t, p, items[0], models.ActionDone, "")
		if err := b.deliver(t, e); err != nil {
			t.Fatal(err)
		}
		if n := len(b.slack.recorded("chat.update")); n != 0 {
			t.Fatalf("the card was updated %d times within 10 s of the last update", n)
		}
		jobs := b.progressJobs(t)
		if len(jobs) != 1 {
			t.Fatalf("deferred updates = %d, want 1", len(jobs))
		}
		// More events in the same interval add no job.
		for range 3 {
			if err := b.deliver(t, e); err != nil {
				t.Fatal(err)
			}
		}
		if jobs := b.progressJobs(t); len(jobs) != 1 {
			t.Fatalf("deferred updates after more events = %d, want 1", len(jobs))
		}

		// At the end of the interval the deferred job shows the progress.
		b.clock.Advance(6 * time.Second)
		if err := b.bot.ProgressWorker().Work(context.Background(), &river.Job[ProgressArgs]{Args: jobs[0]}); err != nil {
			t.Fatal(err)
		}
		updates := b.slack.recorded("chat.update")
		if len(updates) != 1 || !strings.Contains(updates[0].text(), "*Sent 1/3*") || !strings.Contains(updates[0].text(), "next at") {
			t.Fatalf("deferred update: %+v", updates)
		}

		// Later events, more than 10 s apart, update at once; the last one
		// is the final summary.
		b.clock.Advance(30 * time.Second)
		b.finish(t, p, items[1], models.ActionSkipped, "already_connected")
		e = b.finish(t, p, items[2], models.ActionDone, "")
		b.slack.reset()
		if err := b.deliver(t, e); err != nil {
			t.Fatal(err)
		}
		updates = b.slack.recorded("chat.update")
		if len(updates) != 1 {
			t.Fatalf("updates = %d, want 1", len(updates))
		}
		text := updates[0].text()
		for _, want := range []string{"*Finished:* sent 2/3", "1 skipped (already connected)", "done <!date^", ":fast_forward:", ":white_check_mark:"} {
			if !strings.Contains(text, want) {
				t.Errorf("final card lacks %q:\n%s", want, text)
			}
		}
	})
}

// finish ends an item's action as the executor would, with its event.
func (b *bundle) finish(t testing.TB, p models.Proposal, it models.ProposalItem, state, outcome string) models.Event {
	t.Helper()
	now := b.clock.Now().UTC()
	err := b.store.DB.Model(&models.Action{}).Where("proposal_item_id = ?", it.ID).
		Updates(map[string]any{"state": state, "outcome": outcome, "finished_at": now}).Error
	if err != nil {
		t.Fatal(err)
	}
	var typ pacertype.EventType = "invite.sent"
	if state == models.ActionSkipped {
		typ = pacertype.EventActionSkipped
	}
	prospect := it.ProspectID
	return b.record(t, typ, models.EventRefs{AccountID: &p.AccountID, CampaignID: &p.CampaignID, ProspectID: &prospect},
		models.EventData{Account: "anna", Campaign: "cto-berlin", Reason: outcome})
}

// progressJobs lists the deferred progress updates waiting in River.
func (b *bundle) progressJobs(t testing.TB) []ProgressArgs {
	t.Helper()
	var rows []struct{ Args string }
	// River keeps args as jsonb: json() reads it back as text on SQLite.
	expr := "json(args)"
	if b.store.Dialect == models.DialectPostgres {
		expr = "args::text"
	}
	err := b.store.DB.Raw("SELECT "+expr+" AS args FROM river_job WHERE kind = ? AND state IN ('scheduled', 'available')", ProgressArgs{}.Kind()).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := make([]ProgressArgs, len(rows))
	for i, r := range rows {
		if err := jsonUnmarshal(r.Args, &out[i]); err != nil {
			t.Fatalf("progress job args %q: %v", r.Args, err)
		}
	}
	return out
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestFinishedCardShownOnce: once a batch has ended, the events that still
// come about it (the last one delivered again, a deferred update, a found
// email) update the card only when what it shows changes; an acceptance
// does, and shows on the card.
func TestFinishedCardShownOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		p = b.proposal(t, p.ID)
		items := b.items(t, p.ID)
		var last models.Event
		for _, it := range items {
			b.clock.Advance(30 * time.Second)
			last = b.finish(t, p, it, models.ActionDone, "")
		}
		b.slack.reset()
		if err := b.deliver(t, last); err != nil {
			t.Fatal(err)
		}
		finished := func() int {
			n := 0
			for _, c := range b.slack.recorded("chat.update") {
				if c.Form.Get("ts") == p.MessageTS && strings.Contains(c.text(), "*Finished:*") {
					n++
				}
			}
			return n
		}
		if n := finished(); n != 1 {
			t.Fatalf("finished cards after the last invitation = %d, want 1", n)
		}

		// More events about the batch, each after the interval: nothing
		// changes on the card, so nothing is sent.
		prospect := items[0].ProspectID
		refs := models.EventRefs{AccountID: &p.AccountID, CampaignID: &p.CampaignID, ProspectID: &prospect}
		later := []models.Event{last, b.record(t, "email.found", refs, models.EventData{Account: "anna", Campaign: "cto-berlin"}), last}
		for _, e := range later {
			b.clock.Advance(30 * time.Second)
			if err := b.deliver(t, e); err != nil {
				t.Fatal(err)
			}
		}
		b.clock.Advance(30 * time.Second)
		if err := b.bot.ProgressWorker().Work(context.Background(), &river.Job[ProgressArgs]{Args: ProgressArgs{ProposalID: p.ID}}); err != nil {
			t.Fatal(err)
		}
		if n := finished(); n != 1 {
			t.Errorf("finished cards after events that change nothing = %d, want 1", n)
		}
		if n := len(b.slack.recorded("chat.update")); n != 1 {
			t.Errorf("chat.update calls = %d, want 1", n)
		}

		// An acceptance changes the card.
		b.clock.Advance(30 * time.Second)
		if err := b.store.DB.Model(&models.Prospect{}).Where("id = ?", prospect).Update("state", models.ProspectConnected).Error; err != nil {
			t.Fatal(err)
		}
		accepted := b.record(t, "invite.accepted", refs, models.EventData{Account: "anna", Campaign: "cto-berlin"})
		if err := b.deliver(t, accepted); err != nil {
			t.Fatal(err)
		}
		updates := b.slack.recorded("chat.update")
		if len(updates) != 2 || !strings.Contains(updates[1].text(), "*Finished:* sent 3/3 · 1 accepted") {
			t.Fatalf("after an acceptance: %d updates, last %q; want the card to show 1 accepted", len(updates), updates[len(updates)-1].text())
		}
		b.clock.Advance(30 * time.Second)
		if err := b.deliver(t, accepted); err != nil {
			t.Fatal(err)
		}
		if n := len(b.slack.recorded("chat.update")); n != 2 {
			t.Errorf("the same acceptance delivered again updated the card: %d updates, want 2", n)
		}
	})
}

// TestTheCardSaysWhyTheAccountStopped: while the account of a running batch
// is restricted, waiting for a person or paused, its card says so and what
// resumes it, and promises no "next at" time; resumed, it promises again.
func TestTheCardSaysWhyTheAccountStopped(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		anna := b.accountID(t, "anna")
		lastCard := func(t *testing.T) string {
			t.Helper()
			updates := b.slack.recorded("chat.update")
			if len(updates) == 0 {
				t.Fatal("the card was not updated")
			}
			return updates[len(updates)-1].text()
		}
		stop := func(t *testing.T, typ pacertype.EventType, state, reason string, until *time.Time) {
			t.Helper()
			b.clock.Advance(time.Minute)
			b.slack.reset()
			b.store.DB.Model(&models.Account{}).Where("id = ?", anna).
				Updates(map[string]any{"state": state, "state_reason": reason, "restricted_until": until})
			if err := b.deliver(t, b.record(t, typ, models.EventRefs{AccountID: &anna}, models.EventData{Account: "anna", Reason: reason, Until: until})); err != nil {
				t.Fatal(err)
			}
		}

		until := b.clock.Now().Add(2 * 24 * time.Hour)
		stop(t, "account.restricted", models.AccountRestricted, "weekly_invitation_limit", &until)
		card := lastCard(t)
		for _, want := range []string{"*Sent 0/3*", "*stopped:* *anna* is restricted until <!date^", "LinkedIn's weekly invitation limit is reached", "the rest is sent when it ends"} {
			if !strings.Contains(card, want) {
				t.Errorf("the restricted card lacks %q:\n%s", want, card)
			}
		}
		if strings.Contains(card, "next at") {
			t.Errorf("the restricted card promises a time:\n%s", card)
		}

		stop(t, "account.checkpoint", models.AccountNeedsHuman, "captcha", nil)
		card = lastCard(t)
		for _, want := range []string{"*stopped:* *anna* needs a person: LinkedIn showed a CAPTCHA", "`pacer account login anna`", "`/pacer resume anna`"} {
			if !strings.Contains(card, want) {
				t.Errorf("the checkpoint card lacks %q:\n%s", want, card)
			}
		}

		// Back to active, then paused by hand, then resumed.
		b.store.DB.Model(&models.Account{}).Where("id = ?", anna).
			Updates(map[string]any{"state": models.AccountActive, "state_reason": "", "restricted_until": nil})
		b.clock.Advance(time.Minute)
		b.slack.reset()
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "pause anna"))
		if card := lastCard(t); !strings.Contains(card, "*stopped:* *anna* is paused by <@"+approver+">") || strings.Contains(card, "next at") {
			t.Errorf("the paused card:\n%s", card)
		}
		b.clock.Advance(time.Minute)
		b.slack.reset()
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "resume anna"))
		if card := lastCard(t); strings.Contains(card, "stopped") || !strings.Contains(card, "next at") {
			t.Errorf("the resumed card:\n%s", card)
		}
	})
}
