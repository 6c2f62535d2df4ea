package campaign

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// withEngine replaces the bundle's fake with the real quota engine.
func (b *bundle) withEngine() *quota.Engine {
	e := quota.New(b.store, b.cfg, quota.Options{Now: b.clock.Now, Rand: rand.New(rand.NewPCG(1, 1))})
	b.p = New(b.store, b.cfg, FromQuota(e), Options{Now: b.clock.Now, Rand: rand.New(rand.NewPCG(7, 7))})
	return e
}

func TestProposeSizedByTheQuotaEngine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		e := b.withEngine()
		anna := b.accounts["anna"] // premium: 150 a week, 30 a day, Mon–Fri 09:00–18:00 Berlin
		b.importCSV(t, "cto", prospectsCSV(1, 200, ""))
		now := b.clock.Now() // Monday 11:00 in Berlin
		want, err := e.Capacity(ctx, anna, quota.KindInvite, 2, now)
		if err != nil {
			t.Fatal(err)
		}
		if want <= 0 || want > 60 {
			t.Fatalf("the engine's capacity over two working days: got %d, want 1–60 (30 a day)", want)
		}
		bt, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(bt.Items) != want {
			t.Errorf("items: got %d, want the engine's capacity %d", len(bt.Items), want)
		}
		f, err := e.Forecast(ctx, anna, quota.KindInvite, want, now)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Proposal.Forecast != f.Summary() || f.Unsent != 0 {
			t.Errorf("forecast: got %q, want the engine's %q with nothing unsent (%+v)", bt.Proposal.Forecast, f.Summary(), f)
		}
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, 1, "U1"); err != nil {
			t.Fatal(err)
		}
		// The approved batch fills the two days: the engine nets it out.
		if _, err := b.p.Propose(ctx, "cto", 0); !errors.Is(err, ErrNoCapacity) {
			t.Errorf("after approval: got %v, want ErrNoCapacity", err)
		}
	})
}

func TestProposeNotesLeftFromTheQuotaEngine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		e := b.withEngine()
		bob := b.accounts["bob"] // free: 5 notes a month; ops sends without a note
		b.importCSV(t, "ops", prospectsCSV(1, 6, ""))
		if err := e.SetNotesLeft(ctx, bob, 2); err != nil { // LinkedIn says 2 are left
			t.Fatal(err)
		}
		b.action(t, "bob", models.ActionInvite, "Hi", models.ActionScheduled, monday09) // and one is scheduled
		bt, err := b.p.Propose(ctx, "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		withNote := 0
		for _, it := range bt.Items {
			if it.Note != "" {
				withNote++
			}
		}
		if len(bt.Items) < 2 || withNote != 1 {
			t.Errorf("got %d items, %d with a note; want only 1 with a note (2 left, 1 scheduled)", len(bt.Items), withNote)
		}
	})
}
