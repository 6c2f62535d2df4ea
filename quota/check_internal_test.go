package quota

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// fuzzSettings are a Berlin account with limits small enough to reach.
func fuzzSettings(t testing.TB, window string) *settings {
	t.Helper()
	set, err := resolve(config.Account{Name: "fuzz", Plan: "free", Timezone: "Europe/Berlin", Limits: config.Limits{
		InvitesPerWeek: new(12), InvitesPerDay: new(5), ActionsPerDay: new(9), ProfileViewsPerDay: new(4),
		WithdrawalsPerDay: new(2), EventInvitesPerWeek: new(10), NotesPerMonth: new(3), WeeklyWindow: window,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

var fuzzKinds = []string{KindInvite, KindNote, KindView, KindReadEmail, KindFollow, KindWithdraw, KindEventInvite, KindScan}

// playOps interprets data as operations on an in-memory ledger: reserve a
// kind when check allows it (and, every other time, at the pacer's next
// slot), or move the clock forward or back. It fails the test as soon as
// a window holds more than its limit, or the pacer gives a slot the limits
// refuse.
func playOps(t *testing.T, data []byte, window string) {
	set := fuzzSettings(t, window)
	s := newSnapshot(set, accountRow{ID: 1, Name: "fuzz", State: models.AccountActive})
	p := &planner{pace: PaceNormal, minGap: DefaultMinGap, salt: 99}
	now := time.Date(2026, time.March, 27, 7, 0, 0, 0, time.UTC)
	for i := 0; i+1 < len(data); i += 2 {
		op, arg := data[i]%10, int(data[i+1])
		switch {
		case op < 5:
			kind := fuzzKinds[arg%len(fuzzKinds)]
			at := now
			if op == 4 && window == config.WindowRolling {
				next, err := p.next(s, kind, now)
				if err != nil {
					continue
				}
				if le := s.check(kind, next); le != nil {
					t.Fatalf("the pacer gave %s for %s, which %s refuses", next, kind, le.Limit)
				}
				at = next
			}
			if s.check(kind, at) == nil {
				s.add(kind, at)
				assertWindows(t, s, window)
			}
		case op < 7:
			now = now.Add(time.Duration(arg) * 7 * time.Minute)
		case op < 9:
			now = now.Add(time.Duration(arg) * 41 * time.Minute)
		default:
			back := time.Duration(arg) * time.Minute
			if window == config.WindowRolling {
				back *= 20
			}
			now = now.Add(-back)
		}
	}
}

// assertWindows checks every window of every limit over all entries.
func assertWindows(t *testing.T, s *snapshot, window string) {
	t.Helper()
	set := s.set
	perDay := func(kinds []string, limit int, name string) {
		days := map[string]int{}
		for _, k := range kinds {
			for _, at := range s.times[k] {
				days[at.In(set.loc).Format("2006-01-02")]++
			}
		}
		for d, n := range days {
			if n > limit {
				t.Fatalf("%d %s on %s, above %d", n, name, d, limit)
			}
		}
	}
	perDay([]string{KindInvite}, set.invitesPerDay, "invitations")
	perDay(profileKinds, set.viewsPerDay, "views")
	perDay([]string{KindWithdraw}, set.withdrawalsPerDay, "withdrawals")
	perDay(actionKinds, set.actionsPerDay, "actions")
	months := map[string]int{}
	for _, at := range s.times[KindNote] {
		months[set.month(at)]++
	}
	for m, n := range months {
		if n > set.notesPerMonth {
			t.Fatalf("%d notes in %s, above %d", n, m, set.notesPerMonth)
		}
	}
	rolling := func(times []time.Time, limit int, name string) {
		for _, e := range times {
			if n := s.countAfter([]string{name}, e.Add(-Week), e); n > limit {
				t.Fatalf("%d %s in the 7 days to %s, above %d", n, name, e, limit)
			}
		}
	}
	rolling(s.times[KindEventInvite], set.eventInvitesPerWeek, KindEventInvite)
	if window == config.WindowRolling {
		rolling(s.times[KindInvite], set.invitesPerWeek, KindInvite)
		return
	}
	inv := s.times[KindInvite]
	for i := 0; i < len(inv); {
		j := i
		for j < len(inv) && inv[j].Before(inv[i].Add(Week)) {
			j++
		}
		if j-i > set.invitesPerWeek {
			t.Fatalf("%d invitations in the anchored window from %s, above %d", j-i, inv[i], set.invitesPerWeek)
		}
		i = j
	}
}

// FuzzLimits runs random operation sequences on the limit checks alone,
// many more than the store-backed property test can afford. `go test`
// runs the seeds and TestLimitsRandom; `go test -fuzz FuzzLimits` explores.
func FuzzLimits(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 200, 0, 0}, false)
	f.Add([]byte{4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 9, 255, 4, 0, 4, 0}, false)
	f.Add([]byte{0, 1, 0, 1, 0, 1, 0, 1, 7, 30, 0, 1, 0, 1, 9, 10, 0, 1}, true)
	f.Fuzz(func(t *testing.T, data []byte, anchored bool) {
		window := config.WindowRolling
		if anchored {
			window = config.WindowAnchored
		}
		playOps(t, data, window)
	})
}

func TestLimitsRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	for range 100 {
		data := make([]byte, 600)
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		// Mostly reservations, so that the limits are reached.
		for i := 0; i < len(data); i += 2 {
			if rng.IntN(3) > 0 {
				data[i] = byte(rng.IntN(5))
			}
		}
		playOps(t, data, config.WindowRolling)
		playOps(t, data, config.WindowAnchored)
	}
}

func TestGuardLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		current string
		rate    float64
		want    string
	}{
		{GuardNone, 0.50, GuardNone},
		{GuardNone, 0.20, GuardNone},
		{GuardNone, 0.19, GuardHalved},
		{GuardNone, 0.10, GuardHalved},
		{GuardNone, 0.09, GuardPaused},
		{GuardHalved, 0.24, GuardHalved},
		{GuardHalved, 0.25, GuardNone},
		{GuardHalved, 0.05, GuardPaused},
		{GuardPaused, 0.14, GuardPaused},
		{GuardPaused, 0.15, GuardHalved},
		{GuardPaused, 0.24, GuardHalved},
		{GuardPaused, 0.30, GuardNone},
	}
	for _, tt := range tests {
		if got := guardLevel(tt.current, tt.rate); got != tt.want {
			t.Errorf("guardLevel(%q, %.2f): got %q, want %q", tt.current, tt.rate, got, tt.want)
		}
	}
}

func TestWeeklySpread(t *testing.T) {
	t.Parallel()
	set := fuzzSettings(t, config.WindowRolling) // 12 a week, Mon–Fri
	monday := time.Date(2026, time.March, 2, 0, 0, 0, 0, set.loc)
	at := func(day, hour int) time.Time { return monday.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour) }
	tests := []struct {
		name string
		sent []time.Time
		day  time.Time
		want int
	}{
		{"a fresh week: 12 over 5 days", nil, monday, 3},
		{"after a pause, still the even pace", nil, at(2, 0), 3},
		{"half used on Mon–Tue: 6 left over Wed–Fri", []time.Time{at(0, 10), at(0, 11), at(0, 12), at(1, 10), at(1, 11), at(1, 12)}, at(2, 0), 2},
		{"all used last Thursday: room only as they leave", []time.Time{at(-4, 10), at(-4, 10), at(-4, 10), at(-4, 10), at(-4, 10), at(-4, 10),
			at(-4, 10), at(-4, 10), at(-4, 10), at(-4, 10), at(-4, 10), at(-4, 10)}, monday, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnapshot(set, accountRow{ID: 1, State: models.AccountActive})
			for _, x := range tt.sent {
				s.add(KindInvite, x)
			}
			p := &planner{minGap: DefaultMinGap}
			if got := p.weeklySpread(s, []string{KindInvite}, set.invitesPerWeek, false, tt.day); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
