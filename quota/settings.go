package quota

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pacerhq/pacer/config"
)

// settings are an account's resolved limits and calendar: every limit set,
// the timezone loaded, the working hours parsed.
type settings struct {
	name     string
	plan     string
	timezone string
	loc      *time.Location
	// workdays[d] is true when weekday d is a working day.
	workdays    [7]bool
	workingDays int
	// open and close are the working hours, in minutes after local midnight.
	open, close int
	anchored    bool

	invitesPerWeek      int
	invitesPerDay       int
	notesPerMonth       int // config.Unlimited on paid plans
	noteLength          int
	viewsPerDay         int
	actionsPerDay       int
	eventInvitesPerWeek int
	maxConnections      int
	pendingAlert        int
	pendingStop         int
	withdrawalsPerDay   int
	messagesPerDay      int
}

// resolve checks an account's configuration the way config.Validate does
// and resolves its effective limits. Its errors name the value at fault and
// wrap ErrSettings.
func resolve(a config.Account) (*settings, error) {
	var problems []string
	where := "account " + a.Name
	if !slices.Contains(config.Plans, a.Plan) {
		problems = append(problems, fmt.Sprintf("plan is %q; use one of %s", a.Plan, strings.Join(config.Plans, ", ")))
	}
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil || a.Timezone == "" {
		problems = append(problems, fmt.Sprintf("timezone %q is not a known timezone; use an IANA name such as Europe/Berlin", a.Timezone))
	}
	s := &settings{name: a.Name, plan: a.Plan, timezone: a.Timezone, loc: loc}
	days := a.WorkingHours.Days
	if len(days) == 0 {
		days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	for _, d := range days {
		wd, ok := config.Weekday(d)
		if !ok {
			problems = append(problems, fmt.Sprintf("working day %q is not a day; use mon, tue, wed, thu, fri, sat, sun", d))
			continue
		}
		if !s.workdays[wd] {
			s.workdays[wd] = true
			s.workingDays++
		}
	}
	start, end := a.WorkingHours.Start, a.WorkingHours.End
	if start == "" {
		start = "09:00"
	}
	if end == "" {
		end = "18:00"
	}
	var okStart, okEnd bool
	if s.open, err = config.ParseClock(start); err != nil {
		problems = append(problems, fmt.Sprintf("working hours start %q is not a 24-hour time such as 09:00", start))
	} else {
		okStart = true
	}
	if s.close, err = config.ParseClock(end); err != nil {
		problems = append(problems, fmt.Sprintf("working hours end %q is not a 24-hour time such as 18:00", end))
	} else {
		okEnd = true
	}
	if okStart && okEnd && s.close <= s.open {
		problems = append(problems, fmt.Sprintf("working hours end at %s, not after they start at %s; set an end later than the start", end, start))
	}
	if slices.Contains(config.Plans, a.Plan) {
		problems = append(problems, config.LimitProblems("limits", a.Plan, a.Limits)...)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s: %s", ErrSettings, where, strings.Join(problems, "; "))
	}
	l := config.Effective(a.Plan, s.workingDays, a.Limits)
	s.anchored = l.WeeklyWindow == config.WindowAnchored
	s.invitesPerWeek = *l.InvitesPerWeek
	s.invitesPerDay = *l.InvitesPerDay
	s.notesPerMonth = *l.NotesPerMonth
	s.noteLength = *l.NoteLength
	s.viewsPerDay = *l.ProfileViewsPerDay
	s.actionsPerDay = *l.ActionsPerDay
	s.eventInvitesPerWeek = *l.EventInvitesPerWeek
	s.maxConnections = *l.MaxConnections
	s.pendingAlert = *l.PendingAlert
	s.pendingStop = *l.PendingStop
	s.withdrawalsPerDay = *l.WithdrawalsPerDay
	s.messagesPerDay = *l.MessagesPerDay
	return s, nil
}

// dayStart is local midnight of the day that holds t.
func (s *settings) dayStart(t time.Time) time.Time {
	y, m, d := t.In(s.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.loc)
}

// nextDay is local midnight of the day after the one that holds t. Days
// are 23 or 25 hours long across a DST change.
func (s *settings) nextDay(t time.Time) time.Time {
	y, m, d := t.In(s.loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, s.loc)
}

// monthStart and nextMonth bound the local calendar month that holds t.
func (s *settings) monthStart(t time.Time) time.Time {
	y, m, _ := t.In(s.loc).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, s.loc)
}

func (s *settings) nextMonth(t time.Time) time.Time {
	y, m, _ := t.In(s.loc).Date()
	return time.Date(y, m+1, 1, 0, 0, 0, 0, s.loc)
}

// month names the local calendar month that holds t ("2006-01"), as
// models.Account.NotesLeftMonth does.
func (s *settings) month(t time.Time) string { return t.In(s.loc).Format("2006-01") }

// hours returns the working hours of the local day that holds t: its open
// and close instants, and whether the day is a working day at all.
func (s *settings) hours(t time.Time) (open, close time.Time, working bool) {
	l := t.In(s.loc)
	y, m, d := l.Date()
	open = time.Date(y, m, d, s.open/60, s.open%60, 0, 0, s.loc)
	close = time.Date(y, m, d, s.close/60, s.close%60, 0, 0, s.loc)
	return open, close, s.workdays[l.Weekday()]
}

// isWorking reports whether t is inside the working hours.
func (s *settings) isWorking(t time.Time) bool {
	open, close, ok := s.hours(t)
	return ok && !t.Before(open) && t.Before(close)
}

// nextOpen returns t when it is inside the working hours, otherwise the
// next opening.
func (s *settings) nextOpen(t time.Time) time.Time {
	if s.workingDays == 0 {
		return time.Time{}
	}
	for range 8 {
		open, close, ok := s.hours(t)
		if ok && t.Before(close) {
			if t.Before(open) {
				return open
			}
			return t
		}
		t = s.nextDay(t)
	}
	return time.Time{}
}
