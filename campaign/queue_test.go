package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// A proposal walks a bounded window of the queue's head: a head full of
// people contacted elsewhere costs a few quick proposals, each moving one
// window out of the way, instead of one that walks all of them. Nobody
// ineligible is proposed, the order holds, and nobody leaves the queue but
// the connected and unavailable.
func TestProposeWalksABoundedWindow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		b.p.window = 3
		cto := b.campaigns["cto"]
		b.importCSV(t, "cto", prospectsCSV(1, 10, ""))
		b.setProspect(t, "p1", map[string]any{"state": models.ProspectConnected})
		b.setProspect(t, "p2", map[string]any{"state": models.ProspectPending})
		b.setProspect(t, "p3", map[string]any{"state": models.ProspectUnavailable})
		b.setProspect(t, "p4", map[string]any{"state": models.ProspectPending})
		if _, err := Suppress(ctx, s, []string{"p5@example.com"}, "", "U1", monday09); err != nil {
			t.Fatal(err)
		}
		propose := func(n int) string {
			t.Helper()
			bt, err := b.p.Propose(ctx, "cto", n)
			switch {
			case errors.Is(err, ErrQueueTidied):
				return "tidied"
			case errors.Is(err, ErrQueueEmpty):
				return "empty"
			case err != nil:
				t.Fatal(err)
			}
			if _, err := b.p.Reject(ctx, bt.Proposal.ID, bt.Proposal.Version, "U1"); err != nil {
				t.Fatal(err)
			}
			return strings.Join(slugs(bt), ",")
		}

		// p1–p3: nothing to propose in the first window, which moves out
		// of the way (the connected and unavailable leave the queue).
		if got := propose(2); got != "tidied" {
			t.Fatalf("first: got %s, want the window passed over (ErrQueueTidied)", got)
		}
		for slug, want := range map[string]string{"p1": models.EnrollmentSkipped, "p2": models.EnrollmentQueued, "p3": models.EnrollmentSkipped, "p4": models.EnrollmentQueued} {
			if got := enrollmentState(t, s, cto, slug); got != want {
				t.Errorf("after the first window, %s: got %s, want %s", slug, got, want)
			}
		}
		// p4–p6: p6 alone, a smaller batch than asked for; the proposals
		// after it are full again.
		for i, want := range []string{"p6", "p7,p8", "p9,p10"} {
			if got := propose(2); got != want {
				t.Errorf("proposal %d: got %s, want %s", i+2, got, want)
			}
		}
		// What is left, p2, p4, p5, fits in one window: it is walked whole,
		// and the queue reads as empty, as it did without a window.
		if got := propose(2); got != "empty" {
			t.Errorf("with p2, p4, p5 left: got %s, want empty", got)
		}
		// Nobody was lost: once eligible, the passed-over come back in
		// import order.
		b.setProspect(t, "p4", map[string]any{"state": models.ProspectWithdrawn, "withdrawn_at": monday09.Add(-60 * 24 * time.Hour)})
		b.setProspect(t, "p2", map[string]any{"state": models.ProspectNew})
		if _, err := Unsuppress(ctx, s, []string{"p5@example.com"}); err != nil {
			t.Fatal(err)
		}
		if got := propose(0); got != "p2,p4,p5" {
			t.Errorf("once eligible: got %s, want p2,p4,p5", got)
		}
	})
}

// ProposeDue goes on past a head of people contacted elsewhere by itself,
// window after window, and proposes in the same run.
func TestProposeDueTidiesTheQueueHead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[0].ProposeAt = "10:00"
		cfg.Campaigns = cfg.Campaigns[:1]
		b := setup(t, s, cfg)
		b.p.window = 3
		b.importCSV(t, "cto", prospectsCSV(1, 20, ""))
		for i := 1; i <= 7; i++ {
			b.setProspect(t, "p"+itoa(i), map[string]any{"state": models.ProspectPending})
		}
		at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC) // cto's propose_at in Berlin
		b.clock.Set(at)
		res, err := b.p.ProposeDue(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Err != nil {
			t.Fatalf("ProposeDue: got %+v, want one batch", res)
		}
		// Windows p1–p3 and p4–p6 pass over; p7–p9 holds p8 and p9.
		if got := strings.Join(slugs(res[0].Batch), ","); got != "p8,p9" {
			t.Errorf("due batch: got %s, want p8,p9", got)
		}
		if _, err := b.p.Reject(ctx, res[0].Batch.Proposal.ID, 1, "U1"); err != nil {
			t.Fatal(err)
		}
		next, err := b.p.Propose(ctx, "cto", 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(slugs(next), ","); got != "p10,p11,p12" {
			t.Errorf("next batch: got %s, want a full one, p10,p11,p12", got)
		}
	})
}
