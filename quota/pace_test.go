package quota_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// run plays the runner: it sends actions of the kinds in turn, each at its
// NextSlot, until until, and returns the times of the sends.
func (b *bundle) run(t *testing.T, from, until time.Time, kinds ...string) map[string][]time.Time {
	t.Helper()
	sent := map[string][]time.Time{}
	now := from
	for i := 0; ; i++ {
		kind := kinds[i%len(kinds)]
		next, err := b.engine.NextSlot(b.ctx, b.account, kind, now)
		if err != nil {
			t.Fatalf("next slot: %v", err)
		}
		if again, _ := b.engine.NextSlot(b.ctx, b.account, kind, now); !again.Equal(next) {
			t.Fatalf("next slot is not stable: %s, then %s", next, again)
		}
		if !next.Before(until) {
			return sent
		}
		if next.Before(now) {
			t.Fatalf("next slot %s is before now %s", next, now)
		}
		b.clock.Set(next)
		r, err := b.engine.Reserve(b.ctx, b.account, kind)
		if err != nil {
			t.Fatalf("reserve at the slot the pacer gave (%s): %v", next, err)
		}
		if err := b.engine.Commit(b.ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		sent[kind] = append(sent[kind], next)
		now = next
	}
}

func TestPacerSpreadsADayEvenly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		loc := mustLoc(t, "America/New_York")
		start := time.Date(2026, time.March, 2, 0, 0, 0, 0, loc) // Monday
		b := setup(t, s, config.Account{Timezone: "America/New_York"}, start)
		sent := b.run(t, start, start.Add(24*time.Hour), quota.KindInvite)[quota.KindInvite]
		if len(sent) != 20 {
			t.Fatalf("sent %d on Monday, want the day's 20", len(sent))
		}
		open := time.Date(2026, time.March, 2, 9, 0, 0, 0, loc)
		subSlot := 9 * time.Hour / 20
		for i, at := range sent {
			// Each invitation in its own sub-slot of the open hours.
			lo, hi := open.Add(time.Duration(i)*subSlot), open.Add(time.Duration(i+1)*subSlot)
			if at.Before(lo) || !at.Before(hi) {
				t.Errorf("invitation %d at %s, want within its sub-slot %s–%s", i, at.In(loc).Format("15:04:05"), lo.In(loc).Format("15:04"), hi.In(loc).Format("15:04"))
			}
			if i > 0 && at.Sub(sent[i-1]) < quota.DefaultMinGap {
				t.Errorf("gap %s before invitation %d, want at least %s", at.Sub(sent[i-1]), i, quota.DefaultMinGap)
			}
		}
	})
}

// Messages get their own even plan: the day's messages_per_day spread over
// the open hours, not bunched in the morning's share of the actions per day.
func TestPacerSpreadsTheDaysMessagesEvenly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		day := time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)
		b := setup(t, s, config.Account{Limits: config.Limits{MessagesPerDay: new(10)}}, day)
		sent := b.run(t, day, day.Add(24*time.Hour), quota.KindMessage)[quota.KindMessage]
		if len(sent) != 10 {
			t.Fatalf("sent %d messages on Monday, want the day's 10", len(sent))
		}
		open := day.Add(9 * time.Hour)
		subSlot := 9 * time.Hour / 10
		for i, at := range sent {
			if lo, hi := open.Add(time.Duration(i)*subSlot), open.Add(time.Duration(i+1)*subSlot); at.Before(lo) || !at.Before(hi) {
				t.Errorf("message %d at %s, want within its sub-slot %s–%s", i, at.Format("15:04:05"), lo.Format("15:04"), hi.Format("15:04"))
			}
		}
	})
}

func TestPacerKeepsTheGapAcrossKinds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		day := time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)
		sent := b.run(t, day, day.Add(24*time.Hour), quota.KindView, quota.KindInvite, quota.KindFollow)
		var all []time.Time
		for _, times := range sent {
			all = append(all, times...)
		}
		if len(sent[quota.KindInvite]) != 20 {
			t.Errorf("invitations: %d, want 20", len(sent[quota.KindInvite]))
		}
		if n := len(all); n > 100 {
			t.Errorf("%d actions, above the 100 per day", n)
		}
		sortTimes(all)
		for i := 1; i < len(all); i++ {
			if gap := all[i].Sub(all[i-1]); gap < quota.DefaultMinGap {
				t.Errorf("gap of %s between two actions at %s", gap, all[i].Format("15:04:05"))
			}
		}
	})
}

func TestPacerDoesNotCatchUpAfterAPause(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		day := time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)
		// Restricted until 14:00 on Monday: five of nine hours are lost.
		if err := b.engine.Restrict(b.ctx, b.account, day.Add(14*time.Hour), "test"); err != nil {
			t.Fatal(err)
		}
		sent := b.run(t, day, day.Add(5*24*time.Hour), quota.KindInvite)[quota.KindInvite]
		perDay := map[int]int{}
		subSlot := 9 * time.Hour / 20
		for i, at := range sent {
			perDay[at.YearDay()]++
			if i > 0 && sent[i-1].YearDay() == at.YearDay() && at.Sub(sent[i-1]) < subSlot*3/4 {
				t.Errorf("%s after the previous one at %s: faster than 4/3 of the even pace", at.Sub(sent[i-1]), at.Format("Mon 15:04"))
			}
		}
		if first := sent[0]; first.Before(day.Add(14 * time.Hour)) {
			t.Errorf("first invitation at %s, during the restriction", first)
		}
		monday := perDay[day.YearDay()]
		if monday > 12 {
			t.Errorf("Monday: %d invitations in the 4 hours left, want at most 12 (4/3 of the even pace)", monday)
		}
		for d, n := range perDay {
			if n > 20 {
				t.Errorf("day %d: %d invitations, above the daily 20", d, n)
			}
		}
	})
}

func TestFastPace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		night := time.Date(2026, time.March, 7, 2, 0, 0, 0, time.UTC) // Saturday, 02:00
		b := setup(t, s, config.Account{}, night, func(o *quota.Options) { o.Pace = quota.PaceFast })
		sent := b.run(t, night, night.Add(time.Hour), quota.KindInvite)[quota.KindInvite]
		if len(sent) != 20 {
			t.Fatalf("sent %d, want the day's 20 even at night on a Saturday", len(sent))
		}
		if last := sent[19]; last.Sub(night) > 30*time.Second {
			t.Errorf("20 invitations took %s, want about 20 s", last.Sub(night))
		}
		next, err := b.engine.NextSlot(b.ctx, b.account, quota.KindInvite, sent[19])
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, time.March, 8, 0, 0, 0, 0, time.UTC); !next.Equal(want) {
			t.Errorf("after the day's limit: next %s, want local midnight %s", next, want)
		}
	})
}

func TestForecastAndCapacity(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		mondayEarly := time.Date(2026, time.March, 2, 7, 0, 0, 0, time.UTC)
		b := setup(t, s, config.Account{}, mondayEarly)
		ctx, e := b.ctx, b.engine
		f, err := e.Forecast(ctx, b.account, quota.KindInvite, 50, mondayEarly)
		if err != nil {
			t.Fatal(err)
		}
		want := []quota.ForecastDay{{"2026-03-02", time.Monday, 20}, {"2026-03-03", time.Tuesday, 20}, {"2026-03-04", time.Wednesday, 10}}
		if !equalDays(f.Days, want) || f.Unsent != 0 {
			t.Errorf("forecast: got %+v unsent %d, want %+v", f.Days, f.Unsent, want)
		}
		if got := f.Summary(); got != "sends Mon–Wed within quota" {
			t.Errorf("summary: got %q", got)
		}

		// Ten invitations already queued (for ten prospects) go first.
		for i := range 10 {
			p := models.Prospect{Slug: fmt.Sprintf("queued-%d", i), ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/queued-%d/", i), State: models.ProspectNew}
			if err := s.DB.Create(&p).Error; err != nil {
				t.Fatal(err)
			}
			a := models.Action{AccountID: b.account, ProspectID: &p.ID, Kind: models.ActionInvite, State: models.ActionScheduled, ScheduledAt: mondayEarly}
			if err := s.DB.Create(&a).Error; err != nil {
				t.Fatal(err)
			}
		}
		f, err = e.Forecast(ctx, b.account, quota.KindInvite, 20, mondayEarly)
		if err != nil {
			t.Fatal(err)
		}
		want = []quota.ForecastDay{{"2026-03-02", time.Monday, 10}, {"2026-03-03", time.Tuesday, 10}}
		if !equalDays(f.Days, want) || f.Queued != 10 {
			t.Errorf("forecast behind a queue: got %+v queued %d, want %+v", f.Days, f.Queued, want)
		}

		capacities := []struct {
			name string
			now  time.Time
			days int
			want int
		}{
			{"Monday morning, two days, net of the 10 queued", mondayEarly, 2, 30},
			{"Monday morning, one day", mondayEarly, 1, 10},
			{"Monday evening: Tuesday and Wednesday", mondayEarly.Add(12 * time.Hour), 2, 30},
			{"Friday morning: Friday and Monday", mondayEarly.Add(4 * 24 * time.Hour), 2, 30},
		}
		for _, c := range capacities {
			got, err := e.Capacity(ctx, b.account, quota.KindInvite, c.days, c.now)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s: capacity %d, want %d", c.name, got, c.want)
			}
		}

		if err := e.Pause(ctx, b.account, "U1", ""); err != nil {
			t.Fatal(err)
		}
		f, err = e.Forecast(ctx, b.account, quota.KindInvite, 5, mondayEarly)
		if err != nil {
			t.Fatal(err)
		}
		if f.Unsent != 5 || f.Blocked != "the account is paused by U1" || f.Summary() != "not sending: the account is paused by U1" {
			t.Errorf("paused: got %+v, summary %q", f, f.Summary())
		}
		if got, err := e.Capacity(ctx, b.account, quota.KindInvite, 2, mondayEarly); err != nil || got != 0 {
			t.Errorf("paused capacity: got %d, %v; want 0", got, err)
		}
	})
}

func TestForecastSummary(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.March, 3, 10, 0, 0, 0, time.UTC) // Tuesday
	tests := []struct {
		name string
		f    quota.Forecast
		want string
	}{
		{"today", quota.Forecast{Requested: 3, Days: []quota.ForecastDay{{"2026-03-03", time.Tuesday, 3}}}, "sends today within quota"},
		{"one day", quota.Forecast{Requested: 3, Days: []quota.ForecastDay{{"2026-03-05", time.Thursday, 3}}}, "sends Thu within quota"},
		{"a range", quota.Forecast{Requested: 30, Days: []quota.ForecastDay{{"2026-03-03", time.Tuesday, 10}, {"2026-03-04", time.Wednesday, 20}}}, "sends Tue–Wed within quota"},
		{"beyond a week", quota.Forecast{Requested: 200, Days: []quota.ForecastDay{{"2026-03-05", time.Thursday, 100}, {"2026-03-12", time.Thursday, 100}}}, "sends Thu–Thu 12 Mar within quota"},
		{"some wait longer", quota.Forecast{Requested: 30, Unsent: 10, Days: []quota.ForecastDay{{"2026-03-04", time.Wednesday, 20}}}, "sends Wed within quota; 10 wait longer"},
		{"nothing", quota.Forecast{}, "nothing to send"},
		{"blocked", quota.Forecast{Requested: 5, Unsent: 5, Blocked: "the account is paused by U1"}, "not sending: the account is paused by U1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.At = now
			if got := tt.f.Summary(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{Plan: "premium"}, monday10)
		b.fill(t, quota.KindInvite, monday10.Add(-2*24*time.Hour), 30)
		b.reserveN(t, quota.KindInvite, 4)
		b.reserveN(t, quota.KindView, 3)
		b.reserveN(t, quota.KindNote, 2)
		u, err := b.engine.Usage(b.ctx, b.account, monday10)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]quota.LimitUsage{
			quota.LimitInvitesPerWeek: {Used: 34, Max: 150, Window: quota.WindowRolling, ResetAt: monday10.Add(5 * 24 * time.Hour)},
			quota.LimitInvitesPerDay:  {Used: 4, Max: 30, Window: quota.WindowDay, ResetAt: monday10.Add(14 * time.Hour)},
			// 3 views, and the profiles of the 4 invitations.
			quota.LimitProfileViewsPerDay: {Used: 7, Max: 100, Window: quota.WindowDay, ResetAt: monday10.Add(14 * time.Hour)},
			quota.LimitActionsPerDay:      {Used: 7, Max: 100, Window: quota.WindowDay, ResetAt: monday10.Add(14 * time.Hour)},
			// A premium account has no note limit: nothing to reset.
			quota.LimitNotesPerMonth: {Used: 2, Max: config.Unlimited, Window: quota.WindowMonth},
		}
		for _, l := range u.Limits {
			w, ok := want[l.Limit]
			if !ok {
				continue
			}
			if l.Used != w.Used || l.Max != w.Max || l.Window != w.Window || !l.ResetAt.Equal(w.ResetAt) {
				t.Errorf("%s: got %d/%d %s reset %s, want %d/%d %s reset %s", l.Limit, l.Used, l.Max, l.Window, l.ResetAt, w.Used, w.Max, w.Window, w.ResetAt)
			}
			delete(want, l.Limit)
		}
		for name := range want {
			t.Errorf("usage lacks %s", name)
		}
		if u.State != models.AccountActive || u.Plan != "premium" || u.WorkingHours != "Mon–Fri 09:00–18:00" || u.NextInvite.IsZero() {
			t.Errorf("usage: got %+v", u)
		}
	})
}

func equalDays(a, b []quota.ForecastDay) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

func TestReplicasAgreeOnTheNextSlot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, config.Account{}, monday10)
		b.cfg.SecretKey = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYq="
		one := quota.New(s, b.cfg, quota.Options{})
		other := quota.New(s, b.cfg, quota.Options{})
		for _, now := range []time.Time{monday10, monday10.Add(3 * time.Hour), monday10.Add(30 * time.Hour)} {
			a, err := one.NextSlot(b.ctx, b.account, quota.KindInvite, now)
			if err != nil {
				t.Fatal(err)
			}
			c, err := other.NextSlot(b.ctx, b.account, quota.KindInvite, now)
			if err != nil {
				t.Fatal(err)
			}
			if !a.Equal(c) {
				t.Errorf("from %s: one engine says %s, another %s", now, a, c)
			}
		}
	})
}
