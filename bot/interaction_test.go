package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// click posts a click on one of p's buttons and waits for its work.
func (b *bundle) click(t testing.TB, user string, p models.Proposal, actionID string, itemID int64) *http.Response {
	t.Helper()
	value := buttonValue{ProposalID: p.ID, Version: p.Version, ItemID: itemID}.String()
	return b.post(t, PathInteractivity, b.blockActionBody(user, p, actionID, value))
}

func (b *bundle) approve(t testing.TB, user string, p models.Proposal) {
	t.Helper()
	if resp := b.click(t, user, p, ActionApprove, 0); resp.StatusCode != 200 {
		t.Fatalf("approve: status %d", resp.StatusCode)
	}
}

func TestApprove(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.slack.reset()
		resp := b.click(t, approver, p, ActionApprove, 0)
		if got := body(t, resp); resp.StatusCode != 200 || got != "" {
			t.Fatalf("ack = %d %q, want an empty 200", resp.StatusCode, got)
		}
		got := b.proposal(t, p.ID)
		if got.State != models.ProposalApproved || got.DecidedBy != approver {
			t.Fatalf("proposal = %s by %q, want approved by %s", got.State, got.DecidedBy, approver)
		}
		updates := b.cardUpdates()
		if len(updates) != 1 {
			t.Fatalf("chat.update calls = %d, want 1", len(updates))
		}
		u := updates[0]
		if u.Form.Get("channel") != ctoChannel || u.Form.Get("ts") != p.MessageTS {
			t.Errorf("updated %s/%s, want the proposal's message %s/%s", u.Form.Get("channel"), u.Form.Get("ts"), ctoChannel, p.MessageTS)
		}
		blocks := u.blocks(t)
		for _, id := range []string{ActionApprove, ActionReject, ActionSkip, ActionEdit} {
			if n := countActions(blocks, id); n != 0 {
				t.Errorf("the decided message still has %d %s buttons", n, id)
			}
		}
		if text := u.text(); !strings.Contains(text, "Approved by <@"+approver+">") || !strings.Contains(text, "Sent 0/3") {
			t.Errorf("the decided message does not say who approved or the progress:\n%s", text)
		}
		var actions int64
		b.store.DB.Model(&models.Action{}).Where("state = ?", models.ActionScheduled).Count(&actions)
		if actions != 3 {
			t.Errorf("scheduled actions = %d, want 3", actions)
		}
	})
}

func TestNonApproverChangesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		items := b.items(t, p.ID)
		b.slack.reset()
		for _, c := range []struct {
			action string
			item   int64
		}{{ActionApprove, 0}, {ActionReject, 0}, {ActionSkip, items[0].ID}, {ActionEdit, items[0].ID}} {
			b.click(t, stranger, p, c.action, c.item)
			if got := b.lastEphemeral(stranger); !strings.Contains(got, "You can see campaign *cto-berlin* but not decide: ask one of <@U0APPROVER>, <!subteam^S0APPROVERS> (nothing changed).") {
				t.Errorf("%s by a stranger: %q", c.action, got)
			}
		}
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen || got.Version != p.Version {
			t.Errorf("proposal = %s v%d, want open v%d", got.State, got.Version, p.Version)
		}
		if n := len(b.slack.recorded("chat.update", "views.open")); n != 0 {
			t.Errorf("a stranger's clicks changed %d messages or opened modals", n)
		}
		var decisions int64
		b.store.DB.Model(&models.Decision{}).Count(&decisions)
		if decisions != 0 {
			t.Errorf("decisions = %d, want none", decisions)
		}
	})
}

// TestDoubleApproval: two approvers click at once (and one of them twice,
// as a retried delivery would): one decision, and the others are told who
// decided first.
func TestDoubleApproval(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.slack.reset()
		value := buttonValue{ProposalID: p.ID, Version: p.Version}.String()
		clickers := []string{approver, groupMember, approver, groupMember}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, user := range clickers {
			wg.Go(func() {
				<-start
				b.postSigned(t, PathInteractivity, b.blockActionBody(user, p, ActionApprove, value), b.clock.Now())
			})
		}
		close(start)
		wg.Wait()
		b.bot.tasks.wait()

		var decisions []models.Decision
		b.store.DB.Where("proposal_id = ? AND kind IN ?", p.ID, []string{models.DecisionApprove, models.DecisionReject}).Find(&decisions)
		if len(decisions) != 1 {
			t.Fatalf("settling decisions = %d, want 1", len(decisions))
		}
		winner := decisions[0].UserID
		var actions int64
		b.store.DB.Model(&models.Action{}).Count(&actions)
		if actions != 3 {
			t.Errorf("actions = %d, want 3 (scheduled once)", actions)
		}
		told := 0
		for _, c := range b.slack.recorded("chat.postEphemeral") {
			who := "<@" + winner + ">"
			if c.Form.Get("user") == winner {
				who = "You" // their own double click
			}
			if strings.Contains(c.text(), who+" already approved proposal #"+itoa(p.ID)) {
				told++
			}
		}
		if told != len(clickers)-1 {
			t.Errorf("losers told = %d, want %d; ephemerals: %+v", told, len(clickers)-1, b.slack.recorded("chat.postEphemeral"))
		}
		// Whoever lost, every message update shows the one outcome.
		for _, u := range b.cardUpdates() {
			if !strings.Contains(u.text(), "Approved by <@"+winner+">") {
				t.Errorf("an update shows another outcome:\n%s", u.text())
			}
		}
	})
}

func TestRejectThenApproveIsTold(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.click(t, groupMember, p, ActionReject, 0)
		if got := b.proposal(t, p.ID); got.State != models.ProposalRejected {
			t.Fatalf("proposal = %s, want rejected", got.State)
		}
		if text := b.cardUpdates()[0].text(); !strings.Contains(text, "Rejected by <@"+groupMember+">") {
			t.Errorf("update:\n%s", text)
		}
		b.click(t, approver, p, ActionApprove, 0)
		if got := b.lastEphemeral(approver); !strings.Contains(got, "<@"+groupMember+"> already rejected proposal") {
			t.Errorf("late approver told %q", got)
		}
		if got := b.proposal(t, p.ID); got.State != models.ProposalRejected {
			t.Errorf("proposal = %s, want still rejected", got.State)
		}
	})
}

func TestSkipAndStaleApproval(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		items := b.items(t, p.ID)
		b.slack.reset()
		b.click(t, approver, p, ActionSkip, items[1].ID)
		if it := b.items(t, p.ID)[1]; it.State != models.ItemSkipped {
			t.Fatalf("item = %s, want skipped", it.State)
		}
		after := b.proposal(t, p.ID)
		if after.Version <= p.Version {
			t.Fatalf("version %d → %d, want it to grow", p.Version, after.Version)
		}
		updates := b.cardUpdates()
		if len(updates) != 1 {
			t.Fatalf("updates = %d, want 1", len(updates))
		}
		blocks := updates[0].blocks(t)
		if n := countActions(blocks, ActionSkip); n != 2 {
			t.Errorf("Skip buttons after a skip = %d, want 2", n)
		}
		if !strings.Contains(updates[0].text(), "~") || !strings.Contains(updates[0].text(), "Approve all 2") {
			t.Errorf("the update does not show the skip:\n%s", updates[0].text())
		}
		// Approving what was shown before the skip is refused as stale.
		b.slack.reset()
		b.click(t, approver, p, ActionApprove, 0)
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
			t.Fatalf("a stale approval went through: %s", got.State)
		}
		if got := b.lastEphemeral(approver); !strings.Contains(got, "changed since you saw it") {
			t.Errorf("stale approver told %q", got)
		}
		if n := len(b.cardUpdates()); n != 1 {
			t.Errorf("the message was not refreshed to the current version (%d updates)", n)
		}
		// The current version approves.
		b.approve(t, approver, after)
		if got := b.proposal(t, p.ID); got.State != models.ProposalApproved {
			t.Errorf("approval at the current version: %s", got.State)
		}
	})
}

// TestRefreshShowsOneVersion lets a skip commit while a refresh is reading
// the proposal (after its row, before its items): the message must not show
// the skip with buttons carrying the version before it, which would refuse
// every approval of what the approver sees as stale.
func TestRefreshShowsOneVersion(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		skipped := b.items(t, p.ID)[1]
		var armed atomic.Bool
		err := b.store.DB.Callback().Query().After("gorm:query").Register("test:skip_while_reading", func(tx *gorm.DB) {
			if tx.Statement.Table == "proposals" && armed.CompareAndSwap(true, false) {
				if _, err := b.proposer.SkipItem(context.Background(), skipped.ID, p.Version, approver); err != nil {
					t.Errorf("skip during the refresh: %v", err)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		b.slack.reset()
		armed.Store(true)
		if err := b.bot.refreshProposal(context.Background(), p.ID); err != nil {
			t.Fatal(err)
		}
		if armed.Load() {
			t.Fatal("the refresh read no proposal row: the test no longer interleaves the skip")
		}
		current := b.proposal(t, p.ID)
		updates := b.cardUpdates()
		if len(updates) != 1 {
			t.Fatalf("updates = %d, want 1", len(updates))
		}
		blocks := updates[0].blocks(t)
		if n := countActions(blocks, ActionSkip); n != 2 {
			t.Errorf("Skip buttons = %d, want 2: the message does not show the skip", n)
		}
		want := buttonValue{ProposalID: p.ID, Version: current.Version}.String()
		for _, block := range blocks {
			elems, _ := block["elements"].([]any)
			for _, e := range elems {
				if m, _ := e.(map[string]any); m["action_id"] == ActionApprove && m["value"] != want {
					t.Errorf("Approve carries %v, want %s (version %d, which the message shows)", m["value"], want, current.Version)
				}
			}
		}
	})
}

func TestUndecidedProposalExpires(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.slack.reset()
		// A week (expire_after's default) after the post.
		b.clock.Advance(7*24*time.Hour + time.Minute)
		if err := b.bot.postPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := b.proposal(t, p.ID); got.State != models.ProposalExpired {
			t.Fatalf("a week-old undecided proposal is %s, want expired", got.State)
		}
		var shown *apiCall
		for _, u := range b.cardUpdates() {
			if u.Form.Get("ts") == p.MessageTS {
				shown = &u
			}
		}
		if shown == nil {
			t.Fatal("the expired proposal's message was not updated")
		}
		if text := shown.text(); !strings.Contains(text, "Expired after 7 days without a decision") || !strings.Contains(text, "its 3 prospects went back to the queue") {
			t.Errorf("the expired message does not say so:\n%s", text)
		}
		if n := countActions(shown.blocks(t), ActionApprove); n != 0 {
			t.Errorf("the expired message still offers Approve (%d)", n)
		}
		// A click on the Approve a slow client still shows is told why
		// nothing happens.
		b.approve(t, approver, p)
		if got := b.lastEphemeral(approver); !strings.Contains(got, "expired without a decision") {
			t.Errorf("an approval of the expired proposal was told %q", got)
		}
		if got := b.proposal(t, p.ID); got.State != models.ProposalExpired {
			t.Errorf("after a late approval the proposal is %s, want expired", got.State)
		}
	})
}

func TestEditNote(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		item := b.items(t, p.ID)[0]
		b.slack.reset()
		b.click(t, approver, p, ActionEdit, item.ID)
		opens := b.slack.recorded("views.open")
		if len(opens) != 1 {
			t.Fatalf("views.open calls = %d, want 1", len(opens))
		}
		view, _ := opens[0].JSON["view"].(map[string]any)
		if view["callback_id"] != CallbackEditNote {
			t.Errorf("callback_id = %v", view["callback_id"])
		}
		if !strings.Contains(opens[0].text(), jsonEscape(item.Note)) {
			t.Errorf("the note is not pre-filled:\n%s", opens[0].text())
		}
		meta, _ := view["private_metadata"].(string)

		// Blocking findings keep the modal open, with the reasons under the field.
		for note, want := range map[string]string{
			"Hi, see https://acme.example/x":    "holds a link",
			strings.Repeat("a", 301):            "over the 300 this account allows",
			"Hi {{first_name}}, {{nickname}} !": "has no value",
		} {
			resp := b.post(t, PathInteractivity, viewSubmissionBody(testTeam, approver, meta, note))
			var ack struct {
				ResponseAction string            `json:"response_action"`
				Errors         map[string]string `json:"errors"`
			}
			raw := body(t, resp)
			if err := json.Unmarshal([]byte(raw), &ack); err != nil || ack.ResponseAction != "errors" || !strings.Contains(ack.Errors[noteBlockID], want) {
				t.Errorf("note %.30q: ack %s, want errors on %q containing %q", note, raw, noteBlockID, want)
			}
		}
		if got := b.items(t, p.ID)[0]; got.Note != item.Note {
			t.Fatalf("a refused note was saved: %q", got.Note)
		}

		// A clean note closes the modal, is saved and updates the message.
		b.slack.reset()
		resp := b.post(t, PathInteractivity, viewSubmissionBody(testTeam, approver, meta, "Hi Ada, loved your keynote on engines."))
		if got := body(t, resp); resp.StatusCode != 200 || got != "" {
			t.Errorf("clean note: ack %d %q, want an empty 200 (closes the modal)", resp.StatusCode, got)
		}
		got := b.items(t, p.ID)[0]
		if got.Note != "Hi Ada, loved your keynote on engines." || got.EditedBy != approver {
			t.Errorf("item = %q by %q", got.Note, got.EditedBy)
		}
		updates := b.cardUpdates()
		if len(updates) != 1 || !strings.Contains(updates[0].text(), "loved your keynote") {
			t.Errorf("the message was not updated with the note: %+v", updates)
		}

		// The same modal submitted again is stale: the proposal changed
		// since it was opened (here by its own save), and an old modal
		// never overwrites a newer note.
		resp = b.post(t, PathInteractivity, viewSubmissionBody(testTeam, approver, meta, "Hi from an old modal"))
		if raw := body(t, resp); !strings.Contains(raw, "Someone changed this proposal after you opened this editor") {
			t.Errorf("stale modal: ack %s", raw)
		}
		if got := b.items(t, p.ID)[0]; got.Note != "Hi Ada, loved your keynote on engines." {
			t.Errorf("a stale modal saved %q", got.Note)
		}
		b.slack.reset()
		b.click(t, approver, b.proposal(t, p.ID), ActionEdit, item.ID)
		if opens := b.slack.recorded("views.open"); len(opens) == 1 {
			view, _ := opens[0].JSON["view"].(map[string]any)
			meta, _ = view["private_metadata"].(string)
		} else {
			t.Fatalf("views.open calls = %d, want 1", len(opens))
		}

		// Placeholders are filled in from the prospect, and an unknown one
		// is refused inline: the campaign package lints the rendered note.
		b.slack.reset()
		resp = b.post(t, PathInteractivity, viewSubmissionBody(testTeam, approver, meta, "Hi {{first_name}}, {{nickname}}!"))
		if raw := body(t, resp); !strings.Contains(raw, `"response_action":"errors"`) || !strings.Contains(raw, "{{nickname}} has no value") {
			t.Errorf("unknown placeholder: ack %s", raw)
		}
		resp = b.post(t, PathInteractivity, viewSubmissionBody(testTeam, approver, meta, "Hi {{first_name}}, good to meet you."))
		if raw := body(t, resp); raw != "" {
			t.Errorf("known placeholder: ack %s, want the modal closed", raw)
		}
		if got := b.items(t, p.ID)[0]; got.Note != "Hi Ada1, good to meet you." {
			t.Errorf("rendered note = %q", got.Note)
		}

		// Someone who may not decide cannot save, even with a modal in hand.
		resp = b.post(t, PathInteractivity, viewSubmissionBody(testTeam, stranger, meta, "Hi there"))
		if raw := body(t, resp); !strings.Contains(raw, "Only the approvers of campaign cto-berlin can edit its notes.") {
			t.Errorf("stranger's edit: ack %s", raw)
		}

		// The modal of a decided proposal does not save; it says why inline.
		b.approve(t, approver, b.proposal(t, p.ID))
		b.slack.reset()
		resp = b.post(t, PathInteractivity, viewSubmissionBody(testTeam, approver, meta, "Hi again"))
		if raw := body(t, resp); !strings.Contains(raw, "already approved") {
			t.Errorf("edit after approval: ack %s", raw)
		}
		if got := b.items(t, p.ID)[0]; got.Note == "Hi again" {
			t.Error("a note was saved on an approved proposal")
		}
		// A modal whose metadata is not Pacer's is answered inline.
		resp = b.post(t, PathInteractivity, viewSubmissionBody(testTeam, approver, "forged", "Hi"))
		if raw := body(t, resp); !strings.Contains(raw, "out of date") {
			t.Errorf("forged metadata: %s", raw)
		}
	})
}

func TestButtonValuesPacerDidNotWrite(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.slack.reset()
		for _, v := range []string{"", "x", "1", "1:2:3:4", "-1:1", "0:1", itoa(p.ID) + ":abc", strings.Repeat("9", 3000)} {
			resp := b.post(t, PathInteractivity, b.blockActionBody(approver, p, ActionApprove, v))
			if resp.StatusCode != 200 {
				t.Errorf("value %.20q: status %d, want 200 (acked and dropped)", v, resp.StatusCode)
			}
		}
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
			t.Errorf("a forged value decided the proposal: %s", got.State)
		}
		if n := len(b.slack.recorded()); n != 0 {
			t.Errorf("forged values caused %d Slack calls", n)
		}
	})
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// TestLargeProposalUsesTheThread: more prospects than fit in one message
// go to follow-up messages in its thread; a decision updates them all.
func TestLargeProposalUsesTheThread(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "cto-berlin", 1, 40)
		p := b.propose(t, "cto-berlin", 30)
		if n := len(b.items(t, p.ID)); n != 30 {
			t.Fatalf("items = %d, want 30 (capacity too small for the test?)", n)
		}
		posts := b.slack.recorded("chat.postMessage")
		if len(posts) != 2 {
			t.Fatalf("messages = %d, want 2 (the proposal and one in its thread)", len(posts))
		}
		if posts[0].Form.Get("thread_ts") != "" || posts[1].Form.Get("thread_ts") != p.MessageTS {
			t.Errorf("thread_ts = %q, %q; want the follow-up in the first message's thread %s",
				posts[0].Form.Get("thread_ts"), posts[1].Form.Get("thread_ts"), p.MessageTS)
		}
		skips := 0
		for _, post := range posts {
			blocks := post.blocks(t)
			if len(blocks) > maxBlocksPerMessage {
				t.Errorf("a message has %d blocks", len(blocks))
			}
			skips += countActions(blocks, ActionSkip)
		}
		if skips != 30 {
			t.Errorf("Skip buttons = %d, want 30", skips)
		}
		if !strings.Contains(posts[0].text(), "8 more prospects are in this message's thread") {
			t.Errorf("the first message does not point at the thread:\n%s", posts[0].text())
		}
		// A skip in the thread, then the approval, update both messages.
		items := b.items(t, p.ID)
		b.slack.reset()
		b.click(t, approver, p, ActionSkip, items[29].ID)
		b.approve(t, approver, b.proposal(t, p.ID))
		updates := b.cardUpdates()
		if len(updates) != 4 {
			t.Fatalf("updates = %d, want 4 (two messages, twice)", len(updates))
		}
		last := updates[3]
		if last.Form.Get("ts") == p.MessageTS || countActions(last.blocks(t), ActionSkip) != 0 {
			t.Errorf("the thread's message after the approval: ts %s, %d Skip buttons", last.Form.Get("ts"), countActions(last.blocks(t), ActionSkip))
		}
		if !strings.Contains(updates[2].text(), "Sent 0/29") {
			t.Errorf("the card counts %s", updates[2].text())
		}
	})
}

// TestTwoReplicas: two bots on one database (two `pacer serve` processes)
// each receive the same click; one decision is recorded.
func TestTwoReplicas(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		other := setupWith(t, b.store, b.slack, nil)
		b.slack.reset()
		value := buttonValue{ProposalID: p.ID, Version: p.Version}.String()
		body := b.blockActionBody(approver, p, ActionApprove, value)
		var wg sync.WaitGroup
		for _, replica := range []*bundle{b, other, b, other} {
			wg.Go(func() { replica.postSigned(t, PathInteractivity, body, replica.clock.Now()) })
		}
		wg.Wait()
		b.bot.tasks.wait()
		other.bot.tasks.wait()
		var n int64
		b.store.DB.Model(&models.Decision{}).Where("proposal_id = ? AND kind = ?", p.ID, models.DecisionApprove).Count(&n)
		if n != 1 {
			t.Errorf("approvals = %d, want 1", n)
		}
		var actions int64
		b.store.DB.Model(&models.Action{}).Count(&actions)
		if actions != 3 {
			t.Errorf("actions = %d, want 3", actions)
		}
		if got := len(b.slack.recorded("chat.postEphemeral")); got != 3 {
			t.Errorf("told %d losing clicks, want 3", got)
		}
	})
}

// TestApproverGroupUnreadable: when Slack cannot say who is in the
// approvers' group, nobody outside the listed users may decide.
func TestApproverGroupUnreadable(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.slack.setFail("usergroups.users.list", "missing_scope")
		b.click(t, groupMember, p, ActionApprove, 0)
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
			t.Fatalf("approved without a membership check: %s", got.State)
		}
		if got := b.lastEphemeral(groupMember); !strings.Contains(got, "could not check that you are an approver") || !strings.Contains(got, "missing_scope") {
			t.Errorf("told %q", got)
		}
		// A listed user needs no group.
		b.approve(t, approver, p)
		if got := b.proposal(t, p.ID); got.State != models.ProposalApproved {
			t.Errorf("the listed approver could not approve: %s", got.State)
		}
	})
}

// TestSecretsStayOutOfLogs runs failing flows and checks that no token,
// secret or response_url reached the log.
func TestSecretsStayOutOfLogs(t *testing.T) {
	b := setupWith(t, storetest.SQLite(t), newFakeSlack(t), nil)
	p := b.proposeFor(t)
	b.slack.setFail("chat.update", "invalid_auth")
	b.slack.setFail("chat.postEphemeral", "invalid_auth")
	b.approve(t, approver, p)
	b.postWith(t, PathCommands, b.commandBody(approver, ctoChannel, "quota"), Sign("wrong", b.clock.Now(), nil))
	b.post(t, PathCommands, commandForm(testTeam, approver, ctoChannel, "quota", "http://127.0.0.1:1/response/T0PACER/secret-hook-token").Encode())
	logs := b.logs.String()
	if !strings.Contains(logs, "invalid_auth") {
		t.Fatalf("the failures were not logged:\n%s", logs)
	}
	for _, secret := range []string{"xoxb-test-bot-token", testSecret, "secret-hook-token", "/response/"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs)
		}
	}
}

// cardUpdates are the updates of a proposal's messages that show it, not
// of the history of its decisions.
func (b *bundle) cardUpdates() []apiCall {
	var out []apiCall
	for _, c := range b.slack.recorded("chat.update") {
		if !strings.Contains(c.text(), "history of its decisions") {
			out = append(out, c)
		}
	}
	return out
}
