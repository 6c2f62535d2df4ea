package quota_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

func TestReserveRefusesAtEachLimit(t *testing.T) {
	t.Parallel()
	nextMidnight := time.Date(2026, time.March, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		acct    config.Account
		fill    map[string]int // used today, at 09:30
		fillAgo map[string]int // used 3 days ago
		kind    string
		limit   string
		used    int
		max     int
		resetAt time.Time
	}{
		{name: "invites per day", kind: quota.KindInvite, fill: map[string]int{quota.KindInvite: 20},
			limit: quota.LimitInvitesPerDay, used: 20, max: 20, resetAt: nextMidnight},
		{name: "invites per rolling week", acct: config.Account{Limits: config.Limits{InvitesPerDay: new(40)}},
			kind: quota.KindInvite, fill: map[string]int{quota.KindInvite: 30}, fillAgo: map[string]int{quota.KindInvite: 70},
			limit: quota.LimitInvitesPerWeek, used: 100, max: 100, resetAt: monday10.Add(-3*24*time.Hour - 30*time.Minute).Add(quota.Week)},
		{name: "notes per month on a free account", kind: quota.KindNote, fill: map[string]int{quota.KindNote: 5},
			limit: quota.LimitNotesPerMonth, used: 5, max: 5, resetAt: time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC)},
		{name: "profile views per day", acct: config.Account{Limits: config.Limits{ActionsPerDay: new(150)}},
			kind: quota.KindView, fill: map[string]int{quota.KindView: 60, quota.KindReadEmail: 40},
			limit: quota.LimitProfileViewsPerDay, used: 100, max: 100, resetAt: nextMidnight},
		{name: "all actions per day", kind: quota.KindFollow, fill: map[string]int{quota.KindLike: 50, quota.KindInvite: 10, quota.KindScan: 40},
			limit: quota.LimitActionsPerDay, used: 100, max: 100, resetAt: nextMidnight},
		{name: "notes do not count as actions", kind: quota.KindFollow, fill: map[string]int{quota.KindLike: 99, quota.KindNote: 5}},
		{name: "withdrawals per day", kind: quota.KindWithdraw, fill: map[string]int{quota.KindWithdraw: 20},
			limit: quota.LimitWithdrawalsPerDay, used: 20, max: 20, resetAt: nextMidnight},
		{name: "event invitations per week", acct: config.Account{Limits: config.Limits{ActionsPerDay: new(150)}},
			kind: quota.KindEventInvite, fill: map[string]int{quota.KindEventInvite: 100}, fillAgo: map[string]int{quota.KindEventInvite: 100},
			limit: quota.LimitEventInvitesPerWeek, used: 200, max: 200, resetAt: monday10.Add(-3*24*time.Hour - 30*time.Minute).Add(quota.Week)},
		{name: "messages per day", kind: quota.KindMessage, fill: map[string]int{quota.KindMessage: 50},
			limit: quota.LimitMessagesPerDay, used: 50, max: 50, resetAt: nextMidnight},
		{name: "a message opens a profile: a profile view", acct: config.Account{Limits: config.Limits{ActionsPerDay: new(150)}},
			kind: quota.KindView, fill: map[string]int{quota.KindView: 60, quota.KindMessage: 40},
			limit: quota.LimitProfileViewsPerDay, used: 100, max: 100, resetAt: nextMidnight},
		{name: "premium has no monthly note limit", acct: config.Account{Plan: "premium"}, kind: quota.KindNote, fillAgo: map[string]int{quota.KindNote: 80}},
		{name: "the override is the limit", acct: config.Account{Limits: config.Limits{InvitesPerDay: new(5)}},
			kind: quota.KindInvite, fill: map[string]int{quota.KindInvite: 5}, limit: quota.LimitInvitesPerDay, used: 5, max: 5, resetAt: nextMidnight},
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.acct.Name = "acct" + string(rune('a'+i))
				b := setup(t, s, tt.acct, monday10)
				for kind, n := range tt.fill {
					b.fill(t, kind, monday10.Add(-30*time.Minute), n)
				}
				for kind, n := range tt.fillAgo {
					b.fill(t, kind, monday10.Add(-3*24*time.Hour-30*time.Minute), n)
				}
				before := b.ledgerCount(t, "")
				r, err := b.engine.Reserve(b.ctx, b.account, tt.kind)
				if tt.limit == "" {
					if err != nil {
						t.Fatalf("got %v, want a reservation", err)
					}
					if r.Kind != tt.kind || !r.At.Equal(monday10) {
						t.Errorf("got %+v", r)
					}
					return
				}
				var le *quota.LimitError
				if !errors.As(err, &le) {
					t.Fatalf("got %v, want a *LimitError", err)
				}
				if !errors.Is(err, quota.ErrLimit) || errors.Is(err, quota.ErrAccountNotActive) {
					t.Errorf("errors.Is: got ErrLimit %v, ErrAccountNotActive %v; want true, false",
						errors.Is(err, quota.ErrLimit), errors.Is(err, quota.ErrAccountNotActive))
				}
				if le.Limit != tt.limit || le.Used != tt.used || le.Max != tt.max || !le.ResetAt.Equal(tt.resetAt) {
					t.Errorf("got %s %d/%d reset %s, want %s %d/%d reset %s",
						le.Limit, le.Used, le.Max, le.ResetAt.UTC(), tt.limit, tt.used, tt.max, tt.resetAt)
				}
				if le.Account != tt.acct.Name || le.Kind != tt.kind {
					t.Errorf("got account %q kind %q", le.Account, le.Kind)
				}
				if after := b.ledgerCount(t, ""); after != before {
					t.Errorf("a refusal wrote to the ledger: %d entries, want %d", after, before)
				}
			})
		}
	})
}

func TestReserveRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		acct config.Account
		kind string
		want error
		says string
	}{
		{"unknown kind", config.Account{}, "poke", quota.ErrUnknownKind, `"poke"`},
		{"unknown plan", config.Account{Plan: "gold"}, quota.KindInvite, quota.ErrSettings, `"gold"`},
		{"unknown timezone", config.Account{Timezone: "Mars/Olympus"}, quota.KindInvite, quota.ErrSettings, `"Mars/Olympus"`},
		{"working hours end before they start", config.Account{WorkingHours: config.WorkingHours{Start: "18:00", End: "09:00"}},
			quota.KindInvite, quota.ErrSettings, "end at 09:00, not after they start at 18:00"},
		{"override above the ceiling", config.Account{Limits: config.Limits{InvitesPerWeek: new(250)}},
			quota.KindInvite, quota.ErrSettings, "invites_per_week is 250, above the ceiling of 200"},
		{"unknown working day", config.Account{WorkingHours: config.WorkingHours{Days: []string{"mon", "funday"}}},
			quota.KindInvite, quota.ErrSettings, `"funday"`},
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.acct.Name = "bad" + string(rune('a'+i))
				b := setup(t, s, tt.acct, monday10)
				_, err := b.engine.Reserve(b.ctx, b.account, tt.kind)
				if !errors.Is(err, tt.want) {
					t.Fatalf("got %v, want %v", err, tt.want)
				}
				if !strings.Contains(err.Error(), tt.says) {
					t.Errorf("error %q does not say %q", err, tt.says)
				}
				if n := b.ledgerCount(t, ""); n != 0 {
					t.Errorf("got %d ledger entries, want none", n)
				}
			})
		}
		t.Run("unknown account", func(t *testing.T) {
			b := setup(t, s, config.Account{Name: "known"}, monday10)
			if _, err := b.engine.Reserve(b.ctx, 98765, quota.KindInvite); !errors.Is(err, quota.ErrUnknownAccount) {
				t.Errorf("got %v, want ErrUnknownAccount", err)
			}
		})
	})
}

func TestReservationLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{Limits: config.Limits{InvitesPerDay: new(3)}}, monday10)
		ctx, e := b.ctx, b.engine

		committed, err := e.Reserve(ctx, b.account, quota.KindInvite)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Commit(ctx, committed.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.Commit(ctx, committed.ID); err != nil {
			t.Errorf("commit twice: %v", err)
		}
		if err := e.Release(ctx, committed.ID); !errors.Is(err, quota.ErrReservationSettled) {
			t.Errorf("release after commit: got %v, want ErrReservationSettled", err)
		}

		released, err := e.Reserve(ctx, b.account, quota.KindInvite)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Release(ctx, released.ID); err != nil {
			t.Fatalf("release: %v", err)
		}
		if err := e.Release(ctx, released.ID); err != nil {
			t.Errorf("release twice: %v", err)
		}

		// A crash: the outcome never comes. The reservation counts, and
		// once expired it cannot be given back.
		crashed, err := e.Reserve(ctx, b.account, quota.KindInvite)
		if err != nil {
			t.Fatal(err)
		}
		if !crashed.ExpiresAt.Equal(monday10.Add(quota.DefaultReservationTTL)) {
			t.Errorf("expires at %s, want %s", crashed.ExpiresAt, monday10.Add(quota.DefaultReservationTTL))
		}
		if _, err := e.Reserve(ctx, b.account, quota.KindInvite); err != nil {
			t.Fatalf("third of 3 (one was released): %v", err)
		}
		b.refusal(t, quota.KindInvite)
		b.clock.Advance(quota.DefaultReservationTTL)
		if n, err := e.ExpireReservations(ctx); err != nil || n != 2 {
			t.Errorf("expire: got %d, %v; want 2 expired", n, err)
		}
		if err := e.Release(ctx, crashed.ID); !errors.Is(err, quota.ErrReservationSettled) {
			t.Errorf("release after expiry: got %v, want ErrReservationSettled", err)
		}
		if le := b.refusal(t, quota.KindInvite); le.Limit != quota.LimitInvitesPerDay || le.Used != 3 {
			t.Errorf("after expiry: got %s %d, want invites_per_day 3: expired reservations count", le.Limit, le.Used)
		}
		if got := b.ledgerCount(t, models.QuotaUsed); got != 3 {
			t.Errorf("used entries: got %d, want 3", got)
		}
		if err := e.Commit(ctx, 424242); !errors.Is(err, quota.ErrNoReservation) {
			t.Errorf("commit unknown: got %v, want ErrNoReservation", err)
		}
		if err := e.Release(ctx, 424242); !errors.Is(err, quota.ErrNoReservation) {
			t.Errorf("release unknown: got %v, want ErrNoReservation", err)
		}
	})
}

// A message attempt opens the member's profile first: one that sent
// nothing (not a connection, a draft in the composer), or that a later
// attempt proved was not the one that sent, counts as the profile view it
// was, not as a message.
func TestAMessageThatWasNotSentCountsAsTheProfileViewItWas(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{Limits: config.Limits{MessagesPerDay: new(2)}}, monday10)
		ctx, e := b.ctx, b.engine
		unsent, err := e.Reserve(ctx, b.account, quota.KindMessage)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.PageLoad(ctx, unsent.ID); err != nil {
			t.Fatal(err)
		}
		inDoubt, err := e.Reserve(ctx, b.account, quota.KindMessage)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Commit(ctx, inDoubt.ID); err != nil {
			t.Fatal(err)
		}
		err = s.DB.Transaction(func(tx *gorm.DB) error { return e.NotSentTx(ctx, tx, inDoubt.ID) })
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{unsent.ID, inDoubt.ID} {
			var got models.QuotaEntry
			if err := s.DB.Take(&got, id).Error; err != nil {
				t.Fatal(err)
			}
			if got.Kind != quota.KindView || got.State != models.QuotaUsed {
				t.Errorf("entry %d: %s %s, want a used profile view", id, got.Kind, got.State)
			}
		}
		// Neither counts against the messages: both of the day's are left.
		b.reserveN(t, quota.KindMessage, 2)
		if le := b.refusal(t, quota.KindMessage); le.Limit != quota.LimitMessagesPerDay || le.Used != 2 {
			t.Errorf("got %s %d/%d, want messages_per_day 2/2", le.Limit, le.Used, le.Max)
		}
	})
}

func TestReserveTxFollowsTheCallersTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		errRollback := errors.New("roll back")
		err := s.DB.Transaction(func(tx *gorm.DB) error {
			if _, err := b.engine.ReserveTx(b.ctx, tx, b.account, quota.KindInvite); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if n := b.ledgerCount(t, ""); n != 0 {
			t.Errorf("after rollback: %d entries, want 0", n)
		}
		var r quota.Reservation
		err = s.DB.Transaction(func(tx *gorm.DB) error {
			r, err = b.engine.ReserveTx(b.ctx, tx, b.account, quota.KindInvite)
			if err != nil {
				return err
			}
			return b.engine.CommitTx(b.ctx, tx, r.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := b.ledgerCount(t, models.QuotaUsed); n != 1 {
			t.Errorf("after commit: %d used entries, want 1", n)
		}
	})
}

func TestAccountStates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		ctx, e := b.ctx, b.engine
		stateOf := func() models.Account {
			var a models.Account
			if err := s.DB.First(&a, b.account).Error; err != nil {
				t.Fatal(err)
			}
			return a
		}
		notActive := func(kind string, wantReset time.Time) {
			t.Helper()
			le := b.refusal(t, kind)
			if !errors.Is(le, quota.ErrAccountNotActive) || errors.Is(le, quota.ErrLimit) {
				t.Errorf("%s: got %v, want ErrAccountNotActive only", kind, le)
			}
			if !le.ResetAt.Equal(wantReset) {
				t.Errorf("%s: reset at %s, want %s", kind, le.ResetAt, wantReset)
			}
		}

		if err := e.Pause(ctx, b.account, "U123", "holiday"); err != nil {
			t.Fatal(err)
		}
		notActive(quota.KindView, time.Time{})
		if le := b.refusal(t, quota.KindInvite); !strings.Contains(le.Error(), "paused by U123: holiday") {
			t.Errorf("got %q, want the reason", le)
		}
		if err := e.Resume(ctx, b.account, "U123"); err != nil {
			t.Fatal(err)
		}
		b.reserveN(t, quota.KindView, 1)

		until := monday10.Add(3 * 24 * time.Hour)
		if err := e.Restrict(ctx, b.account, until, "weekly limit alert"); err != nil {
			t.Fatal(err)
		}
		notActive(quota.KindInvite, until)
		notActive(quota.KindView, until)
		if err := e.Resume(ctx, b.account, "U123"); !errors.Is(err, quota.ErrRestricted) {
			t.Errorf("resume a restricted account: got %v, want ErrRestricted", err)
		}
		// A shorter restriction does not shorten a longer one.
		if err := e.Restrict(ctx, b.account, monday10.Add(time.Hour), "again"); err != nil {
			t.Fatal(err)
		}
		notActive(quota.KindInvite, until)
		b.clock.Set(until)
		b.reserveN(t, quota.KindInvite, 1)
		if a := stateOf(); a.State != models.AccountActive || a.RestrictedUntil != nil {
			t.Errorf("after the restriction: state %q until %v, want active", a.State, a.RestrictedUntil)
		}

		if err := e.SetNeedsHuman(ctx, b.account, "checkpoint"); err != nil {
			t.Fatal(err)
		}
		// A restriction does not clear a checkpoint.
		if err := e.Restrict(ctx, b.account, until.Add(time.Hour), "limit"); err != nil {
			t.Fatal(err)
		}
		if a := stateOf(); a.State != models.AccountNeedsHuman {
			t.Errorf("state %q, want needs_human kept", a.State)
		}
		notActive(quota.KindScan, time.Time{})
		if _, err := e.NextSlot(ctx, b.account, quota.KindInvite, b.clock.Now()); !errors.Is(err, quota.ErrAccountNotActive) {
			t.Errorf("next slot: got %v, want ErrAccountNotActive", err)
		}
		if err := e.Resume(ctx, b.account, "U123"); err != nil {
			t.Fatal(err)
		}
		// The restriction LinkedIn set during the checkpoint still runs:
		// the person's resume hands over to it, until its end.
		notActive(quota.KindScan, until.Add(time.Hour))
		b.clock.Set(until.Add(time.Hour))
		b.reserveN(t, quota.KindScan, 1)
	})
}

func TestReinviteBlockedForThreeWeeks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		withdrawn := monday10.Add(-20 * 24 * time.Hour)
		prospects := []models.Prospect{
			{Slug: "ada", ProfileURL: "https://www.linkedin.com/in/ada", State: models.ProspectWithdrawn, WithdrawnAt: &withdrawn},
			{Slug: "bob", ProfileURL: "https://www.linkedin.com/in/bob", State: models.ProspectNew},
		}
		if err := s.DB.Create(&prospects).Error; err != nil {
			t.Fatal(err)
		}
		ada, bob := prospects[0].ID, prospects[1].ID
		tests := []struct {
			name     string
			at       time.Time
			prospect int64
			blocked  bool
		}{
			{"20 days after the withdrawal", monday10, ada, true},
			{"a second before 21 days", withdrawn.Add(quota.ReinviteBlock - time.Second), ada, true},
			{"21 days after", withdrawn.Add(quota.ReinviteBlock), ada, false},
			{"never withdrawn", monday10, bob, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b.clock.Set(tt.at)
				err := b.engine.CanInvite(b.ctx, tt.prospect)
				_, rerr := b.engine.ReserveFor(b.ctx, quota.Request{AccountID: b.account, Kind: quota.KindInvite, ProspectID: &tt.prospect})
				if !tt.blocked {
					if err != nil || rerr != nil {
						t.Fatalf("got %v and %v, want no block", err, rerr)
					}
					return
				}
				for _, got := range []error{err, rerr} {
					var le *quota.LimitError
					if !errors.As(got, &le) || le.Limit != quota.LimitReinvite || !le.ResetAt.Equal(withdrawn.Add(quota.ReinviteBlock)) {
						t.Errorf("got %v, want reinvite_after_withdraw until %s", got, withdrawn.Add(quota.ReinviteBlock))
					}
				}
			})
		}
		if n := b.ledgerCount(t, ""); n != 2 {
			t.Errorf("ledger: got %d entries, want the 2 allowed", n)
		}
	})
}

func TestPendingAndConnectionCeilings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		ctx, e := b.ctx, b.engine
		alerts := func() int64 {
			var n int64
			s.DB.Model(&models.Event{}).Where("type = ? AND account_id = ?", pacertype.EventPendingAlert, b.account).Count(&n)
			return n
		}
		steps := []struct {
			connections, pending int
			wantAlerts           int64
			limit                string
		}{
			{100, 499, 0, ""},
			{100, 500, 1, ""},
			{100, 650, 1, ""}, // once per crossing
			{100, 699, 1, ""},
			{100, 700, 2, quota.LimitPendingStop},
			{100, 300, 2, ""},
			{100, 510, 3, ""},
			{29501, 499, 3, quota.LimitMaxConnections},
			{29000, 0, 3, ""},
		}
		for _, st := range steps {
			if err := e.SetNetwork(ctx, b.account, st.connections, st.pending); err != nil {
				t.Fatal(err)
			}
			if got := alerts(); got != st.wantAlerts {
				t.Errorf("%d pending: %d alerts, want %d", st.pending, got, st.wantAlerts)
			}
			r, err := e.Reserve(ctx, b.account, quota.KindInvite)
			if st.limit == "" {
				if err != nil {
					t.Errorf("%d/%d: got %v, want a reservation", st.connections, st.pending, err)
				} else {
					_ = e.Release(ctx, r.ID)
				}
				continue
			}
			var le *quota.LimitError
			if !errors.As(err, &le) || le.Limit != st.limit || !le.ResetAt.IsZero() {
				t.Errorf("%d/%d: got %v, want %s with no reset time", st.connections, st.pending, err, st.limit)
			}
			// Views are not invitations: still fine.
			if _, err := e.Reserve(ctx, b.account, quota.KindView); err != nil {
				t.Errorf("view: %v", err)
			}
		}
	})
}

func TestALimitOfZeroStopsTheKind(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{Limits: config.Limits{InvitesPerDay: new(0)}}, monday10)
		le := b.refusal(t, quota.KindInvite)
		if le.Limit != quota.LimitInvitesPerDay || !le.ResetAt.IsZero() {
			t.Errorf("reserve: got %v, want invites_per_day with no reset time", le)
		}
		var next *quota.LimitError
		if _, err := b.engine.NextSlot(b.ctx, b.account, quota.KindNote, monday10); !errors.As(err, &next) || next.Limit != quota.LimitInvitesPerDay {
			t.Errorf("next slot of a note: got %v, want invites_per_day", err)
		}
		if n, err := b.engine.Capacity(b.ctx, b.account, quota.KindInvite, 2, monday10); err != nil || n != 0 {
			t.Errorf("capacity: got %d, %v; want 0", n, err)
		}
		b.reserveN(t, quota.KindView, 1)
	})
}
