package campaign

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// proposed imports n prospects into cto and proposes them.
func (b *bundle) proposed(t *testing.T, n int) *Batch {
	t.Helper()
	b.importCSV(t, "cto", prospectsCSV(1, n, ""))
	bt, err := b.p.Propose(context.Background(), "cto", 0)
	if err != nil {
		t.Fatal(err)
	}
	return bt
}

func count(t *testing.T, s *models.Store, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApproveSchedulesTheSequence(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[0].Steps = []string{"view", "follow", "wait 1-2d", "invite"}
		b := setup(t, s, cfg)
		bt := b.proposed(t, 3)
		b.clock.Set(monday09.Add(time.Hour))
		out, err := b.p.Approve(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if out.Approved != 3 || out.Actions != 9 || len(out.LeftOut) != 0 {
			t.Errorf("outcome: got %+v, want 3 approved, 9 actions", out)
		}
		if out.Batch.Proposal.State != models.ProposalApproved || out.Batch.Proposal.DecidedBy != "U1" {
			t.Errorf("proposal: got %+v", out.Batch.Proposal)
		}
		var actions []models.Action
		s.DB.Order("proposal_item_id, step").Find(&actions)
		// Nothing is due before the default undo window closes.
		approvedAt := monday09.Add(time.Hour)
		sendsFrom := approvedAt.Add(config.DefaultUndoWindow)
		if u := out.Batch.Proposal.UndoUntil; u == nil || !u.Equal(sendsFrom) {
			t.Errorf("undo until: got %v, want %v", u, sendsFrom)
		}
		for _, a := range actions {
			switch a.Kind {
			case models.ActionView, models.ActionFollow:
				if !a.ScheduledAt.Equal(sendsFrom) || a.Note != "" {
					t.Errorf("%s: got at %v note %q, want at the end of the undo window without a note", a.Kind, a.ScheduledAt, a.Note)
				}
			case models.ActionInvite:
				if wait := a.ScheduledAt.Sub(sendsFrom); wait < 24*time.Hour || wait > 48*time.Hour {
					t.Errorf("invite: got %v after the undo window, want 1–2 days", wait)
				}
				if !strings.HasPrefix(a.Note, "Hi First") || a.Step != 3 {
					t.Errorf("invite: got note %q step %d", a.Note, a.Step)
				}
			}
			if a.State != models.ActionScheduled || a.AccountID != b.accounts["anna"] || a.ProposalItemID == nil {
				t.Errorf("action: got %+v", a)
			}
		}
		if n := count(t, s, &models.Enrollment{}, "state = ?", models.EnrollmentApproved); n != 3 {
			t.Errorf("approved enrollments: got %d, want 3", n)
		}
		if n := count(t, s, &models.ProposalItem{}, "state = ?", models.ItemApproved); n != 3 {
			t.Errorf("approved items: got %d, want 3", n)
		}
		var d models.Decision
		s.DB.Where("kind = ?", models.DecisionApprove).Take(&d)
		if d.UserID != "U1" || !d.At.Equal(approvedAt) {
			t.Errorf("audit trail: got %+v, want U1 at approval", d)
		}
		var e models.Event
		if err := s.DB.Where("type = ?", "proposal.approved").Take(&e).Error; err != nil {
			t.Fatalf("event: %v", err)
		}
		data, _ := models.DecodeEventData(e)
		if data.DecidedBy != "U1" || data.Count != 3 || data.Campaign != "cto" || data.Account != "anna" || *e.ProposalID != bt.Proposal.ID {
			t.Errorf("event: got %+v %+v", e, data)
		}
	})
}

func TestDecidedProposalChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 2)
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, 1, "U1"); err != nil {
			t.Fatal(err)
		}
		later := monday09.Add(time.Minute)
		b.clock.Set(later)
		attempts := map[string]func() error{
			"approve again": func() error { _, err := b.p.Approve(ctx, bt.Proposal.ID, 1, "U2"); return err },
			"reject":        func() error { _, err := b.p.Reject(ctx, bt.Proposal.ID, 1, "U2"); return err },
			"skip":          func() error { _, err := b.p.SkipItem(ctx, bt.Items[0].ID, 1, "U2"); return err },
			"edit":          func() error { _, err := b.p.EditNote(ctx, bt.Items[0].ID, 1, "U2", "Hello"); return err },
		}
		for name, try := range attempts {
			err := try()
			var de *DecidedError
			if !errors.As(err, &de) || !errors.Is(err, ErrDecided) {
				t.Errorf("%s: got %v, want a *DecidedError", name, err)
				continue
			}
			if de.DecidedBy != "U1" || de.Kind != models.DecisionApprove || !de.DecidedAt.Equal(monday09) {
				t.Errorf("%s: got %+v, want approved by U1 at %v", name, de, monday09)
			}
			if !strings.Contains(err.Error(), "already approved by U1") {
				t.Errorf("%s: got %q", name, err)
			}
		}
		if n := count(t, s, &models.Action{}, "1 = 1"); n != 2 {
			t.Errorf("actions: got %d, want the 2 of the first approval", n)
		}
		if n := count(t, s, &models.Decision{}, "1 = 1"); n != 3 {
			t.Errorf("decisions: got %d, want the first approval and its 2 items", n)
		}
		if n := count(t, s, &models.Event{}, "1 = 1"); n != 1 {
			t.Errorf("events: got %d, want 1", n)
		}
	})
}

func TestConcurrentDecisionsSettleOnce(t *testing.T) {
	t.Parallel()
	for _, race := range []string{"approve-approve", "approve-reject"} {
		t.Run(race, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *models.Store) {
				ctx := context.Background()
				b := setup(t, s, nil)
				bt := b.proposed(t, 20)
				users := []string{"U1", "U2"}
				errs := make([]error, 2)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i, u := range users {
					wg.Go(func() {
						<-start
						if i == 1 && race == "approve-reject" {
							_, errs[i] = b.p.Reject(ctx, bt.Proposal.ID, 1, u)
							return
						}
						_, errs[i] = b.p.Approve(ctx, bt.Proposal.ID, 1, u)
					})
				}
				close(start)
				wg.Wait()
				winners := 0
				for i, err := range errs {
					if err == nil {
						winners++
						continue
					}
					var de *DecidedError
					if !errors.As(err, &de) || de.DecidedBy != users[1-i] {
						t.Errorf("%s: got %v, want a *DecidedError naming %s", users[i], err, users[1-i])
					}
				}
				if winners != 1 {
					t.Fatalf("got %d winners (%v), want exactly 1", winners, errs)
				}
				var pr models.Proposal
				s.DB.Take(&pr, bt.Proposal.ID)
				wantActions := int64(20)
				if pr.State == models.ProposalRejected {
					wantActions = 0
				}
				if n := count(t, s, &models.Action{}, "1 = 1"); n != wantActions {
					t.Errorf("actions: got %d, want %d (%s)", n, wantActions, pr.State)
				}
				if n := count(t, s, &models.Decision{}, "kind IN ?", []string{"approve", "reject"}); n != 1 {
					t.Errorf("settling decisions: got %d, want 1", n)
				}
				if n := count(t, s, &models.Event{}, "1 = 1"); n != 1 {
					t.Errorf("events: got %d, want 1", n)
				}
			})
		})
	}
}

func TestSkipMakesOlderVersionsStale(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 3)
		after, err := b.p.SkipItem(ctx, bt.Items[1].ID, 1, "U2")
		if err != nil {
			t.Fatal(err)
		}
		if after.Proposal.Version != 2 || after.Items[1].State != models.ItemSkipped {
			t.Errorf("after skip: got version %d item %s, want 2 and skipped", after.Proposal.Version, after.Items[1].State)
		}
		again, err := b.p.SkipItem(ctx, bt.Items[1].ID, 1, "U3")
		if err != nil || again.Proposal.Version != 2 {
			t.Errorf("skip again: got version %d, %v; want nothing changed", again.Proposal.Version, err)
		}
		// An edit modal opened before the skip is stale: it never
		// overwrites what changed since it was opened.
		_, err = b.p.EditNote(ctx, bt.Items[0].ID, 1, "U3", "Hi {{first_name}}, from an old modal")
		var se *StaleError
		if !errors.As(err, &se) || se.Current != 2 {
			t.Errorf("an edit at version 1 of version 2: %v, want a *StaleError", err)
		}
		if _, err := b.p.SkipItem(ctx, bt.Items[2].ID, 1, "U3"); !errors.As(err, &se) {
			t.Errorf("a skip at version 1 of version 2: %v, want a *StaleError", err)
		}
		if now, _ := b.p.Load(ctx, bt.Proposal.ID); now.Proposal.Version != 2 || now.Items[0].Note != bt.Items[0].Note || now.Items[2].State == models.ItemSkipped {
			t.Errorf("after the stale edit and skip: version %d, note %q, item 3 %s; want nothing changed", now.Proposal.Version, now.Items[0].Note, now.Items[2].State)
		}
		_, err = b.p.Approve(ctx, bt.Proposal.ID, 1, "U1")
		var stale *StaleError
		if !errors.As(err, &stale) || !errors.Is(err, ErrStale) || stale.Current != 2 || stale.Version != 1 {
			t.Fatalf("approve version 1: got %v, want a *StaleError (1, now 2)", err)
		}
		if _, err := b.p.Reject(ctx, bt.Proposal.ID, 1, "U1"); !errors.Is(err, ErrStale) {
			t.Errorf("reject version 1: got %v, want ErrStale", err)
		}
		out, err := b.p.Approve(ctx, bt.Proposal.ID, 2, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if out.Approved != 2 {
			t.Errorf("approved: got %d, want 2 (the skipped one stays out)", out.Approved)
		}
		if got := enrollmentState(t, s, b.campaigns["cto"], "p2"); got != models.EnrollmentSkipped {
			t.Errorf("p2's enrollment: got %s, want skipped", got)
		}
		var d models.Decision
		s.DB.Where("kind = ?", models.DecisionSkip).Take(&d)
		if d.UserID != "U2" || d.ItemID == nil || *d.ItemID != bt.Items[1].ID {
			t.Errorf("audit trail: got %+v", d)
		}
	})
}

func TestEditNote(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 2)
		item := bt.Items[0]
		tests := []struct {
			name  string
			text  string
			rules []string
		}{
			{"link", "Hi, see acme.com/demo", []string{RuleLink}},
			{"too long", strings.Repeat("a", 301), []string{RuleLength}},
			{"unresolved placeholder", "Hi {{nickname}}", []string{RulePlaceholder}},
		}
		for _, tc := range tests {
			_, err := b.p.EditNote(ctx, item.ID, 1, "U2", tc.text)
			var le *LintError
			if !errors.As(err, &le) || !errors.Is(err, ErrLint) {
				t.Errorf("%s: got %v, want a *LintError", tc.name, err)
				continue
			}
			var rules []string
			for _, f := range le.Findings {
				rules = append(rules, f.Rule)
			}
			if strings.Join(rules, ",") != strings.Join(tc.rules, ",") {
				t.Errorf("%s: got rules %v, want %v", tc.name, rules, tc.rules)
			}
			if msg := le.FieldErrors("note")["note"]; msg == "" {
				t.Errorf("%s: no message for the modal's field", tc.name)
			}
		}
		unchanged, _ := b.p.Load(ctx, bt.Proposal.ID)
		if unchanged.Proposal.Version != 1 || unchanged.Items[0].Note != item.Note {
			t.Errorf("after refused edits: got version %d note %q, want nothing changed", unchanged.Proposal.Version, unchanged.Items[0].Note)
		}
		b.clock.Set(monday09.Add(time.Minute))
		edited, err := b.p.EditNote(ctx, item.ID, 1, "U2", "Hi {{first_name}}, {{talk|great talk}}!")
		if err != nil {
			t.Fatal(err)
		}
		got := edited.Items[0]
		if got.Note != "Hi First1, great talk!" || got.EditedBy != "U2" || got.EditedAt == nil || edited.Proposal.Version != 2 {
			t.Errorf("edited: got note %q by %q version %d", got.Note, got.EditedBy, edited.Proposal.Version)
		}
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, 1, "U1"); !errors.Is(err, ErrStale) {
			t.Errorf("approve what was shown before the edit: got %v, want ErrStale", err)
		}
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, 2, "U1"); err != nil {
			t.Fatal(err)
		}
		var invite models.Action
		s.DB.Where("proposal_item_id = ?", item.ID).Take(&invite)
		if invite.Note != "Hi First1, great talk!" {
			t.Errorf("invite: got note %q, want the edited one", invite.Note)
		}
		var d models.Decision
		s.DB.Where("kind = ?", models.DecisionEdit).Take(&d)
		if d.UserID != "U2" || d.Detail != "Hi First1, great talk!" {
			t.Errorf("audit trail: got %+v", d)
		}
	})
}

func TestApproveRefusesBlockingNotes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[0].Note = "Hi {{first_name}}, loved {{talk}}"
		b := setup(t, s, cfg)
		b.importCSV(t, "cto", "url,first_name,talk\nhttps://www.linkedin.com/in/ada,Ada,Notes\nhttps://www.linkedin.com/in/bob,Bob,\n")
		bt, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.p.Approve(ctx, bt.Proposal.ID, 1, "U1")
		var be *BlockedError
		if !errors.As(err, &be) || !errors.Is(err, ErrBlocked) || len(be.Items) != 1 || be.Items[0].ItemID != bt.Items[1].ID {
			t.Fatalf("got %v, want a *BlockedError naming bob's item", err)
		}
		if n := count(t, s, &models.Decision{}, "1 = 1"); n != 0 {
			t.Errorf("decisions: got %d, want none", n)
		}
		after, err := b.p.EditNote(ctx, bt.Items[1].ID, 1, "U1", "Hi {{first_name}}, loved your work")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, after.Proposal.Version, "U1"); err != nil {
			t.Errorf("after the edit: got %v", err)
		}
	})
}

func TestApproveLeavesOutWhoBecameIneligible(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		b.importCSV(t, "cto", "url,email\n"+
			"https://www.linkedin.com/in/ada,ada@acme.com\n"+
			"https://www.linkedin.com/in/bob,bob@other.org\n"+
			"https://www.linkedin.com/in/cat,cat@other.org\n"+
			"https://www.linkedin.com/in/dan,dan@other.org\n")
		bt, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		// While the proposal waits in Slack: acme.com asks not to be
		// contacted, bob accepts an invitation from another account, and dan
		// is approved in bob's campaign.
		if _, err := Suppress(ctx, s, []string{"acme.com"}, "", "U9", monday09); err != nil {
			t.Fatal(err)
		}
		b.setProspect(t, "bob", map[string]any{"state": models.ProspectConnected})
		b.importCSV(t, "ops", "url\nhttps://www.linkedin.com/in/dan\n")
		var dan models.Prospect
		s.DB.Where("slug = ?", "dan").Take(&dan)
		s.DB.Model(&models.Enrollment{}).Where("campaign_id = ? AND prospect_id = ?", b.campaigns["ops"], dan.ID).Update("state", models.EnrollmentApproved)

		out, err := b.p.Approve(ctx, bt.Proposal.ID, 1, "U1")
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]string{}
		for _, l := range out.LeftOut {
			reasons[l.Slug] = l.Reason
		}
		want := map[string]string{"ada": "do-not-contact", "bob": "already connected", "dan": "another campaign"}
		for slug, w := range want {
			if !strings.Contains(reasons[slug], w) {
				t.Errorf("%s: got reason %q, want it to mention %q", slug, reasons[slug], w)
			}
		}
		if out.Approved != 1 || out.Actions != 1 {
			t.Errorf("outcome: got %+v, want only cat approved", out)
		}
		if got := enrollmentState(t, s, b.campaigns["cto"], "ada"); got != models.EnrollmentQueued {
			t.Errorf("ada's enrollment: got %s, want back in the queue", got)
		}
		if n := count(t, s, &models.Action{}, "prospect_id <> ?", 0); n != 1 {
			t.Errorf("actions: got %d, want cat's only", n)
		}
		var cat models.Prospect
		s.DB.Where("slug = ?", "cat").Take(&cat)
		var approved []models.Decision
		s.DB.Where("kind = ?", models.DecisionApproveItem).Find(&approved)
		if len(approved) != 1 || *approved[0].ItemID != itemOf(t, bt, cat.ID) {
			t.Errorf("approved items in the audit trail: got %+v, want cat's only", approved)
		}
	})
}

// itemOf returns the ID of the batch's item for the prospect.
func itemOf(t *testing.T, bt *Batch, prospectID int64) int64 {
	t.Helper()
	for _, it := range bt.Items {
		if it.ProspectID == prospectID {
			return it.ID
		}
	}
	t.Fatalf("no item of prospect %d in proposal #%d", prospectID, bt.Proposal.ID)
	return 0
}

func TestApproveFreeAccountNotesRunOut(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil) // ops: bob, free, sends without a note
		b.importCSV(t, "ops", prospectsCSV(1, 3, ""))
		bt, err := b.p.Propose(ctx, "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		// Meanwhile four notes were scheduled elsewhere: one is left.
		for range 4 {
			b.action(t, "bob", models.ActionInvite, "Hi", models.ActionScheduled, monday09)
		}
		out, err := b.p.Approve(ctx, bt.Proposal.ID, 1, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if out.Approved != 3 || out.NotesDropped != 2 {
			t.Errorf("outcome: got %+v, want 3 approved, 2 without their note", out)
		}
		if n := count(t, s, &models.Action{}, "proposal_item_id IS NOT NULL AND note <> ''"); n != 1 {
			t.Errorf("invitations with a note: got %d, want 1", n)
		}
		// Only the one with its note counts under its variant.
		if n := count(t, s, &models.Action{}, "proposal_item_id IS NOT NULL AND note <> '' AND variant = ?", config.DefaultVariant); n != 1 {
			t.Errorf("invitations with a note under the variant default: got %d, want 1", n)
		}
		if n := count(t, s, &models.Action{}, "proposal_item_id IS NOT NULL AND note = '' AND variant = ''"); n != 2 {
			t.Errorf("invitations without their note and without a variant: got %d, want 2", n)
		}
	})
}

func TestRejectAndApproveItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		bt := b.proposed(t, 3)
		out, err := b.p.Reject(ctx, bt.Proposal.ID, 1, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if out.Rejected != 3 || out.Batch.Proposal.State != models.ProposalRejected {
			t.Errorf("reject: got %+v", out)
		}
		if n := count(t, s, &models.Event{}, "type = ?", "proposal.rejected"); n != 1 {
			t.Errorf("events: got %d proposal.rejected, want 1", n)
		}
		if _, err := b.p.Propose(ctx, "cto", 0); !errors.Is(err, ErrQueueEmpty) {
			t.Errorf("propose after reject: got %v, want the rejected prospects not proposed again", err)
		}

		b.importCSV(t, "cto", prospectsCSV(11, 3, ""))
		next, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		out, err = b.p.ApproveItems(ctx, next.Proposal.ID, 1, "U1", []int64{next.Items[0].ID, next.Items[2].ID})
		if err != nil {
			t.Fatal(err)
		}
		if out.Approved != 2 || out.Batch.Items[1].State != models.ItemSkipped {
			t.Errorf("approve some: got %d approved, item 2 %s; want 2 and skipped", out.Approved, out.Batch.Items[1].State)
		}
		if _, err := b.p.Load(ctx, 999999); !errors.Is(err, ErrNotFound) {
			t.Errorf("load a missing proposal: got %v, want ErrNotFound", err)
		}
		if _, err := b.p.SkipItem(ctx, 999999, 1, "U1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("skip a missing item: got %v, want ErrNotFound", err)
		}
	})
}
