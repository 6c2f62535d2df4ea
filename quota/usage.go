package quota

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// Usage is an account's quota at a moment: each limit's count against its
// maximum, the account's state and its network. `pacer quota show`, Slack's
// `/pacer quota` and the digests draw it.
type Usage struct {
	AccountID int64  `json:"account_id"`
	Account   string `json:"account"`
	Plan      string `json:"plan"`
	Timezone  string `json:"timezone"`
	// WorkingHours reads like "Mon–Fri 09:00–18:00".
	WorkingHours string `json:"working_hours"`
	// WeeklyWindow is config.WindowRolling or config.WindowAnchored.
	WeeklyWindow string `json:"weekly_window"`
	// At is the moment the usage describes.
	At time.Time `json:"at"`

	State           string     `json:"state"`
	StateReason     string     `json:"state_reason,omitempty"`
	PausedBy        string     `json:"paused_by,omitempty"`
	RestrictedUntil *time.Time `json:"restricted_until,omitempty"`
	// Guard is the acceptance-rate guard's level: "", "halved", "paused".
	Guard string `json:"guard,omitempty"`

	Limits []LimitUsage `json:"limits"`

	// Connections is LinkedIn's count as last read (ConnectionsReadAt, zero
	// when never), plus the acceptances recorded since.
	Connections       int       `json:"connections"`
	ConnectionsReadAt time.Time `json:"connections_read_at,omitzero"`
	MaxConnections    int       `json:"max_connections"`
	PendingInvites    int       `json:"pending_invites"`
	PendingAlert      int       `json:"pending_alert"`
	PendingStop       int       `json:"pending_stop"`
	// NotesLeft is what LinkedIn's last reading leaves this month, when
	// there is a reading for this month.
	NotesLeft *int `json:"notes_left,omitempty"`

	// NextInvite is when the pacer would send the next invitation; zero
	// when nothing frees the account, and then NextInviteBlocked says why.
	NextInvite        time.Time `json:"next_invite,omitzero"`
	NextInviteBlocked string    `json:"next_invite_blocked,omitempty"`
}

// LimitUsage is one limit's count.
type LimitUsage struct {
	// Limit names it (LimitInvitesPerWeek, …).
	Limit string `json:"limit"`
	Used  int    `json:"used"`
	// Max is the limit; config.Unlimited (-1) when the plan has none.
	Max int `json:"max"`
	// Window is WindowDay, WindowMonth, WindowRolling or WindowAnchored.
	Window string `json:"window"`
	// Since is the start of the window that counts now; zero for an
	// anchored window that no invitation has opened.
	Since time.Time `json:"since,omitzero"`
	// ResetAt is the next time the count drops (the next local midnight or
	// month, the moment the oldest entry leaves a rolling window, the end
	// of the anchored window); zero when nothing is counted, and when the
	// plan has no such limit (a count that limits nothing frees nothing).
	ResetAt time.Time `json:"reset_at,omitzero"`
}

// Left returns what remains of the limit, or -1 when it is unlimited.
func (l LimitUsage) Left() int {
	if l.Max < 0 {
		return -1
	}
	return max(0, l.Max-l.Used)
}

// Usage reports the account's quota at now.
func (e *Engine) Usage(ctx context.Context, accountID int64, now time.Time) (Usage, error) {
	snap, err := e.loadSnapshot(ctx, e.store.DB, accountID, now, false, true)
	if err != nil {
		return Usage{}, err
	}
	set, a := snap.set, snap.acct
	u := Usage{
		AccountID: a.ID, Account: a.Name, Plan: set.plan, Timezone: set.timezone,
		WorkingHours: set.describeHours(), WeeklyWindow: config.WindowRolling, At: now,
		State: a.State, StateReason: a.StateReason, PausedBy: a.PausedBy, RestrictedUntil: a.RestrictedUntil, Guard: a.Guard,
		Connections: a.Connections, MaxConnections: set.maxConnections, PendingInvites: a.PendingInvites,
		PendingAlert: set.pendingAlert, PendingStop: set.pendingStop,
	}
	if a.ConnectionsReadAt != nil {
		u.ConnectionsReadAt = *a.ConnectionsReadAt
	}
	if set.anchored {
		u.WeeklyWindow = config.WindowAnchored
	}
	if u.State == models.AccountRestricted && a.RestrictedUntil != nil && !now.Before(*a.RestrictedUntil) {
		u.State, u.StateReason, u.RestrictedUntil = models.AccountActive, "", nil
	}
	if left := snap.notesLeft(now); left >= 0 {
		u.NotesLeft = &left
	}
	counters := snap.counters()
	if set.notesPerMonth == config.Unlimited {
		counters = append(counters, counter{LimitNotesPerMonth, []string{KindNote}, WindowMonth, config.Unlimited})
	}
	for _, c := range counters {
		u.Limits = append(u.Limits, snap.limitUsage(c, now))
	}
	next, err := e.planner.next(snap, KindInvite, now)
	var le *LimitError
	switch {
	case errors.As(err, &le):
		u.NextInviteBlocked = le.Explain(set.loc)
	case err != nil:
		u.NextInviteBlocked = strings.TrimPrefix(err.Error(), "quota: ")
	default:
		u.NextInvite = next
	}
	return u, nil
}

// limitUsage counts one counter at now.
func (s *snapshot) limitUsage(c counter, now time.Time) LimitUsage {
	lu := LimitUsage{Limit: c.limit, Max: c.max, Window: c.window}
	switch c.window {
	case WindowDay:
		lu.Since, lu.ResetAt = s.set.dayStart(now), s.set.nextDay(now)
		lu.Used = s.count(c.kinds, lu.Since, lu.ResetAt)
	case WindowMonth:
		lu.Since, lu.ResetAt = s.set.monthStart(now), s.set.nextMonth(now)
		lu.Used = s.count(c.kinds, lu.Since, lu.ResetAt)
	case WindowAnchored:
		if a := s.acct.InviteWindowStart; a != nil && now.Before(a.Add(Week)) {
			lu.Since, lu.ResetAt = *a, a.Add(Week)
			lu.Used = s.count(c.kinds, lu.Since, lu.ResetAt)
		}
	default:
		lu.Since = now.Add(-Week)
		in := s.merged(c.kinds, lu.Since.Add(time.Nanosecond), now.Add(time.Nanosecond))
		lu.Used = len(in)
		if len(in) > 0 {
			lu.ResetAt = in[0].Add(Week)
		}
	}
	if c.max == config.Unlimited {
		lu.ResetAt = time.Time{}
	}
	return lu
}

// describeHours reads like "Mon–Fri 09:00–18:00".
func (s *settings) describeHours() string {
	var days []string
	for d := time.Monday; d <= time.Saturday+1; d++ {
		wd := d % 7
		if s.workdays[wd] {
			days = append(days, wd.String()[:3])
		}
	}
	list := strings.Join(days, ",")
	if s.workingDays == 5 && s.workdays[time.Monday] && s.workdays[time.Friday] && !s.workdays[time.Saturday] && !s.workdays[time.Sunday] {
		list = "Mon–Fri"
	}
	return fmt.Sprintf("%s %02d:%02d–%02d:%02d", list, s.open/60, s.open%60, s.close/60, s.close%60)
}
