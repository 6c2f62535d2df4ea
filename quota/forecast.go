package quota

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pacerhq/pacer/models"
)

// Forecast says when n more actions of a kind would be sent, behind the
// account's queue of scheduled ones.
type Forecast struct {
	Account string `json:"account"`
	Kind    string `json:"kind"`
	// Requested is n; Queued is how many scheduled actions of the kind go
	// first.
	Requested int `json:"requested"`
	Queued    int `json:"queued"`
	// Days holds the requested actions per local day, in order; days with
	// none are left out.
	Days []ForecastDay `json:"days"`
	// Unsent is how many of the requested would not be sent within the
	// forecast's horizon (ForecastHorizon), or at all when Blocked.
	Unsent int `json:"unsent"`
	// Blocked says why nothing will be sent until something changes (the
	// account is paused, needs a human, …); empty otherwise.
	Blocked string `json:"blocked,omitempty"`
	// At is the moment of the forecast.
	At time.Time `json:"at"`

	loc *time.Location
}

// ForecastDay counts the actions a forecast sends on one local day.
type ForecastDay struct {
	// Date is the local date, "2006-01-02".
	Date    string       `json:"date"`
	Weekday time.Weekday `json:"weekday"`
	Count   int          `json:"count"`
}

// ForecastHorizon is how far ahead Forecast and Capacity play the pacer.
const ForecastHorizon = 60 * 24 * time.Hour

// maxForecast bounds the actions one forecast places.
const maxForecast = 20000

// Forecast plays the real pacer forward from now on a copy of the
// account's ledger: first the scheduled actions of the kind already queued
// for the account (each no earlier than its scheduled time), then n more,
// each sent at the pacer's next slot. Every sent invitation is assumed to
// stay pending (acceptances cannot be foreseen).
func (e *Engine) Forecast(ctx context.Context, accountID int64, kind string, n int, now time.Time) (Forecast, error) {
	if err := CheckKind(kind); err != nil {
		return Forecast{}, err
	}
	if n < 0 {
		return Forecast{}, fmt.Errorf("quota: cannot forecast %d actions", n)
	}
	snap, queue, err := e.forecastInputs(ctx, accountID, kind, now)
	if err != nil {
		return Forecast{}, err
	}
	f := Forecast{Account: snap.acct.Name, Kind: kind, Requested: n, Queued: len(queue), At: now, loc: snap.set.loc}
	sent, blocked := e.play(snap, kind, queue, n, now, now.Add(ForecastHorizon))
	f.Blocked = blocked
	for _, t := range sent {
		date := t.In(snap.set.loc).Format("2006-01-02")
		if len(f.Days) == 0 || f.Days[len(f.Days)-1].Date != date {
			f.Days = append(f.Days, ForecastDay{Date: date, Weekday: t.In(snap.set.loc).Weekday()})
		}
		f.Days[len(f.Days)-1].Count++
	}
	f.Unsent = n - len(sent)
	return f, nil
}

// Capacity returns how many more actions of kind the account can send in
// its next workingDays working days (today counts as one while its working
// hours are not over), net of the actions already scheduled. The proposer
// sizes a batch with Capacity(…, 2, now).
func (e *Engine) Capacity(ctx context.Context, accountID int64, kind string, workingDays int, now time.Time) (int, error) {
	if err := CheckKind(kind); err != nil {
		return 0, err
	}
	if workingDays < 1 {
		return 0, fmt.Errorf("quota: capacity over %d working days; ask for 1 or more", workingDays)
	}
	snap, queue, err := e.forecastInputs(ctx, accountID, kind, now)
	if err != nil {
		return 0, err
	}
	sent, _ := e.play(snap, kind, queue, maxForecast, now, e.horizon(snap.set, workingDays, now))
	return len(sent), nil
}

// horizon is the close of the workingDays-th working day from now.
func (e *Engine) horizon(set *settings, workingDays int, now time.Time) time.Time {
	if e.opts.Pace == PaceFast {
		return now.Add(time.Duration(workingDays) * 24 * time.Hour)
	}
	t := now
	var end time.Time
	for i := 0; i < workingDays; i++ {
		t = set.nextOpen(t)
		if t.IsZero() {
			return now
		}
		_, end, _ = set.hours(t)
		t = set.nextDay(t)
	}
	return end
}

// forecastInputs reads the snapshot and the ready times of the scheduled
// actions of the kind (in flight ones without a reservation too: they have
// not been counted yet).
func (e *Engine) forecastInputs(ctx context.Context, accountID int64, kind string, now time.Time) (*snapshot, []time.Time, error) {
	db := e.store.DB.WithContext(ctx)
	snap, err := e.loadSnapshot(ctx, db, accountID, now, false, kind == KindNote)
	if err != nil {
		return nil, nil, err
	}
	actionKind := kind
	if kind == KindNote {
		actionKind = KindInvite
	}
	var queue []time.Time
	err = db.Model(&models.Action{}).
		Where("account_id = ? AND kind = ? AND (state = ? OR (state = ? AND reservation_id IS NULL))",
			accountID, actionKind, models.ActionScheduled, models.ActionInFlight).
		Order("scheduled_at").Limit(maxForecast).Pluck("scheduled_at", &queue).Error
	if err != nil {
		return nil, nil, fmt.Errorf("quota: read the queue of %s: %w", snap.acct.Name, err)
	}
	return snap, queue, nil
}

// play runs the pacer on the snapshot (which it changes) in the order the
// runner claims actions, by scheduled time: the queued actions due by now,
// then n more scheduled now, then the queued ones scheduled later, each no
// earlier than its scheduled time, until horizon. It returns the times of
// the n new ones that were placed, and why the account is blocked if it is.
func (e *Engine) play(snap *snapshot, kind string, queue []time.Time, n int, now, horizon time.Time) ([]time.Time, string) {
	slices.SortFunc(queue, func(a, b time.Time) int { return a.Compare(b) })
	due, _ := slices.BinarySearchFunc(queue, now.Add(time.Nanosecond), func(a, b time.Time) int { return a.Compare(b) })
	var sent []time.Time
	t := now
	for i := 0; i < n+len(queue); {
		ready, isNew := now, false
		switch {
		case i < due:
			ready = queue[i]
		case i < due+n:
			isNew = true
		default:
			ready = queue[i-n]
		}
		next, err := e.planner.next(snap, kind, t)
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				return sent, le.Explain(snap.set.loc)
			}
			return sent, strings.TrimPrefix(err.Error(), "quota: ")
		}
		if !next.Before(horizon) {
			break
		}
		if ready.After(next) {
			t = ready
			continue
		}
		snap.add(kind, next)
		if kind == KindNote {
			snap.add(KindInvite, next)
		}
		if kind == KindInvite || kind == KindNote {
			snap.acct.PendingInvites++
		}
		if isNew {
			sent = append(sent, next)
		}
		t = next
		i++
	}
	return sent, ""
}

// Summary reads like "sends Tue–Wed within quota", "sends today within
// quota", "sends Thu–Tue 17 Mar within quota; 40 wait longer" or "not
// sending: the account is paused by U123".
func (f Forecast) Summary() string {
	switch {
	case f.Requested == 0:
		return "nothing to send"
	case len(f.Days) == 0 && f.Blocked != "":
		return "not sending: " + f.Blocked
	case len(f.Days) == 0:
		return fmt.Sprintf("nothing sends within %d days", int(ForecastHorizon.Hours()/24))
	}
	loc := f.loc
	if loc == nil {
		loc = time.UTC
	}
	today := f.At.In(loc).Format("2006-01-02")
	first, last := f.Days[0], f.Days[len(f.Days)-1]
	var when string
	switch {
	case first.Date == last.Date && first.Date == today:
		when = "today"
	case first.Date == last.Date:
		when = dayLabel(first, f.At, loc)
	default:
		when = dayLabel(first, f.At, loc) + "–" + dayLabel(last, f.At, loc)
	}
	msg := "sends " + when + " within quota"
	if f.Unsent > 0 {
		msg += fmt.Sprintf("; %d wait longer", f.Unsent)
		if f.Blocked != "" {
			msg += " (" + f.Blocked + ")"
		}
	}
	return msg
}

// dayLabel names a day by its weekday when it is within the coming week,
// by weekday and date otherwise.
func dayLabel(d ForecastDay, now time.Time, loc *time.Location) string {
	date, err := time.ParseInLocation("2006-01-02", d.Date, loc)
	if err != nil {
		return d.Date
	}
	y, m, dd := now.In(loc).Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, loc)
	if date.Before(today.AddDate(0, 0, 7)) {
		return date.Format("Mon")
	}
	return date.Format("Mon 2 Jan")
}
