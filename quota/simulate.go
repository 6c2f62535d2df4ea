package quota

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

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
	// Faults make the simulated runner meet what the real one meets; the
	// zero value is a perfect world.
	Faults SimFaults
}

// SimFaults make a simulation run as the runner meets LinkedIn: it wakes
// up late for its slots, some attempts open a profile and send nothing,
// some fail and are retried, some click Send and never see it confirmed.
type SimFaults struct {
	// Latency is the longest a runner wakes up after its slot (each wake-up
	// is late by a random time up to it).
	Latency time.Duration `json:"latency,omitempty"`
	// Skip is the share of attempts that open the profile and find nothing
	// to send (already connected, pending, an email asked for).
	Skip float64 `json:"skip,omitempty"`
	// Fail is the share of attempts that fail before Send, retried.
	Fail float64 `json:"fail,omitempty"`
	// FailAfterSend is the share of attempts that click Send and see no
	// confirmation: in doubt, retried (the retry reads the profile first);
	// half of them had gone.
	FailAfterSend float64 `json:"fail_after_send,omitempty"`
	// ActionTime is how long an attempt takes from its first page load to
	// its last; default 0 (instant) without faults, 20 s with.
	ActionTime time.Duration `json:"action_time,omitempty"`
	// Backoff is the wait before a retry, doubling with each (default a
	// minute); Attempts is how many an invitation gets (default 3).
	Backoff  time.Duration `json:"backoff,omitempty"`
	Attempts int           `json:"attempts,omitempty"`
}

// any reports whether a fault is set.
func (f SimFaults) any() bool { return f != (SimFaults{}) }

// SimStart is the default first day of a simulation: Monday 2 March 2026.
var SimStart = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// SimResult is what a simulation measured.
type SimResult struct {
	Plan     string    `json:"plan"`
	Window   string    `json:"window"`
	Timezone string    `json:"timezone"`
	Weeks    int       `json:"weeks"`
	Demand   int       `json:"demand"`
	Seed     uint64    `json:"seed"`
	Faults   SimFaults `json:"faults,omitzero"`

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
	// MinGapSeconds is the shortest time between two page loads: from the
	// end of one attempt to the start of the next, whatever they did.
	MinGapSeconds float64 `json:"min_gap_seconds"`
	// PageLoads is how many attempts opened a profile; ViewsCounted how
	// many profile views the ledger counts. They are equal when every page
	// load is counted.
	PageLoads    int `json:"page_loads"`
	ViewsCounted int `json:"views_counted"`
	// Skipped, Retried and Failed count the attempts that found nothing to
	// send, the retries, and the invitations that failed for good.
	Skipped int `json:"skipped"`
	Retried int `json:"retried"`
	Failed  int `json:"failed"`
	// DaysOverLimit counts the local days on which the ledger holds more
	// invitations, profile views or actions than their daily limit, every
	// attempt and retry counted.
	DaysOverLimit int `json:"days_over_limit"`
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
	if f := sc.Faults; f.Skip < 0 || f.Fail < 0 || f.FailAfterSend < 0 || f.Skip+f.Fail+f.FailAfterSend > 1 || f.Latency < 0 {
		return sc, config.Account{}, nil, fmt.Errorf("quota: faults skip %.2f, fail %.2f, fail after send %.2f, latency %s; use shares from 0 to 1 that add up to at most 1, and a latency of 0 or more",
			f.Skip, f.Fail, f.FailAfterSend, f.Latency)
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
	sim := newSimulation(store, cfg, sc, set, id)
	if err := sim.run(ctx); err != nil {
		return sim.res, fmt.Errorf("quota: simulate: %w", err)
	}
	if err := sim.measure(ctx); err != nil {
		return sim.res, fmt.Errorf("quota: simulate: %w", err)
	}
	return sim.res, nil
}

// simulation is one run of Simulate: the simulated runner's time, its
// queue of approved invitations, and what it measured.
type simulation struct {
	store  *models.Store
	engine *Engine
	id     int64
	set    *settings
	weeks  int
	demand int
	faults SimFaults
	rng    *rand.Rand
	// first is the Monday the simulation starts on; end is the Monday
	// after its last week.
	first, end time.Time

	mu    sync.Mutex // guards clock, which the engine reads as its Now
	clock time.Time

	// t is the runner's time; asked counts the weeks whose demand is in
	// the queue.
	t     time.Time
	asked int
	queue []simInvitation
	sent  []time.Time
	loads []simLoad
	res   SimResult
}

// simLoad is one attempt's time on LinkedIn, from its first page load to
// its last.
type simLoad struct{ start, end time.Time }

func newSimulation(store *models.Store, cfg *config.Config, sc SimConfig, set *settings, id int64) *simulation {
	start := sc.Start
	if start.IsZero() {
		start = SimStart
	}
	y, m, d := start.Date()
	first := time.Date(y, m, d, 0, 0, 0, 0, set.loc)
	first = first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7)) // back to Monday
	s := &simulation{store: store, id: id, set: set, weeks: sc.Weeks, demand: sc.Demand,
		faults: sc.Faults.withDefaults(), rng: rand.New(rand.NewPCG(sc.Seed, 0xfa17)),
		first: first, clock: first, t: first}
	s.end = s.weekStart(sc.Weeks)
	s.engine = New(store, cfg, Options{
		Now:  func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.clock },
		Rand: rand.New(rand.NewPCG(sc.Seed, 0x5eed)),
	})
	s.res = SimResult{Plan: sc.Plan, Window: sc.Window, Timezone: sc.Timezone, Weeks: sc.Weeks, Demand: sc.Demand, Seed: sc.Seed,
		Faults: sc.Faults, WeeklyLimit: set.invitesPerWeek, DailyLimit: set.invitesPerDay}
	return s
}

// withDefaults fills in the attempt's length, the backoff and the number
// of attempts a simulation with these faults runs with.
func (f SimFaults) withDefaults() SimFaults {
	if f.any() && f.ActionTime == 0 {
		f.ActionTime = 20 * time.Second
	}
	if f.Backoff <= 0 {
		f.Backoff = time.Minute
	}
	if f.Attempts <= 0 {
		f.Attempts = 3
	}
	return f
}

// weekStart returns the Monday that starts week w of the simulation.
func (s *simulation) weekStart(w int) time.Time { return s.first.AddDate(0, 0, 7*w) }

// weekOf returns the week of the simulation x lies in.
func (s *simulation) weekOf(x time.Time) int {
	w := 0
	for w < s.weeks && !x.Before(s.weekStart(w+1)) {
		w++
	}
	return w
}

// run plays the runner until the queue is empty after the last week's
// demand, or the pacer's next slot lies past the end.
func (s *simulation) run(ctx context.Context) error {
	for {
		s.askDemand()
		if len(s.queue) == 0 {
			if s.asked >= s.weeks {
				return nil
			}
			s.t = s.weekStart(s.asked)
			continue
		}
		i := s.firstDue()
		if s.queue[i].due.After(s.t) {
			s.t = s.queue[i].due
		}
		slot, err := s.engine.NextSlot(ctx, s.id, KindInvite, s.t)
		if err != nil {
			return err
		}
		if !slot.Before(s.end) {
			return nil
		}
		if s.asked < s.weeks && !s.weekStart(s.asked).After(slot) {
			s.t = s.weekStart(s.asked) // take in the week's demand first
			continue
		}
		if err := s.attempt(ctx, i, slot); err != nil {
			return err
		}
	}
}

// askDemand queues the demand of every week that has begun by the
// runner's time.
func (s *simulation) askDemand() {
	for s.asked < s.weeks && !s.weekStart(s.asked).After(s.t) {
		for range s.demand {
			s.queue = append(s.queue, simInvitation{week: s.asked, due: s.weekStart(s.asked)})
		}
		s.asked++
	}
}

// firstDue returns the queued invitation the runner takes next: the one
// due first (a retry waits for its backoff).
func (s *simulation) firstDue() int {
	i := 0
	for k := range s.queue {
		if s.queue[k].due.Before(s.queue[i].due) {
			i = k
		}
	}
	return i
}

// attempt reserves and makes one attempt of the i-th queued invitation at
// its slot, as the runner does.
func (s *simulation) attempt(ctx context.Context, i int, slot time.Time) error {
	// The runner wakes up a little after its slot, as any process.
	wake := slot
	if s.faults.Latency > 0 {
		wake = wake.Add(time.Duration(s.rng.Int64N(int64(s.faults.Latency) + 1)))
	}
	s.mu.Lock()
	s.clock = wake
	s.mu.Unlock()
	r, err := s.engine.Reserve(ctx, s.id, KindInvite)
	var le *LimitError
	if errors.As(err, &le) {
		s.res.Refusals++
		s.t = slot.Add(time.Second)
		if le.ResetAt.After(s.t) {
			s.t = le.ResetAt
		}
		return nil
	}
	if err != nil {
		return err
	}
	it := s.queue[i]
	it.attempts++
	s.res.PageLoads++
	done := wake.Add(s.faults.ActionTime)
	s.loads = append(s.loads, simLoad{wake, done})
	outcome, err := simAttempt(ctx, s.engine, s.rng, s.faults, r.ID, &it)
	if err != nil {
		return err
	}
	s.settle(i, it, outcome, wake, done)
	if err := s.engine.ActedTx(ctx, s.store.DB.WithContext(ctx), s.id, done); err != nil {
		return err
	}
	s.t = done
	return nil
}

// settle counts an attempt's outcome, and takes the invitation out of the
// queue or, for a retry, puts it back due after its backoff.
func (s *simulation) settle(i int, it simInvitation, outcome string, wake, done time.Time) {
	switch outcome {
	case simSent:
		s.sent = append(s.sent, wake)
		if s.weekOf(wake) > it.week {
			s.res.SentLate++
		}
	case simSentBefore:
	case simSkipped:
		s.res.Skipped++
	case simRetry:
		if it.sentBefore {
			s.sent = append(s.sent, wake) // it went, unconfirmed
		}
		if it.attempts < s.faults.Attempts {
			s.res.Retried++
			it.due = done.Add(s.faults.Backoff << (it.attempts - 1))
			s.queue[i] = it
			return
		}
		s.res.Failed++
	}
	s.queue = slices.Delete(s.queue, i, i+1)
}

// measure fills in the result from what the run sent and the ledger it
// left.
func (s *simulation) measure(ctx context.Context) error {
	res, set := &s.res, s.set
	res.Demanded = s.demand * s.weeks
	res.SentTotal = len(s.sent)
	res.Backlog = len(s.queue)
	res.Utilization = float64(len(s.sent)) / float64(set.invitesPerWeek*s.weeks)
	slices.SortFunc(s.sent, func(a, b time.Time) int { return a.Compare(b) })
	perDay := map[string]int{}
	for _, t := range s.sent {
		perDay[t.In(set.loc).Format("2006-01-02")]++
		if !set.isWorking(t) {
			res.OutsideWorkingHours++
		}
	}
	res.MinGapSeconds = minGapSeconds(s.loads)
	if err := simLedger(ctx, s.store, s.id, set, res); err != nil {
		return err
	}
	res.MaxRolling7d = maxInWindow(s.sent, Week)
	for day := s.first; day.Before(s.end); day = set.nextDay(day) {
		date := day.Format("2006-01-02")
		res.Days = append(res.Days, SimDay{Date: date, Weekday: day.Weekday().String()[:3], Working: set.workdays[day.Weekday()], Sent: perDay[date]})
		res.MaxDay = max(res.MaxDay, perDay[date])
	}
	return nil
}

// minGapSeconds returns the shortest time between the end of one attempt
// and the start of the next (0 with fewer than two).
func minGapSeconds(loads []simLoad) float64 {
	var least float64
	for i := 1; i < len(loads); i++ {
		gap := loads[i].start.Sub(loads[i-1].end).Seconds()
		if i == 1 || gap < least {
			least = gap
		}
	}
	return least
}

// Outcomes of a simulated attempt.
const (
	simSent       = "sent"
	simSentBefore = "sent before"
	simSkipped    = "skipped"
	simRetry      = "retry"
	simFailed     = "failed"
)

// simInvitation is one approved invitation waiting for an attempt.
type simInvitation struct {
	week     int
	due      time.Time
	attempts int
	// doubt is set when an earlier attempt clicked Send and saw no
	// confirmation (earlier holds its entries); sentBefore when it had
	// gone all the same.
	doubt, sentBefore bool
	earlier           []int64
}

// simAttempt settles one attempt's reservation as the runner does, with
// the faults' odds. An attempt in doubt reads the profile first: sent
// before, it counts as the page load it was; not sent, the earlier
// attempts' invitations count as theirs, and it goes on.
func simAttempt(ctx context.Context, e *Engine, rng *rand.Rand, f SimFaults, res int64, it *simInvitation) (string, error) {
	err := e.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if it.doubt && it.sentBefore {
			return e.PageLoadTx(ctx, tx, res)
		}
		if it.doubt {
			for _, id := range it.earlier {
				if err := e.NotSentTx(ctx, tx, id); err != nil {
					return err
				}
			}
			it.doubt, it.earlier = false, nil
		}
		return nil
	})
	if err != nil || it.sentBefore {
		return simSentBefore, err
	}
	x := rng.Float64()
	switch {
	case x < f.Skip:
		return simSkipped, e.PageLoad(ctx, res)
	case x < f.Skip+f.Fail:
		return simRetry, e.PageLoad(ctx, res)
	case x < f.Skip+f.Fail+f.FailAfterSend:
		it.doubt, it.sentBefore, it.earlier = true, rng.IntN(2) == 0, []int64{res}
		return simRetry, e.Commit(ctx, res)
	}
	return simSent, e.Commit(ctx, res)
}

// simLedger checks the simulation's ledger as stored: the local days over
// a daily limit, and the profile views counted.
func simLedger(ctx context.Context, store *models.Store, id int64, set *settings, res *SimResult) error {
	var rows []ledgerRow
	if err := store.DB.WithContext(ctx).Model(&models.QuotaEntry{}).Select("kind, at, state, expires_at").
		Where("account_id = ? AND state <> ?", id, models.QuotaReleased).Find(&rows).Error; err != nil {
		return err
	}
	type day struct{ invites, views, actions int }
	days := map[string]*day{}
	for _, r := range rows {
		k := r.At.In(set.loc).Format("2006-01-02")
		if days[k] == nil {
			days[k] = &day{}
		}
		d := days[k]
		if r.Kind == KindInvite {
			d.invites++
		}
		if slices.Contains(profileKinds, r.Kind) {
			d.views++
			res.ViewsCounted++
		}
		if slices.Contains(actionKinds, r.Kind) {
			d.actions++
		}
	}
	for _, d := range days {
		if d.invites > set.invitesPerDay || d.views > set.viewsPerDay || d.actions > set.actionsPerDay {
			res.DaysOverLimit++
		}
	}
	return nil
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
