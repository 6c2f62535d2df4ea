package quota

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// SimConfig describes a simulation: one account of a plan, a steady demand
// of invitations per week, a number of weeks.
type SimConfig struct {
	Plan string
	// Weeks is how many weeks to simulate (1–520).
	Weeks int
	// Demand is how many invitations are asked for at the start of every
	// week (Monday 00:00 local).
	Demand int
	// Window is config.WindowRolling (default) or config.WindowAnchored.
	Window string
	// Timezone is the account's (default UTC).
	Timezone string
	// Seed seeds the pacer's jitter.
	Seed uint64
	// Start is a day of the first week; the simulation starts on its
	// Monday. Zero: SimStart, whose weeks cross the DST changes of Europe
	// and the Americas.
	Start time.Time
	// WorkingHours default to Mon–Fri 09:00–18:00.
	WorkingHours config.WorkingHours
	// Limits are overrides, as in the configuration file.
	Limits config.Limits
}

// SimStart is the default first day of a simulation: Monday 2 March 2026.
var SimStart = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// SimResult is what a simulation measured.
type SimResult struct {
	Plan     string `json:"plan"`
	Window   string `json:"window"`
	Timezone string `json:"timezone"`
	Weeks    int    `json:"weeks"`
	Demand   int    `json:"demand"`
	Seed     uint64 `json:"seed"`

	WeeklyLimit int `json:"weekly_limit"`
	DailyLimit  int `json:"daily_limit"`
	// MaxRolling7d is the most invitations in any 7 × 24 hours.
	MaxRolling7d int `json:"max_rolling_7d"`
	// MaxDay is the most invitations on one local day.
	MaxDay    int `json:"max_day"`
	SentTotal int `json:"sent_total"`
	Demanded  int `json:"demanded_total"`
	// Utilization is SentTotal ÷ (WeeklyLimit × Weeks): how much of what
	// the weekly limit allowed was used.
	Utilization         float64 `json:"utilization"`
	OutsideWorkingHours int     `json:"outside_working_hours"`
	// MinGapSeconds is the shortest time between two invitations.
	MinGapSeconds float64 `json:"min_gap_seconds"`
	// SentLate counts invitations sent after the week they were asked in.
	SentLate int `json:"sent_late"`
	// Backlog is what was asked for and not sent by the end.
	Backlog int `json:"backlog"`
	// Refusals counts slots the pacer gave that Reserve refused; the pacer
	// and the limits agree when it is 0.
	Refusals int `json:"refusals"`

	Days []SimDay `json:"days"`
}

// SimDay is one simulated local day.
type SimDay struct {
	Date    string `json:"date"`
	Weekday string `json:"weekday"`
	Working bool   `json:"working"`
	Sent    int    `json:"sent"`
}

// Check refuses bad input with an error that names the value: a plan,
// timezone, window or working hours that do not exist, limits above their
// ceiling, a number of weeks or a demand out of range.
func (sc SimConfig) Check() error {
	_, _, _, err := sc.resolve()
	return err
}

func (sc SimConfig) resolve() (SimConfig, config.Account, *settings, error) {
	if sc.Weeks < 1 || sc.Weeks > 520 {
		return sc, config.Account{}, nil, fmt.Errorf("quota: simulate %d weeks; use 1 to 520", sc.Weeks)
	}
	if sc.Demand < 0 {
		return sc, config.Account{}, nil, fmt.Errorf("quota: a demand of %d invitations per week; use 0 or more", sc.Demand)
	}
	switch sc.Window {
	case "":
		sc.Window = config.WindowRolling
	case config.WindowRolling, config.WindowAnchored:
	default:
		return sc, config.Account{}, nil, fmt.Errorf("quota: window %q is not known; use %s or %s", sc.Window, config.WindowRolling, config.WindowAnchored)
	}
	if sc.Timezone == "" {
		sc.Timezone = "UTC"
	}
	limits := sc.Limits
	limits.WeeklyWindow = sc.Window
	acct := config.Account{Name: simAccount, Plan: sc.Plan, Timezone: sc.Timezone, WorkingHours: sc.WorkingHours, Limits: limits}
	set, err := resolve(acct)
	return sc, acct, set, err
}

// simAccount names the simulated account.
const simAccount = "simulated"

// Simulate runs the real engine and pacer on a simulated clock against
// store, which must be migrated and hold no account named "simulated" that
// matters (a throwaway store). Bad input (plan, timezone, working hours,
// window, overrides above a ceiling) is refused before anything is written.
func Simulate(ctx context.Context, store *models.Store, sc SimConfig) (SimResult, error) {
	sc, acct, set, err := sc.resolve()
	if err != nil {
		return SimResult{}, err
	}
	cfg := &config.Config{Timezone: sc.Timezone, Accounts: []config.Account{acct}}
	if err := store.SyncConfig(ctx, cfg); err != nil {
		return SimResult{}, err
	}
	var id int64
	if err := store.DB.WithContext(ctx).Table("accounts").Where("name = ?", simAccount).Pluck("id", &id).Error; err != nil {
		return SimResult{}, fmt.Errorf("quota: find the simulated account: %w", err)
	}

	start := sc.Start
	if start.IsZero() {
		start = SimStart
	}
	y, m, d := start.Date()
	first := time.Date(y, m, d, 0, 0, 0, 0, set.loc)
	first = first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7)) // back to Monday
	weekStart := func(w int) time.Time { return first.AddDate(0, 0, 7*w) }
	end := weekStart(sc.Weeks)

	var mu sync.Mutex
	clock := first
	engine := New(store, cfg, Options{
		Now:  func() time.Time { mu.Lock(); defer mu.Unlock(); return clock },
		Rand: rand.New(rand.NewPCG(sc.Seed, 0x5eed)),
	})

	res := SimResult{Plan: sc.Plan, Window: sc.Window, Timezone: sc.Timezone, Weeks: sc.Weeks, Demand: sc.Demand, Seed: sc.Seed,
		WeeklyLimit: set.invitesPerWeek, DailyLimit: set.invitesPerDay}
	var (
		queue  []int // the week each waiting invitation was asked in
		sent   []time.Time
		asked  = 0
		t      = first
		weekOf = func(x time.Time) int {
			w := 0
			for w < sc.Weeks && !x.Before(weekStart(w+1)) {
				w++
			}
			return w
		}
	)
	for {
		for asked < sc.Weeks && !weekStart(asked).After(t) {
			for range sc.Demand {
				queue = append(queue, asked)
			}
			asked++
		}
		if len(queue) == 0 {
			if asked >= sc.Weeks {
				break
			}
			t = weekStart(asked)
			continue
		}
		slot, err := engine.NextSlot(ctx, id, KindInvite, t)
		if err != nil {
			return res, fmt.Errorf("quota: simulate: %w", err)
		}
		if !slot.Before(end) {
			break
		}
		if asked < sc.Weeks && !weekStart(asked).After(slot) {
			t = weekStart(asked) // take in the week's demand first
			continue
		}
		mu.Lock()
		clock = slot
		mu.Unlock()
		r, err := engine.Reserve(ctx, id, KindInvite)
		var le *LimitError
		if errors.As(err, &le) {
			res.Refusals++
			t = slot.Add(time.Second)
			if le.ResetAt.After(t) {
				t = le.ResetAt
			}
			continue
		}
		if err != nil {
			return res, fmt.Errorf("quota: simulate: %w", err)
		}
		if err := engine.Commit(ctx, r.ID); err != nil {
			return res, fmt.Errorf("quota: simulate: %w", err)
		}
		sent = append(sent, r.At)
		if weekOf(r.At) > queue[0] {
			res.SentLate++
		}
		queue = queue[1:]
		t = r.At
	}

	res.Demanded = sc.Demand * sc.Weeks
	res.SentTotal = len(sent)
	res.Backlog = len(queue)
	res.Utilization = float64(len(sent)) / float64(set.invitesPerWeek*sc.Weeks)
	perDay := map[string]int{}
	for i, s := range sent {
		perDay[s.In(set.loc).Format("2006-01-02")]++
		if !set.isWorking(s) {
			res.OutsideWorkingHours++
		}
		if i > 0 {
			gap := s.Sub(sent[i-1]).Seconds()
			if i == 1 || gap < res.MinGapSeconds {
				res.MinGapSeconds = gap
			}
		}
	}
	res.MaxRolling7d = maxInWindow(sent, Week)
	for day := first; day.Before(end); day = set.nextDay(day) {
		date := day.Format("2006-01-02")
		res.Days = append(res.Days, SimDay{Date: date, Weekday: day.Weekday().String()[:3], Working: set.workdays[day.Weekday()], Sent: perDay[date]})
		res.MaxDay = max(res.MaxDay, perDay[date])
	}
	return res, nil
}

// maxInWindow returns the most times that lie in any window (e−w, e].
func maxInWindow(times []time.Time, w time.Duration) int {
	sorted := slices.SortedFunc(slices.Values(times), func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi, t := range sorted {
		for !sorted[lo].After(t.Add(-w)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
