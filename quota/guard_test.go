package quota_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// invitations records n done invitations of the account, sent one hour
// apart after the previous ones; accepted of them are accepted, declined
// withdrawn, the rest still pending.
type invitations struct {
	b    *bundle
	sent time.Time
	seq  int
}

func (iv *invitations) add(t *testing.T, accepted, declined, pending int) {
	t.Helper()
	for i := range accepted + declined + pending {
		iv.seq++
		iv.sent = iv.sent.Add(time.Hour)
		p := models.Prospect{Slug: fmt.Sprintf("p%d", iv.seq), ProfileURL: "https://www.linkedin.com/in/x", State: models.ProspectPending}
		decided := iv.sent.Add(30 * time.Minute)
		switch {
		case i < accepted:
			p.State, p.ConnectedAt = models.ProspectConnected, &decided
		case i < accepted+declined:
			p.State, p.WithdrawnAt = models.ProspectWithdrawn, &decided
		}
		if err := iv.b.store.DB.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		sent := iv.sent
		a := models.Action{AccountID: iv.b.account, ProspectID: &p.ID, Kind: models.ActionInvite, State: models.ActionDone,
			ScheduledAt: sent, FinishedAt: &sent}
		if err := iv.b.store.DB.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func TestAcceptanceGuard(t *testing.T) {
	t.Parallel()
	steps := []struct {
		name                        string
		accepted, declined, pending int
		level                       string
		decided                     int
		judged                      bool
	}{
		{"too few decided to judge", 0, 15, 10, quota.GuardNone, 15, false},
		{"30% accepted", 9, 6, 0, quota.GuardNone, 30, true},
		{"under 20% halves", 0, 20, 5, quota.GuardHalved, 50, true},
		{"under 10% pauses", 0, 25, 0, quota.GuardPaused, 50, true},
		{"14% stays paused (hysteresis)", 7, 0, 0, quota.GuardPaused, 50, true},
		{"16% relaxes to halved", 1, 0, 0, quota.GuardHalved, 50, true},
		{"22% stays halved (hysteresis)", 3, 0, 0, quota.GuardHalved, 50, true},
		{"30% is back to normal", 4, 0, 0, quota.GuardNone, 50, true},
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		iv := &invitations{b: b, sent: monday10.Add(-60 * 24 * time.Hour)}
		events := int64(0)
		for _, st := range steps {
			iv.add(t, st.accepted, st.declined, st.pending)
			got, err := b.engine.EvaluateGuard(b.ctx, b.account)
			if err != nil {
				t.Fatal(err)
			}
			if got.Level != st.level || got.Decided != st.decided || got.Judged != st.judged {
				t.Errorf("%s: got level %q decided %d judged %v (rate %.2f), want %q %d %v",
					st.name, got.Level, got.Decided, got.Judged, got.Rate, st.level, st.decided, st.judged)
			}
			if got.Level != got.Previous {
				events++
			}
			var n int64
			s.DB.Model(&models.Event{}).Where("type = ? AND account_id = ?", pacertype.EventGuardTripped, b.account).Count(&n)
			if n != events {
				t.Errorf("%s: %d guard events, want %d", st.name, n, events)
			}
			switch st.level {
			case quota.GuardPaused:
				le := b.refusal(t, quota.KindInvite)
				if le.Limit != quota.LimitAcceptanceGuard || !le.ResetAt.IsZero() || !errors.Is(le, quota.ErrLimit) {
					t.Errorf("%s: got %v, want acceptance_guard with no reset", st.name, le)
				}
				if _, err := b.engine.NextSlot(b.ctx, b.account, quota.KindInvite, b.clock.Now()); !errors.Is(err, quota.ErrLimit) {
					t.Errorf("%s: next slot: got %v, want the guard's refusal", st.name, err)
				}
				if _, err := b.engine.Reserve(b.ctx, b.account, quota.KindView); err != nil {
					t.Errorf("%s: a view while inviting is paused: %v", st.name, err)
				}
			case quota.GuardHalved:
				u, err := b.engine.Usage(b.ctx, b.account, b.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				if daily := u.Limits[1]; daily.Limit != quota.LimitInvitesPerDay || daily.Max != 10 {
					t.Errorf("%s: daily limit %+v, want 10 (20 halved)", st.name, daily)
				}
			}
		}
		var e models.Event
		if err := s.DB.Where("type = ?", pacertype.EventGuardTripped).Order("created_at DESC, id").First(&e).Error; err != nil {
			t.Fatal(err)
		}
		d, err := models.DecodeEventData(e)
		if err != nil || d.Account != "anna" || d.Reason == "" {
			t.Errorf("event data: got %+v, %v", d, err)
		}
	})
}

func TestDecidedInvitations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10, func(o *quota.Options) { o.GuardMinDecided = 1 })
		sent := monday10.Add(-10 * 24 * time.Hour)
		before, after, later := sent.Add(-time.Hour), sent.Add(time.Hour), sent.Add(2*time.Hour)
		cases := []struct {
			slug                 string
			connected, withdrawn *time.Time
			state                string
		}{
			{"accepted", &after, nil, models.ActionDone},
			{"declined", nil, &after, models.ActionDone},
			{"withdrawn, then accepted a later invitation", &later, &after, models.ActionDone},
			{"connected before this invitation", &before, nil, models.ActionDone}, // not decided by it
			{"withdrawn before this invitation", nil, &before, models.ActionDone}, // not decided by it
			{"skipped, never sent", &after, nil, models.ActionSkipped},            // not an invitation
			{"pending", nil, nil, models.ActionDone},
		}
		for _, c := range cases {
			p := models.Prospect{Slug: c.slug, ProfileURL: "https://www.linkedin.com/in/x", State: models.ProspectPending,
				ConnectedAt: c.connected, WithdrawnAt: c.withdrawn}
			if err := s.DB.Create(&p).Error; err != nil {
				t.Fatal(err)
			}
			a := models.Action{AccountID: b.account, ProspectID: &p.ID, Kind: models.ActionInvite, State: c.state, ScheduledAt: sent, FinishedAt: &sent}
			if err := s.DB.Create(&a).Error; err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.engine.EvaluateGuard(b.ctx, b.account)
		if err != nil {
			t.Fatal(err)
		}
		if got.Decided != 3 || got.Accepted != 1 {
			t.Errorf("got %d decided, %d accepted; want 3 and 1", got.Decided, got.Accepted)
		}
	})
}

func TestPauseAndResumeAreRecordedAsDecisions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		decisions := func() []models.Decision {
			var ds []models.Decision
			if err := s.DB.Order("id").Find(&ds).Error; err != nil {
				t.Fatal(err)
			}
			return ds
		}
		if err := b.engine.Pause(b.ctx, b.account, "U1", "holiday"); err != nil {
			t.Fatal(err)
		}
		b.clock.Set(monday10.Add(time.Hour))
		if err := b.engine.Resume(b.ctx, b.account, "U2"); err != nil {
			t.Fatal(err)
		}
		// A resume refused changes nothing, so it decides nothing.
		if err := b.engine.Restrict(b.ctx, b.account, monday10.Add(48*time.Hour), "weekly limit alert"); err != nil {
			t.Fatal(err)
		}
		if err := b.engine.Resume(b.ctx, b.account, "U3"); !errors.Is(err, quota.ErrRestricted) {
			t.Fatalf("resume while restricted: got %v, want ErrRestricted", err)
		}
		got := decisions()
		want := []models.Decision{
			{UserID: "U1", Kind: models.DecisionPause, Detail: "account anna", At: monday10},
			{UserID: "U2", Kind: models.DecisionResume, Detail: "account anna", At: monday10.Add(time.Hour)},
		}
		if len(got) != len(want) {
			t.Fatalf("decisions: got %+v, want %+v", got, want)
		}
		for i, d := range got {
			w := want[i]
			if d.UserID != w.UserID || d.Kind != w.Kind || d.Detail != w.Detail || !d.At.Equal(w.At) || d.ProposalID != nil {
				t.Errorf("decision %d: got %+v, want %+v", i, d, w)
			}
		}
	})
}
