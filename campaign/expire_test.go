package campaign

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestExpire(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[0].ExpireAfter = "3d" // cto
		cfg.Campaigns[1].ExpireAfter = "never"
		b := setup(t, s, cfg)
		b.quota.setCapacity(b.accounts["anna"], 4)
		b.quota.setCapacity(b.accounts["bob"], 2)
		cto := b.proposed(t, 6)
		b.importCSV(t, "ops", prospectsCSV(101, 2, ""))
		ops, err := b.p.Propose(ctx, "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		skipped := cto.Items[1]
		b.clock.Set(monday09.Add(24 * time.Hour)) // an edit a day later keeps it alive
		if _, err := b.p.SkipItem(ctx, skipped.ID, cto.Proposal.Version, "U1"); err != nil {
			t.Fatal(err)
		}

		expire := func(at time.Time) []int64 {
			t.Helper()
			b.clock.Set(at)
			ids, err := b.p.Expire(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		if ids := expire(monday09.Add(72*time.Hour + time.Minute)); len(ids) != 0 {
			t.Fatalf("3 days after the proposal but 2 after its last edit, expired %v; want none", ids)
		}
		if ids := expire(monday09.Add(96*time.Hour + time.Minute)); !slices.Equal(ids, []int64{cto.Proposal.ID}) {
			t.Fatalf("3 days after the last edit, expired %v; want only cto's #%d (ops never expires)", ids, cto.Proposal.ID)
		}
		if ids := expire(monday09.Add(200 * time.Hour)); len(ids) != 0 {
			t.Errorf("a second pass expired %v again", ids)
		}
		var got models.Proposal
		s.DB.Take(&got, cto.Proposal.ID)
		if got.State != models.ProposalExpired || got.DecidedAt == nil || got.DecidedBy != "" {
			t.Errorf("cto's proposal: %s decided %v by %q; want expired, nobody's decision", got.State, got.DecidedAt, got.DecidedBy)
		}
		var open models.Proposal
		s.DB.Take(&open, ops.Proposal.ID)
		if open.State != models.ProposalOpen {
			t.Errorf("ops's proposal is %s; expire_after: never keeps it open", open.State)
		}
		if n := count(t, s, &models.Decision{}, "proposal_id = ? AND kind IN ?", cto.Proposal.ID, []string{models.DecisionApprove, models.DecisionReject}); n != 0 {
			t.Errorf("%d decisions recorded for an expiry", n)
		}
		if n := count(t, s, &models.Event{}, "type IN ?", []string{"proposal.approved", "proposal.rejected"}); n != 0 {
			t.Errorf("%d decision events recorded for an expiry", n)
		}

		// Approving what expired changes nothing and says so.
		_, err = b.p.Approve(ctx, cto.Proposal.ID, cto.Proposal.Version+1, "U1")
		var decided *DecidedError
		if !errors.As(err, &decided) || decided.Kind != models.ProposalExpired {
			t.Fatalf("approving an expired proposal: %v, want a *DecidedError of kind expired", err)
		}
		if n := count(t, s, &models.Action{}, "1 = 1"); n != 0 {
			t.Errorf("%d actions scheduled by approving an expired proposal", n)
		}

		// Its prospects, the skipped one aside, are proposed again first.
		again, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		var want, gotSlugs []string
		for _, it := range cto.Items {
			if it.ID != skipped.ID {
				want = append(want, it.Prospect.Slug)
			}
		}
		for _, it := range again.Items {
			gotSlugs = append(gotSlugs, it.Prospect.Slug)
		}
		if !slices.Equal(gotSlugs[:min(len(want), len(gotSlugs))], want) {
			t.Errorf("the next proposal holds %v; want the expired one's prospects first, in order, without the skipped one: %v", gotSlugs, want)
		}
		if slices.Contains(gotSlugs, skipped.Prospect.Slug) {
			t.Errorf("the skipped prospect %s was proposed again", skipped.Prospect.Slug)
		}
	})
}
