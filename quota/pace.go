package quota

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Pace selects how the pacer spreads actions.
type Pace string

const (
	// PaceNormal spreads actions over the working hours with random gaps of
	// at least MinGap. It is the default.
	PaceNormal Pace = "normal"
	// PaceFast is for demos and tests: working hours are ignored and
	// actions follow each other about a second apart. Every limit still
	// holds; only the spreading is gone.
	PaceFast Pace = "fast"
)

// ParsePace reads a --pace flag: "normal" (or empty) or "fast".
func ParsePace(s string) (Pace, error) {
	switch Pace(s) {
	case "", PaceNormal:
		return PaceNormal, nil
	case PaceFast:
		return PaceFast, nil
	}
	return "", fmt.Errorf("quota: pace %q is not known; use normal or fast", s)
}

// Pacing constants.
const (
	// DefaultMinGap is the shortest time between two actions of an account.
	DefaultMinGap = 90 * time.Second
	// FastGap is the gap between actions at PaceFast.
	FastGap = time.Second
	// slotJitter is the share of its sub-slot over which an action's time
	// is drawn: actions never sit at the very end of their sub-slot, so a
	// claim that comes a little late still falls in it.
	slotJitter = 0.9
	// minSpacing is the shortest gap between two actions of one kind, as a
	// share of the day's even spacing. After a pause the pacer catches up
	// at most 1/minSpacing times faster than the even pace: no spikes.
	minSpacing = 0.75
	// maxSteps bounds the pacer's search for a slot.
	maxSteps = 2000
)

// errNoSlot is returned when the pacer finds no slot (no working day at
// all, or the search went beyond its bound).
var errNoSlot = errors.New("quota: no slot found within the working hours; check the account's working days")

// planner turns a snapshot into the time of the next action.
type planner struct {
	pace   Pace
	minGap time.Duration
	salt   uint64
}

// pacingKinds are the kinds that share one kind's daily plan: a contact-info
// read is a profile view; a note rides on its invitation.
func pacingKinds(kind string) []string {
	switch kind {
	case KindView, KindReadEmail:
		return []string{KindView, KindReadEmail}
	case KindNote, KindInvite:
		return []string{KindInvite}
	}
	return []string{kind}
}

// next returns the earliest time at or after from when the next action of
// kind may run, or the refusal that no time frees.
func (p *planner) next(s *snapshot, kind string, from time.Time) (time.Time, error) {
	if le := s.staticRefusal(kind, from); le != nil {
		return time.Time{}, le
	}
	t := from
	if last := s.lastPageLoad(); !last.IsZero() {
		gap := p.minGap
		if p.pace != PaceFast {
			// Random gaps: between MinGap and 4/3 of it.
			gap += time.Duration(p.unit(uint64(s.acct.ID), uint64(last.UnixNano()), 0xa11) * float64(p.minGap) / 3)
		}
		if floor := last.Add(gap); t.Before(floor) {
			t = floor
		}
	}
	for range maxSteps {
		target := ceil(t, time.Microsecond)
		if p.pace != PaceFast {
			t = s.set.nextOpen(t)
			if t.IsZero() {
				return time.Time{}, errNoSlot
			}
			var ok bool
			if target, ok = p.slot(s, kind, t); !ok {
				t = s.set.nextDay(t)
				continue
			}
		}
		refusal := s.check(kind, target)
		if refusal == nil && kind == KindNote {
			refusal = s.check(KindInvite, target)
		}
		if refusal == nil {
			return target, nil
		}
		if refusal.ResetAt.IsZero() {
			return time.Time{}, refusal
		}
		t = refusal.ResetAt
		if !t.After(target) {
			t = target.Add(time.Second)
		}
	}
	return time.Time{}, errNoSlot
}

// slot places the next action of kind on the local day of t (t is inside
// the working hours). The day's open hours are cut into as many equal
// sub-slots as the day's budget; the k-th action of the day goes at a
// random point of the k-th sub-slot. After a pause the plan does not try to
// send the missed sub-slots: it goes on from the sub-slot of t, and two
// actions of a kind are at least 3/4 of a sub-slot apart. It reports false
// when the day has no room left.
func (p *planner) slot(s *snapshot, kind string, t time.Time) (time.Time, bool) {
	open, close, _ := s.set.hours(t)
	day := s.set.dayStart(t)
	budget := p.budget(s, kind, day)
	kinds := pacingKinds(kind)
	done := s.count(kinds, day, s.set.nextDay(t))
	if kinds[0] == KindInvite {
		// An attempt that sent nothing took its sub-slot; budget gave the
		// day one more for it.
		done += s.count([]string{KindUnsentInvite}, day, s.set.nextDay(t))
	}
	if budget <= 0 || done >= budget {
		return time.Time{}, false
	}
	span := close.Sub(open)
	nominal := span / time.Duration(budget)
	j := max(done, int(t.Sub(open)/nominal))
	if j >= budget {
		return time.Time{}, false
	}
	dayKey := uint64(day.Year()*10000 + int(day.Month())*100 + day.Day())
	u := p.unit(uint64(s.acct.ID), dayKey<<8|kindKey(kinds[0]), uint64(j)) * slotJitter
	target := open.Add(time.Duration((float64(j) + u) * float64(nominal)))
	if last := s.last(kinds); !last.Before(day) {
		if floor := last.Add(time.Duration(minSpacing * float64(nominal))); target.Before(floor) {
			target = floor
		}
	}
	if !target.After(t) {
		// The slot has come: it is granted now, however late the caller
		// woke up. Rounding it up would tell a caller that is always a few
		// milliseconds late "one second from now" for ever.
		return t, true
	}
	// To the microsecond both stores keep, rounded up, so that the entry
	// reserved at this time keeps every gap the plan computed.
	target = ceil(target, time.Microsecond)
	if !target.Before(close) {
		return time.Time{}, false
	}
	return target, true
}

// budget is how many actions of kind the plan sends on the local day that
// starts at day (those already sent included). For invitations it is what
// is left of the weekly limit spread over the working days ahead, capped by
// the daily limit (halved by the acceptance guard). Other kinds get their
// daily limit, within what the actions per day leave once the invitations
// have their share.
func (p *planner) budget(s *snapshot, kind string, day time.Time) int {
	set := s.set
	var b int
	switch kind {
	case KindInvite, KindNote:
		// An attempt that sent nothing does not use the day's invitations:
		// the day gets a sub-slot more for each, so that they still fit.
		b = p.inviteBudget(s, day) + s.count([]string{KindUnsentInvite}, day, set.nextDay(day))
	case KindView, KindReadEmail:
		b = min(p.viewsLeft(s, day), p.actionsLeft(s, kind, day))
	case KindWithdraw:
		b = min(set.withdrawalsPerDay, p.actionsLeft(s, kind, day))
	case KindMessage:
		b = min(set.messagesPerDay, p.actionsLeft(s, kind, day))
	case KindEventInvite:
		b = min(p.weeklySpread(s, []string{KindEventInvite}, set.eventInvitesPerWeek, false, day), p.actionsLeft(s, kind, day))
	default:
		b = p.actionsLeft(s, kind, day)
	}
	// Sub-slots shorter than the minimum gap cannot be kept.
	open, close, _ := set.hours(day)
	if p.minGap > 0 {
		b = min(b, int(close.Sub(open)/p.minGap))
	}
	return max(b, 0)
}

func (p *planner) inviteBudget(s *snapshot, day time.Time) int {
	set := s.set
	daily := set.invitesPerDay
	spread := p.weeklySpread(s, []string{KindInvite}, set.invitesPerWeek, set.anchored, day)
	if s.acct.Guard == GuardHalved {
		daily = halve(daily)
		spread = (spread + 1) / 2
	}
	others := s.count(otherKinds(KindInvite), day, set.nextDay(day))
	return min(daily, spread, set.actionsPerDay-others)
}

// actionsLeft is what the actions per day leave for kind on the day: the
// invitations' budget and the other kinds' actions come first.
func (p *planner) actionsLeft(s *snapshot, kind string, day time.Time) int {
	end := s.set.nextDay(day)
	invites := max(p.inviteBudget(s, day), s.count([]string{KindInvite}, day, end))
	var others int
	for _, k := range otherKinds(KindInvite) {
		if !slices.Contains(pacingKinds(kind), k) {
			others += s.count([]string{k}, day, end)
		}
	}
	return s.set.actionsPerDay - invites - others
}

// viewsLeft is what the profile views per day leave for views and
// contact-info reads on the day: every invitation, follow, like and
// message opens a profile too, and the invitations' budget comes first.
func (p *planner) viewsLeft(s *snapshot, day time.Time) int {
	end := s.set.nextDay(day)
	invites := max(p.inviteBudget(s, day), s.count([]string{KindInvite}, day, end))
	return s.set.viewsPerDay - invites - s.count([]string{KindUnsentInvite, KindFollow, KindLike, KindMessage}, day, end)
}

// weeklySpread spreads what is left of a weekly limit over the working days
// ahead. Rolling: for each working day d' of the next 7, the window that
// ends with d' holds the entries from before today that are still in it
// ("old"); the sends of today through d' must fit in what they leave. The
// even rate that fits every one of those windows is the smallest
// (limit − old) ÷ working days today..d'. In steady state it is the limit ÷
// working days; after a pause, never more: no catch-up spike.
func (p *planner) weeklySpread(s *snapshot, kinds []string, limit int, anchored bool, day time.Time) int {
	set := s.set
	if set.workingDays == 0 {
		return 0
	}
	if anchored {
		return p.anchoredSpread(s, kinds, limit, day)
	}
	best := math.Inf(1)
	n := 0
	d := day
	for range 7 {
		if set.workdays[d.In(set.loc).Weekday()] {
			n++
			end := set.nextDay(d)
			old := s.countAfter(kinds, end.Add(-Week), day.Add(-time.Nanosecond))
			best = math.Min(best, float64(limit-old)/float64(n))
		}
		d = set.nextDay(d)
	}
	if n == 0 || best <= 0 {
		return 0
	}
	return int(math.Ceil(best))
}

// anchoredSpread spreads what is left of the open anchored window over the
// working days until it resets (the day it resets counts for the share of
// its working hours before the reset). A day with no window open, or whose
// window resets that day, gets the even pace of a fresh window.
func (p *planner) anchoredSpread(s *snapshot, kinds []string, limit int, day time.Time) int {
	set := s.set
	fresh := int(math.Ceil(float64(limit) / float64(set.workingDays)))
	a := s.acct.InviteWindowStart
	if a == nil || a.After(day) {
		return fresh
	}
	end := a.Add(Week)
	if end.Before(set.nextDay(day)) {
		return fresh
	}
	used := s.count(kinds, *a, day)
	var n float64
	for d := day; d.Before(end); d = set.nextDay(d) {
		open, close, ok := set.hours(d)
		switch {
		case !ok:
		case !end.Before(close):
			n++
		case end.After(open):
			n += float64(end.Sub(open)) / float64(close.Sub(open))
		}
	}
	if n <= 0 {
		return fresh
	}
	return max(0, int(math.Ceil(float64(limit-used)/n)))
}

// ceil rounds t up to a multiple of d.
func ceil(t time.Time, d time.Duration) time.Time {
	if r := t.Truncate(d); !r.Equal(t) {
		return r.Add(d)
	}
	return t
}

// otherKinds lists the action kinds other than kind.
func otherKinds(kind string) []string {
	out := make([]string, 0, len(actionKinds))
	for _, k := range actionKinds {
		if k != kind {
			out = append(out, k)
		}
	}
	return out
}

// unit returns a number in [0, 1) drawn from the engine's seeded salt and
// the given keys. The pacer's jitter is a function of the account, the day
// and the slot rather than a fresh draw, so that asking again gives the
// same answer: the runner may ask NextSlot as often as it likes.
func (p *planner) unit(keys ...uint64) float64 {
	h := p.salt
	for _, k := range keys {
		h = splitmix(h ^ k)
	}
	return float64(h>>11) / float64(1<<53)
}

// splitmix is SplitMix64's finalizer: a good mix of 64 bits.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// kindKey numbers a kind for the jitter.
func kindKey(kind string) uint64 {
	for i, k := range Kinds {
		if k == kind {
			return uint64(i)
		}
	}
	return 0xff
}
