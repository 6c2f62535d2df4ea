package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// accepted approves and "sends" the cto invitations of a batch of n, and
// marks the first connected prospects as having accepted at `at`.
func (b *bundle) accepted(t *testing.T, n, connected int, at time.Time) []models.Prospect {
	t.Helper()
	ctx := context.Background()
	bt := b.proposed(t, n)
	if _, err := b.p.Approve(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1"); err != nil {
		t.Fatal(err)
	}
	b.store.DB.Model(&models.Action{}).Where("kind = ?", models.ActionInvite).
		Updates(map[string]any{"state": models.ActionDone, "finished_at": at})
	var prospects []models.Prospect
	b.store.DB.Order("id").Find(&prospects)
	for _, p := range prospects[:connected] {
		b.store.DB.Model(&p).Update("connected_at", at)
	}
	return prospects
}

func followUpConfig() *config.Config {
	cfg := testConfig()
	cfg.Campaigns[0].UndoWindow = "0"
	cfg.Campaigns[0].FollowUps = []config.FollowUp{
		{After: "2d", Message: "Thanks for connecting, {{first_name}}! How is {{company|your team}} doing?"},
		{After: "3d", Message: "Hi {{first_name}}, one more thought: https://example.com/talk", Links: true},
	}
	return cfg
}

func TestFollowUpsAreProposedWhenDueAndApprovedAsMessages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, followUpConfig())
		prospects := b.accepted(t, 3, 2, monday09)

		b.clock.Set(monday09.Add(47 * time.Hour))
		if _, err := b.p.ProposeFollowUps(ctx, "cto", 0); !errors.Is(err, ErrNoFollowUps) {
			t.Fatalf("before the 2-day wait: got %v, want ErrNoFollowUps", err)
		}
		// An open proposal of invitations does not hold the messages back.
		b.importCSV(t, "cto", prospectsCSV(100, 2, ""))
		if _, err := b.p.Propose(ctx, "cto", 0); err != nil {
			t.Fatal(err)
		}
		b.clock.Set(monday09.Add(48 * time.Hour))
		bt, err := b.p.ProposeFollowUps(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Proposal.Kind != models.ProposalMessages || len(bt.Items) != 2 {
			t.Fatalf("proposal: kind %q with %d items, want 2 messages to the 2 who accepted", bt.Proposal.Kind, len(bt.Items))
		}
		first := bt.Items[0]
		if first.Step != 1 || first.ProspectID != prospects[0].ID || first.Note != "Thanks for connecting, First1! How is Co1 doing?" {
			t.Errorf("first item: step %d prospect %d %q", first.Step, first.ProspectID, first.Note)
		}
		if _, err := b.p.ProposeFollowUps(ctx, "cto", 0); !errors.Is(err, ErrOpenProposal) {
			t.Errorf("a second proposal of messages while one is open: got %v", err)
		}

		// The first message may not carry a link; the edit is refused.
		_, err = b.p.EditNote(ctx, first.ID, 1, "U1", "See https://example.com")
		var lint *LintError
		if !errors.As(err, &lint) || !strings.Contains(lint.Error(), "does not allow") {
			t.Fatalf("a link in the first message: got %v", err)
		}
		edited := "Thanks for connecting, {{first_name}}. Glad to be in touch."
		if _, err := b.p.EditNote(ctx, first.ID, 1, "U1", edited); err != nil {
			t.Fatal(err)
		}
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, 2, "U1"); err != nil {
			t.Fatal(err)
		}
		var messages []models.Action
		s.DB.Where("kind = ?", models.ActionMessage).Order("prospect_id").Find(&messages)
		if len(messages) != 2 || messages[0].Note != "Thanks for connecting, First1. Glad to be in touch." || messages[0].Step != 1 ||
			!messages[0].ScheduledAt.Equal(b.clock.Now()) {
			t.Fatalf("message actions: %+v", messages)
		}
		var enrollment models.Enrollment
		s.DB.Where("prospect_id = ?", prospects[0].ID).Take(&enrollment)
		if enrollment.State != models.EnrollmentApproved {
			t.Errorf("the enrollment changed with the follow-up: %s", enrollment.State)
		}
		if _, err := b.p.ProposeFollowUps(ctx, "cto", 0); !errors.Is(err, ErrNoFollowUps) {
			t.Errorf("once approved, step 1 is proposed again: %v", err)
		}

		// The first message went out; the second prospect replied. Three
		// days later only the first gets the second follow-up.
		sent := b.clock.Now().Add(time.Hour)
		s.DB.Model(&models.Action{}).Where("kind = ?", models.ActionMessage).Updates(map[string]any{"state": models.ActionDone, "finished_at": sent})
		s.DB.Model(&prospects[1]).Update("replied_at", sent)
		b.clock.Set(sent.Add(72*time.Hour - time.Minute))
		if _, err := b.p.ProposeFollowUps(ctx, "cto", 0); !errors.Is(err, ErrNoFollowUps) {
			t.Fatalf("before the second wait: got %v", err)
		}
		b.clock.Set(sent.Add(72 * time.Hour))
		bt, err = b.p.ProposeFollowUps(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(bt.Items) != 1 || bt.Items[0].Step != 2 || bt.Items[0].ProspectID != prospects[0].ID || Blocking(bt.Items[0].Findings) {
			t.Errorf("second follow-ups: %+v", bt.Items)
		}
	})
}

func TestAReplyLeavesAFollowUpOutAtApproval(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, followUpConfig())
		prospects := b.accepted(t, 2, 2, monday09)
		b.clock.Set(monday09.Add(48 * time.Hour))
		bt, err := b.p.ProposeFollowUps(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		s.DB.Model(&prospects[0]).Update("replied_at", b.clock.Now())
		out, err := b.p.Approve(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if out.Approved != 1 || len(out.LeftOut) != 1 || !strings.Contains(out.LeftOut[0].Reason, "replied") {
			t.Errorf("approval: %+v, want the one who replied left out", out)
		}
		if n := count(t, s, &models.Action{}, "kind = ? AND prospect_id = ?", models.ActionMessage, prospects[0].ID); n != 0 {
			t.Errorf("%d messages scheduled to the prospect who replied", n)
		}
	})
}

func TestLintMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg   string
		links bool
		rules []string
	}{
		{"Thanks for connecting!", false, nil},
		{"  ", false, []string{RuleEmpty}},
		{"See www.example.com", false, []string{RuleLink}},
		{"See www.example.com", true, nil},
		{strings.Repeat("a", MaxMessageLength+1), false, []string{RuleLength}},
		{"Hi {{first_name}}", false, []string{RulePlaceholder}},
	}
	for _, tt := range tests {
		var rules []string
		for _, f := range LintMessage(tt.msg, tt.links) {
			if !f.Blocking {
				t.Errorf("%.20q: a finding that does not block: %+v", tt.msg, f)
			}
			rules = append(rules, f.Rule)
		}
		if strings.Join(rules, ",") != strings.Join(tt.rules, ",") {
			t.Errorf("%.20q (links %v): rules %v, want %v", tt.msg, tt.links, rules, tt.rules)
		}
	}
}

func TestProposeDueProposesFollowUps(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, followUpConfig())
		b.accepted(t, 2, 2, monday09)
		b.clock.Set(monday09.Add(48 * time.Hour))
		results, err := b.p.ProposeDue(context.Background(), b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		var got *Batch
		for _, r := range results {
			if r.Trigger == TriggerFollowUps && r.Err == nil {
				got = r.Batch
			}
		}
		if got == nil || len(got.Items) != 2 || got.Proposal.Kind != models.ProposalMessages {
			t.Fatalf("ProposeDue: %+v, want a proposal of the 2 due follow-ups", results)
		}
		again, _ := b.p.ProposeDue(context.Background(), b.clock.Now().Add(time.Minute))
		for _, r := range again {
			if r.Trigger == TriggerFollowUps {
				t.Errorf("the next pass proposed follow-ups again: %+v", r)
			}
		}
	})
}
