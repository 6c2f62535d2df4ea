package config

import (
	"fmt"
	"slices"
)

// Plans are the LinkedIn subscription plans Pacer knows the limits of.
var Plans = []string{"free", "premium", "sales_navigator", "recruiter"}

// Weekly window kinds: rolling counts the last 7 days; anchored resets 7 days
// after the first invitation of the window, as LinkedIn itself does.
const (
	WindowRolling  = "rolling"
	WindowAnchored = "anchored"
)

// Limits are an account's safety limits. In the configuration file every
// field is optional: an unset field takes the plan's default (DESIGN §5).
// Effective limits, as the quota engine uses them, have every field set.
type Limits struct {
	InvitesPerWeek      *int   `yaml:"invites_per_week,omitempty" json:"invites_per_week,omitempty"`
	InvitesPerDay       *int   `yaml:"invites_per_day,omitempty" json:"invites_per_day,omitempty"`
	NotesPerMonth       *int   `yaml:"notes_per_month,omitempty" json:"notes_per_month,omitempty"`
	NoteLength          *int   `yaml:"note_length,omitempty" json:"note_length,omitempty"`
	ProfileViewsPerDay  *int   `yaml:"profile_views_per_day,omitempty" json:"profile_views_per_day,omitempty"`
	ActionsPerDay       *int   `yaml:"actions_per_day,omitempty" json:"actions_per_day,omitempty"`
	EventInvitesPerWeek *int   `yaml:"event_invites_per_week,omitempty" json:"event_invites_per_week,omitempty"`
	MaxConnections      *int   `yaml:"max_connections,omitempty" json:"max_connections,omitempty"`
	PendingAlert        *int   `yaml:"pending_alert,omitempty" json:"pending_alert,omitempty"`
	PendingStop         *int   `yaml:"pending_stop,omitempty" json:"pending_stop,omitempty"`
	WithdrawalsPerDay   *int   `yaml:"withdrawals_per_day,omitempty" json:"withdrawals_per_day,omitempty"`
	MessagesPerDay      *int   `yaml:"messages_per_day,omitempty" json:"messages_per_day,omitempty"`
	WeeklyWindow        string `yaml:"weekly_window,omitempty" json:"weekly_window,omitempty"`
}

// Unlimited marks a limit that LinkedIn does not impose on a plan (paid plans
// have no monthly cap on personalized notes).
const Unlimited = -1

// limitRule describes one limit: its configuration key, what it counts (for
// messages), and its default and ceiling per plan. A ceiling of Unlimited
// means configuration may set any value.
type limitRule struct {
	key      string
	counts   string
	field    func(*Limits) **int
	defaults map[string]int
	ceilings map[string]int
}

func perPlan(free, premium, salesNavigator, recruiter int) map[string]int {
	return map[string]int{"free": free, "premium": premium, "sales_navigator": salesNavigator, "recruiter": recruiter}
}

func allPlans(n int) map[string]int { return perPlan(n, n, n, n) }

// limitRules is the table of DESIGN §5. Invitations per day has no fixed
// default: it derives from the weekly limit and the working days.
var limitRules = []limitRule{
	{"invites_per_week", "connection invitations per 7 days", func(l *Limits) **int { return &l.InvitesPerWeek }, perPlan(100, 150, 150, 150), allPlans(200)},
	{"invites_per_day", "connection invitations per day", func(l *Limits) **int { return &l.InvitesPerDay }, nil, allPlans(40)},
	{"notes_per_month", "personalized notes per calendar month", func(l *Limits) **int { return &l.NotesPerMonth }, perPlan(5, Unlimited, Unlimited, Unlimited), perPlan(5, Unlimited, Unlimited, Unlimited)},
	{"note_length", "characters in an invitation note", func(l *Limits) **int { return &l.NoteLength }, perPlan(200, 300, 300, 300), perPlan(200, 300, 300, 300)},
	{"profile_views_per_day", "profile views per day", func(l *Limits) **int { return &l.ProfileViewsPerDay }, perPlan(100, 100, 400, 400), perPlan(150, 150, 2000, 2000)},
	{"actions_per_day", "actions of all kinds per day", func(l *Limits) **int { return &l.ActionsPerDay }, allPlans(100), allPlans(150)},
	{"event_invites_per_week", "event invitations per 7 days", func(l *Limits) **int { return &l.EventInvitesPerWeek }, allPlans(200), allPlans(1000)},
	{"max_connections", "connections in total", func(l *Limits) **int { return &l.MaxConnections }, allPlans(30000), allPlans(30000)},
	{"pending_alert", "pending invitations before an alert", func(l *Limits) **int { return &l.PendingAlert }, allPlans(500), allPlans(700)},
	{"pending_stop", "pending invitations before inviting stops", func(l *Limits) **int { return &l.PendingStop }, allPlans(700), allPlans(700)},
	{"withdrawals_per_day", "stale invitations withdrawn per day", func(l *Limits) **int { return &l.WithdrawalsPerDay }, allPlans(20), allPlans(20)},
	// LinkedIn publishes no cap on messages to connections; bursts of them
	// are what its spam detection flags, so the default stays modest.
	{"messages_per_day", "follow-up messages per day", func(l *Limits) **int { return &l.MessagesPerDay }, allPlans(50), allPlans(100)},
}

// DefaultLimits returns the plan's default limits with every field set.
// workingDays is the number of working days in a week, used to derive the
// daily invitation limit (weekly ÷ working days, rounded up, capped at 40).
func DefaultLimits(plan string, workingDays int) Limits {
	var l Limits
	for _, r := range limitRules {
		if r.defaults == nil {
			continue
		}
		v := r.defaults[plan]
		*r.field(&l) = &v
	}
	l.WeeklyWindow = WindowRolling
	l.InvitesPerDay = new(dailyFromWeekly(*l.InvitesPerWeek, workingDays))
	return l
}

func dailyFromWeekly(weekly, workingDays int) int {
	if workingDays <= 0 {
		workingDays = 5
	}
	daily := (weekly + workingDays - 1) / workingDays
	return min(daily, limitRules[1].ceilings["free"])
}

// Effective merges overrides onto the plan's defaults. When the weekly limit
// is overridden and the daily one is not, the daily limit is derived again
// from the new weekly figure. It assumes the overrides passed validation.
func Effective(plan string, workingDays int, overrides Limits) Limits {
	l := DefaultLimits(plan, workingDays)
	for _, r := range limitRules {
		if v := *r.field(&overrides); v != nil {
			*r.field(&l) = new(*v)
		}
	}
	if overrides.InvitesPerWeek != nil && overrides.InvitesPerDay == nil {
		l.InvitesPerDay = new(dailyFromWeekly(*l.InvitesPerWeek, workingDays))
	}
	if overrides.WeeklyWindow != "" {
		l.WeeklyWindow = overrides.WeeklyWindow
	}
	return l
}

// validateLimits returns one problem per override that is negative or above
// its ceiling for the plan. where names the setting's place in the file.
func validateLimits(where, plan string, l Limits) []string {
	var problems []string
	for _, r := range limitRules {
		v := *r.field(&l)
		if v == nil {
			continue
		}
		ceiling, known := r.ceilings[plan]
		switch {
		case *v < 0:
			problems = append(problems, fmt.Sprintf("%s.%s is %d: a limit cannot be negative; set 0 to stop this kind of action, or remove the line to use the default", where, r.key, *v))
		case known && ceiling != Unlimited && *v > ceiling:
			problems = append(problems, fmt.Sprintf("%s.%s is %d, above the ceiling of %d %s for a %s account; set it to %d or less (the ceiling keeps the account from being restricted)", where, r.key, *v, ceiling, r.counts, plan, ceiling))
		}
	}
	if l.WeeklyWindow != "" && !slices.Contains([]string{WindowRolling, WindowAnchored}, l.WeeklyWindow) {
		problems = append(problems, fmt.Sprintf("%s.weekly_window is %q; use %q or %q", where, l.WeeklyWindow, WindowRolling, WindowAnchored))
	}
	if l.PendingAlert != nil && l.PendingStop != nil && *l.PendingAlert > *l.PendingStop {
		problems = append(problems, fmt.Sprintf("%s.pending_alert (%d) is above pending_stop (%d); the alert must come before inviting stops", where, *l.PendingAlert, *l.PendingStop))
	}
	return problems
}

// LimitProblems checks one account's limit overrides against the plan's
// ceilings, outside a whole-configuration Validate (the quota engine and
// `pacer quota simulate` use it). Each problem names the key and its value;
// where prefixes it (e.g. "accounts[0] (anna).limits").
func LimitProblems(where, plan string, l Limits) []string {
	return validateLimits(where, plan, l)
}
