package quota

import (
	"fmt"
	"slices"
	"time"

	"github.com/pacerhq/pacer/models"
)

// accountRow is what the engine reads of a stored account.
type accountRow struct {
	ID                int64
	Name              string
	State             string
	StateReason       string
	RestrictedUntil   *time.Time
	PausedBy          string
	Guard             string
	NotesLeft         *int
	NotesLeftMonth    string
	NotesLeftAt       *time.Time
	Connections       int
	ConnectionsReadAt *time.Time
	PendingInvites    int
	// InviteWindowStart is the start of the anchored invitation window:
	// the time of its first invitation.
	InviteWindowStart *time.Time
	// LastActedAt is when the last action ended (its last page load).
	LastActedAt *time.Time
}

// snapshot is one account's quota as the limits see it: its state and the
// times of its counted (reserved or used) ledger entries since a little
// more than a week ago (notes: since the start of the month). Every limit
// check, the pacer and the forecast are pure functions of a snapshot, so
// the forecast can play the pacer forward on a copy.
type snapshot struct {
	set  *settings
	acct accountRow
	// times holds, per kind, the sorted times of the counted entries.
	times map[string][]time.Time
	// inFlight counts invitations reserved and not yet settled; they are
	// pending invitations LinkedIn does not count yet.
	inFlight int
}

func newSnapshot(set *settings, acct accountRow) *snapshot {
	return &snapshot{set: set, acct: acct, times: map[string][]time.Time{}}
}

// clone copies the snapshot for a forecast.
func (s *snapshot) clone() *snapshot {
	c := *s
	c.times = make(map[string][]time.Time, len(s.times))
	for k, v := range s.times {
		c.times[k] = slices.Clone(v)
	}
	return &c
}

// load records a counted entry read from the ledger.
func (s *snapshot) load(kind string, at time.Time) {
	s.times[kind] = append(s.times[kind], at)
}

// sort orders the loaded times; call it once after loading.
func (s *snapshot) sort() {
	for _, v := range s.times {
		slices.SortFunc(v, func(a, b time.Time) int { return a.Compare(b) })
	}
}

// add counts a new entry at t, as a reservation does: it keeps the times
// sorted and starts a new anchored window when the invitation is the first
// of one.
func (s *snapshot) add(kind string, at time.Time) {
	v := s.times[kind]
	i, _ := slices.BinarySearchFunc(v, at, func(a, b time.Time) int { return a.Compare(b) })
	s.times[kind] = slices.Insert(v, i, at)
	if kind == KindInvite {
		s.acct.InviteWindowStart = nextAnchor(s.acct.InviteWindowStart, at)
	}
}

// nextAnchor returns the anchored window's start after an invitation at
// t: t itself when no window is open (the invitation is the first of a new
// window). A t before the anchor (the clock went back) moves the anchor
// back to it, which ends the window no later than LinkedIn's would.
func nextAnchor(anchor *time.Time, t time.Time) *time.Time {
	if anchor == nil || !t.Before(anchor.Add(Week)) || t.Before(*anchor) {
		return &t
	}
	return anchor
}

// count returns how many entries of the kinds lie in [from, to).
func (s *snapshot) count(kinds []string, from, to time.Time) int {
	n := 0
	for _, k := range kinds {
		v := s.times[k]
		lo, _ := slices.BinarySearchFunc(v, from, func(a, b time.Time) int { return a.Compare(b) })
		hi, _ := slices.BinarySearchFunc(v, to, func(a, b time.Time) int { return a.Compare(b) })
		n += hi - lo
	}
	return n
}

// countAfter returns how many entries lie in (from, to], the rolling
// window's shape.
func (s *snapshot) countAfter(kinds []string, from, to time.Time) int {
	return s.count(kinds, from.Add(time.Nanosecond), to.Add(time.Nanosecond))
}

// merged returns the times of the kinds in [from, to), sorted.
func (s *snapshot) merged(kinds []string, from, to time.Time) []time.Time {
	var out []time.Time
	for _, k := range kinds {
		for _, t := range s.times[k] {
			if !t.Before(from) && t.Before(to) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// last returns the latest entry of the kinds, or the zero time.
func (s *snapshot) last(kinds []string) time.Time {
	var l time.Time
	for _, k := range kinds {
		if v := s.times[k]; len(v) > 0 && v[len(v)-1].After(l) {
			l = v[len(v)-1]
		}
	}
	return l
}

// lastPageLoad is when the account last loaded a page: the later of its
// latest counted entry (a page load reserved then) and the end of its last
// action, whose own page loads may have come well after its reservation.
func (s *snapshot) lastPageLoad() time.Time {
	last := s.last(actionKinds)
	if a := s.acct.LastActedAt; a != nil && a.After(last) {
		last = *a
	}
	return last
}

// rollingCount is the largest number of entries of any rolling window that
// holds t: windows (e−Week, e] for e in [t, t+Week). Without entries after
// t (the usual case) it is simply the count of (t−Week, t]; entries after t
// (a clock that went back) make every window they share with t count.
func (s *snapshot) rollingCount(kinds []string, t time.Time) int {
	best := s.countAfter(kinds, t.Add(-Week), t)
	for _, e := range s.merged(kinds, t.Add(time.Nanosecond), t.Add(Week)) {
		best = max(best, s.countAfter(kinds, e.Add(-Week), e))
	}
	return best
}

// rollingReset is the first time after t at which one more entry fits in
// every rolling window that holds it.
func (s *snapshot) rollingReset(kinds []string, t time.Time, limit int) time.Time {
	inWindow := s.merged(kinds, t.Add(-Week+time.Nanosecond), t.Add(time.Nanosecond))
	if s.count(kinds, t.Add(time.Nanosecond), t.Add(Week)) == 0 {
		c := len(inWindow)
		if limit <= 0 || c < limit {
			return t
		}
		return inWindow[c-limit].Add(Week)
	}
	// Entries after t: try each moment an entry leaves a window.
	for _, x := range s.merged(kinds, t.Add(-Week), t.Add(2*Week)) {
		if c := x.Add(Week); c.After(t) && s.rollingCount(kinds, c)+1 <= limit {
			return c
		}
	}
	return s.last(kinds).Add(Week)
}

// anchoredWindow returns the anchored window that holds t: its start and
// end. When no window is open at t, an invitation at t opens one.
func (s *snapshot) anchoredWindow(t time.Time) (start, end time.Time) {
	a := s.acct.InviteWindowStart
	if a == nil || !t.Before(a.Add(Week)) {
		return t, t.Add(Week)
	}
	// A t before the anchor (the clock went back) counts from t: stricter.
	start = *a
	if t.Before(start) {
		start = t
	}
	return start, a.Add(Week)
}

// counters returns the account's counters with the acceptance guard
// applied: "halved" halves the invitations per day.
func (s *snapshot) counters() []counter {
	cs := s.set.counters()
	if s.acct.Guard == GuardHalved {
		for i := range cs {
			if cs[i].limit == LimitInvitesPerDay {
				cs[i].max = halve(cs[i].max)
			}
		}
	}
	return cs
}

// halve halves a daily rate, keeping at least 1 when there was any.
func halve(n int) int {
	if n <= 0 {
		return n
	}
	return max(1, n/2)
}

// used returns a counter's count for an entry at t and when it next drops.
func (s *snapshot) used(c counter, t time.Time) (used int, resetAt time.Time) {
	switch c.window {
	case WindowDay:
		return s.count(c.kinds, s.set.dayStart(t), s.set.nextDay(t)), s.set.nextDay(t)
	case WindowMonth:
		return s.count(c.kinds, s.set.monthStart(t), s.set.nextMonth(t)), s.set.nextMonth(t)
	case WindowAnchored:
		start, end := s.anchoredWindow(t)
		return s.count(c.kinds, start, end), end
	default: // rolling
		return s.rollingCount(c.kinds, t), s.rollingReset(c.kinds, t, c.max)
	}
}

// check returns the refusal an entry of kind at t would meet, or nil.
// When several limits refuse, the one that frees up last is returned.
func (s *snapshot) check(kind string, t time.Time) *LimitError {
	if le := s.checkState(kind, t); le != nil {
		return le
	}
	var refusal *LimitError
	if kind == KindInvite {
		refusal = s.checkInviteGates()
	}
	for _, c := range s.counters() {
		if !c.counts(kind) {
			continue
		}
		if c.max == 0 {
			refusal = later(refusal, zeroLimit(c))
			continue
		}
		used, resetAt := s.used(c, t)
		if used+1 > c.max {
			refusal = later(refusal, &LimitError{Limit: c.limit, Used: used, Max: c.max, ResetAt: resetAt})
		}
	}
	if kind == KindNote {
		refusal = later(refusal, s.checkNotesLeft(t))
	}
	if refusal != nil {
		refusal.Account, refusal.AccountID, refusal.Kind = s.acct.Name, s.acct.ID, kind
	}
	return refusal
}

// zeroLimit is the refusal of a limit configured to 0: no time frees it.
func zeroLimit(c counter) *LimitError {
	return &LimitError{Limit: c.limit, Reason: "the configuration sets it to 0"}
}

// staticRefusal returns the refusal that no time frees, if any: the
// account's state (paused, needs_human), the invitation gates, a limit set
// to 0. The pacer answers with it at once rather than look for a slot day
// after day.
func (s *snapshot) staticRefusal(kind string, t time.Time) *LimitError {
	if le := s.checkState(kind, t); le != nil && le.ResetAt.IsZero() {
		return le
	}
	if kind == KindInvite || kind == KindNote {
		if le := s.checkInviteGates(); le != nil {
			le.Account, le.AccountID, le.Kind = s.acct.Name, s.acct.ID, kind
			return le
		}
	}
	for _, c := range s.counters() {
		if c.max == 0 && (c.counts(kind) || (kind == KindNote && c.counts(KindInvite))) {
			le := zeroLimit(c)
			le.Account, le.AccountID, le.Kind = s.acct.Name, s.acct.ID, kind
			return le
		}
	}
	return nil
}

// checkState refuses every kind while the account is paused, restricted or
// needs a human. A restriction ends by itself at RestrictedUntil.
func (s *snapshot) checkState(kind string, t time.Time) *LimitError {
	le := &LimitError{Limit: LimitAccountState, Account: s.acct.Name, AccountID: s.acct.ID, Kind: kind}
	switch s.acct.State {
	case models.AccountActive, "":
		return nil
	case models.AccountRestricted:
		if s.acct.RestrictedUntil != nil && !t.Before(*s.acct.RestrictedUntil) {
			return nil
		}
		le.Reason = "restricted by LinkedIn"
		if s.acct.RestrictedUntil != nil {
			le.ResetAt = *s.acct.RestrictedUntil
		} else {
			le.Reason += " with no end given; a person must resume it"
		}
	case models.AccountPaused:
		le.Reason = "paused"
		if s.acct.PausedBy != "" {
			le.Reason += " by " + s.acct.PausedBy
		}
	case models.AccountNeedsHuman:
		le.Reason = "needs a human (security checkpoint or login challenge); only a person clears it"
	default:
		le.Reason = fmt.Sprintf("in the unknown state %q", s.acct.State)
	}
	if s.acct.StateReason != "" {
		le.Reason += ": " + s.acct.StateReason
	}
	return le
}

// checkInviteGates refuses invitations that no time frees: the acceptance
// guard's pause, the connection ceiling and the pending-invitation stop.
func (s *snapshot) checkInviteGates() *LimitError {
	if s.acct.Guard == GuardPaused {
		return &LimitError{Limit: LimitAcceptanceGuard, Reason: "inviting is paused: fewer than 10% of the last decided invitations were accepted"}
	}
	// Every pending invitation may still become a connection: count them,
	// so that accepting all of them never passes the ceiling.
	network := s.acct.Connections + s.acct.PendingInvites + s.inFlight
	if network >= s.set.maxConnections {
		return &LimitError{Limit: LimitMaxConnections, Used: network, Max: s.set.maxConnections,
			Reason: "connections and pending invitations together reach the ceiling"}
	}
	pending := s.acct.PendingInvites + s.inFlight
	if pending >= s.set.pendingStop {
		return &LimitError{Limit: LimitPendingStop, Used: pending, Max: s.set.pendingStop,
			Reason: "too many invitations are pending; withdraw old ones"}
	}
	return nil
}

// checkNotesLeft caps notes by what LinkedIn last said was left this month,
// minus the notes counted since it said so. When the time of the reading is
// unknown, every note of the month is assumed to come after it.
func (s *snapshot) checkNotesLeft(t time.Time) *LimitError {
	left := s.notesLeft(t)
	if left < 0 || left >= 1 {
		return nil
	}
	return &LimitError{Limit: LimitNotesLeft, Used: *s.acct.NotesLeft - left, Max: *s.acct.NotesLeft,
		ResetAt: s.set.nextMonth(t), Reason: "LinkedIn says no personalized notes are left this month"}
}

// notesLeft returns how many notes LinkedIn's last reading leaves at t, or
// -1 when there is no reading for t's month.
func (s *snapshot) notesLeft(t time.Time) int {
	if s.acct.NotesLeft == nil || s.acct.NotesLeftMonth != s.set.month(t) {
		return -1
	}
	since := s.set.monthStart(t)
	if s.acct.NotesLeftAt != nil && s.acct.NotesLeftAt.After(since) {
		since = *s.acct.NotesLeftAt
	}
	return max(0, *s.acct.NotesLeft-s.count([]string{KindNote}, since, s.set.nextMonth(t)))
}
