package quota_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

func TestDaysAreLocalAcrossDST(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name      string
		filledAt  time.Time // 20 invitations: the day's limit
		reserveAt time.Time
		refused   bool
		resetAt   time.Time
	}{
		// 29 March 2026: Berlin springs from 02:00 CET to 03:00 CEST; the day is 23 hours.
		{"spring: the same local day is full", utc("2026-03-29T00:30:00Z"), utc("2026-03-29T21:59:00Z"), true, utc("2026-03-29T22:00:00Z")},
		{"spring: local midnight starts a new day", utc("2026-03-29T00:30:00Z"), utc("2026-03-29T22:00:00Z"), false, time.Time{}},
		{"spring: the same UTC day, the next local day", utc("2026-03-28T22:30:00Z"), utc("2026-03-28T23:30:00Z"), false, time.Time{}},
		// 25 October 2026: Berlin falls from 03:00 CEST to 02:00 CET; the day is 25 hours.
		{"autumn: 24 hours after local midnight is the same day", utc("2026-10-24T22:00:00Z"), utc("2026-10-25T22:30:00Z"), true, utc("2026-10-25T23:00:00Z")},
		{"autumn: local midnight starts a new day", utc("2026-10-24T22:00:00Z"), utc("2026-10-25T23:00:00Z"), false, time.Time{}},
	}
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := setup(t, s, config.Account{Name: "dst" + string(rune('a'+i)), Timezone: "Europe/Berlin"}, tt.reserveAt)
				b.fill(t, quota.KindInvite, tt.filledAt, 20)
				_, err := b.engine.Reserve(b.ctx, b.account, quota.KindInvite)
				if !tt.refused {
					if err != nil {
						t.Fatalf("got %v, want a reservation", err)
					}
					return
				}
				var le *quota.LimitError
				if !errors.As(err, &le) || le.Limit != quota.LimitInvitesPerDay {
					t.Fatalf("got %v, want invites_per_day", err)
				}
				if !le.ResetAt.Equal(tt.resetAt) {
					t.Errorf("reset at %s, want %s (local midnight)", le.ResetAt.UTC(), tt.resetAt)
				}
			})
		}
		t.Run("the rolling week is 168 hours across DST", func(t *testing.T) {
			// Monday 23 March 09:00 CET is 08:00 UTC. A week later it is
			// 10:00 CEST: the invitations leave the window then, not at 09:00.
			sent := utc("2026-03-23T08:00:00Z")
			b := setup(t, s, config.Account{Name: "dstweek", Timezone: "Europe/Berlin", Limits: config.Limits{InvitesPerDay: new(40)}},
				utc("2026-03-30T07:30:00Z"))
			b.fill(t, quota.KindInvite, sent, 40)
			b.fill(t, quota.KindInvite, sent.Add(24*time.Hour), 40)
			b.fill(t, quota.KindInvite, sent.Add(48*time.Hour), 20)
			le := b.refusal(t, quota.KindInvite)
			if le.Limit != quota.LimitInvitesPerWeek || !le.ResetAt.Equal(sent.Add(quota.Week)) {
				t.Errorf("got %s reset %s, want invites_per_week reset %s", le.Limit, le.ResetAt.UTC(), sent.Add(quota.Week))
			}
		})
		t.Run("working hours open at 09:00 local on both sides of the change", func(t *testing.T) {
			b := setup(t, s, config.Account{Name: "dsthours", Timezone: "Europe/Berlin"}, monday10)
			for _, tc := range []struct{ from, open string }{
				{"2026-03-27T06:00:00Z", "2026-03-27T08:00:00Z"}, // Friday, CET
				{"2026-03-28T06:00:00Z", "2026-03-30T07:00:00Z"}, // Saturday: to Monday, CEST
			} {
				next, err := b.engine.NextSlot(b.ctx, b.account, quota.KindInvite, utc(tc.from))
				if err != nil {
					t.Fatal(err)
				}
				open := utc(tc.open)
				// The first of 20 sub-slots of 9 hours is 27 minutes long.
				if next.Before(open) || !next.Before(open.Add(27*time.Minute)) {
					t.Errorf("from %s: next slot %s, want within the first sub-slot after %s", tc.from, next.UTC(), open)
				}
			}
		})
	})
}

func TestNotesPerCalendarMonth(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		// 23:00 on 31 January in Berlin is 22:00 UTC; February starts at 23:00 UTC.
		lastEvening := time.Date(2026, time.January, 31, 22, 0, 0, 0, time.UTC)
		february := time.Date(2026, time.January, 31, 23, 0, 0, 0, time.UTC)
		b := setup(t, s, config.Account{Timezone: "Europe/Berlin"}, lastEvening)
		b.reserveN(t, quota.KindNote, 5)
		b.clock.Set(lastEvening.Add(30 * time.Minute))
		if le := b.refusal(t, quota.KindNote); le.Limit != quota.LimitNotesPerMonth || !le.ResetAt.Equal(february) {
			t.Errorf("got %s reset %s, want notes_per_month reset %s", le.Limit, le.ResetAt.UTC(), february)
		}
		b.clock.Set(february)
		b.reserveN(t, quota.KindNote, 1)

		// LinkedIn says 2 are left: notes counted before the reading do not
		// come off it, those after do.
		b.clock.Set(february.Add(24 * time.Hour))
		if err := b.engine.SetNotesLeft(b.ctx, b.account, 2); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(time.Minute)
		b.reserveN(t, quota.KindNote, 2)
		if le := b.refusal(t, quota.KindNote); le.Limit != quota.LimitNotesLeft {
			t.Errorf("got %s, want notes_left", le.Limit)
		}
		u, err := b.engine.Usage(b.ctx, b.account, b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if u.NotesLeft == nil || *u.NotesLeft != 0 {
			t.Errorf("usage: notes left %v, want 0", u.NotesLeft)
		}
		// The reading was for February; March has its own 5.
		b.clock.Set(time.Date(2026, time.March, 1, 8, 0, 0, 0, time.UTC))
		b.reserveN(t, quota.KindNote, 5)
	})
}

func TestAnchoredWindow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		limits := config.Limits{InvitesPerWeek: new(20), InvitesPerDay: new(8), WeeklyWindow: config.WindowAnchored}
		anchored := setup(t, s, config.Account{Name: "anchored", Limits: limits}, monday10)
		limits.WeeklyWindow = config.WindowRolling
		rolling := setup(t, s, config.Account{Name: "rolling", Limits: limits}, monday10)
		day := 24 * time.Hour
		for _, b := range []*bundle{anchored, rolling} {
			b.reserveN(t, quota.KindInvite, 8) // Monday 10:00
			b.clock.Set(monday10.Add(day))
			b.reserveN(t, quota.KindInvite, 8) // Tuesday 10:00
			b.clock.Set(monday10.Add(3 * day))
			b.reserveN(t, quota.KindInvite, 4) // Thursday 10:00
		}
		le := anchored.refusal(t, quota.KindInvite)
		if le.Limit != quota.LimitInvitesPerWeek || !le.ResetAt.Equal(monday10.Add(quota.Week)) {
			t.Errorf("anchored: got %s reset %s, want invites_per_week reset %s", le.Limit, le.ResetAt, monday10.Add(quota.Week))
		}
		// Next Monday 10:00 a new anchored window opens with its first invitation.
		anchored.clock.Set(monday10.Add(quota.Week))
		anchored.reserveN(t, quota.KindInvite, 8)
		// Next Tuesday 09:00: last Tuesday's 8 are still in the rolling
		// window, but the anchored window holds only Monday's 8.
		tuesday9 := monday10.Add(quota.Week + day - time.Hour)
		anchored.clock.Set(tuesday9)
		anchored.reserveN(t, quota.KindInvite, 1)
		rolling.clock.Set(monday10.Add(quota.Week))
		rolling.reserveN(t, quota.KindInvite, 8)
		rolling.clock.Set(tuesday9)
		if le := rolling.refusal(t, quota.KindInvite); le.Limit != quota.LimitInvitesPerWeek || !le.ResetAt.Equal(monday10.Add(quota.Week+day)) {
			t.Errorf("rolling: got %s reset %s, want invites_per_week reset %s", le.Limit, le.ResetAt, monday10.Add(quota.Week+day))
		}

		u, err := anchored.engine.Usage(anchored.ctx, anchored.account, tuesday9)
		if err != nil {
			t.Fatal(err)
		}
		week := u.Limits[0]
		if week.Limit != quota.LimitInvitesPerWeek || week.Window != quota.WindowAnchored || week.Used != 9 ||
			!week.Since.Equal(monday10.Add(quota.Week)) || !week.ResetAt.Equal(monday10.Add(2*quota.Week)) {
			t.Errorf("usage: got %+v", week)
		}
	})
}

func TestAnchoredWindowStartsWithAnInvitationThatHappened(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{Limits: config.Limits{WeeklyWindow: config.WindowAnchored}}, monday10)
		first, err := b.engine.Reserve(b.ctx, b.account, quota.KindInvite)
		if err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(time.Minute)
		if _, err := b.engine.Reserve(b.ctx, b.account, quota.KindInvite); err != nil {
			t.Fatal(err)
		}
		if err := b.engine.Release(b.ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		u, err := b.engine.Usage(b.ctx, b.account, b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := u.Limits[0].Since, monday10.Add(time.Minute); !got.Equal(want) || u.Limits[0].Used != 1 {
			t.Errorf("window since %s with %d, want since %s with 1", got, u.Limits[0].Used, want)
		}
	})
}
