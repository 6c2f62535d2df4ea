package linkedin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/cdp"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/pacertype"
)

// Every wait of every action polls the page script until what it waits for
// shows, and ends at once on what LinkedIn uses to stop an account.

// wait polls a profile page until cond holds, the settle timeout passes
// (it then returns the last report and ok false) or ctx ends. Whatever it
// waits for, a notice that ends the action (see stop) ends the wait at once
// with its outcome's error: LinkedIn stopping the account is never waited
// out.
func (s *Site) wait(ctx context.Context, p *rod.Page, op, target string, cond func(report) bool) (report, bool, error) {
	return poll(ctx, s, p, op, target, "probe", cond)
}

// waitPage is wait for one of the list pages, read by the page script's
// op kind.
func (s *Site) waitPage(ctx context.Context, p *rod.Page, op, target, kind string, cond func(pageReport) bool) (pageReport, bool, error) {
	return poll(ctx, s, p, op, target, kind, cond)
}

// noticed is a page reading that carries the notices ending any action.
type noticed interface{ noticesOf() notices }

func (n notices) noticesOf() notices { return n }

// poll is wait and waitPage: it reads the page with the script's op kind
// until cond holds, a notice stops the action, the settle timeout passes or
// ctx ends. A page caught leaving for another document is read again for
// up to navigationGrace.
func poll[R noticed](ctx context.Context, s *Site, p *rod.Page, op, target, kind string, cond func(R) bool) (R, bool, error) {
	deadline := time.Now().Add(s.settle)
	var leaving time.Time // when the page was first found leaving for another
	for {
		var r R
		err := s.probe(p, target, kind, &r)
		switch {
		case err == nil:
			leaving = time.Time{}
			if err := s.stop(p, op, target, r.noticesOf()); err != nil {
				return r, false, err
			}
			if cond(r) {
				return r, true, nil
			}
		case !navigating(err):
			return r, false, err
		case leaving.IsZero():
			leaving = time.Now()
		case time.Since(leaving) > navigationGrace:
			return r, false, err
		}
		if time.Now().After(deadline) {
			return r, false, err // nil, unless the page is still leaving
		}
		select {
		case <-ctx.Done():
			return r, false, ctx.Err()
		case <-time.After(defaultPoll):
		}
	}
}

// navigationGrace is how long a wait reads again a page that keeps leaving
// for another document before it gives up.
const navigationGrace = 3 * time.Second

// navigating reports whether a page-script call failed only because the
// page was leaving for another document, such as a redirect to a
// checkpoint right after a click: the next reading, on the new page, tells
// what happened.
func navigating(err error) bool {
	var e *cdp.Error
	if !errors.As(err, &e) {
		return false
	}
	return errors.Is(err, cdp.ErrCtxDestroyed) || errors.Is(err, cdp.ErrCtxNotFound) ||
		strings.Contains(e.Message, "navigated or closed")
}

// stop turns a notice that ends any action into its outcome's error: a
// sign-in wall (the session was rejected), a security checkpoint or CAPTCHA,
// a restriction notice or the weekly-limit alert (both stop inviting until
// the window resets; the alert's Got it is clicked, as a person would).
// Pacer never tries to pass a checkpoint.
func (s *Site) stop(p *rod.Page, op, target string, n notices) error {
	switch {
	case n.Login:
		return executor.NewError(pacertype.OutcomeSessionRejected, op, target, fmt.Errorf("redirected to %s", redactURL(n.URL)))
	case n.Checkpoint:
		return executor.NewError(pacertype.OutcomeCheckpoint, op, target, fmt.Errorf("at %s", redactURL(n.URL)))
	case n.Restricted != "":
		e := executor.NewError(pacertype.OutcomeWeeklyLimit, op, target, nil)
		e.Detail = "LinkedIn shows a restriction notice: " + clip(n.Restricted, 160)
		return e
	case n.WeeklyLimit:
		if el, _ := s.pick(p, target, "got_it"); el != nil {
			_ = s.click(el)
		}
		return executor.NewError(pacertype.OutcomeWeeklyLimit, op, target, nil)
	}
	return nil
}

// waitShort is wait with its own, shorter timeout.
func (s *Site) waitShort(ctx context.Context, p *rod.Page, op, target string, d time.Duration, cond func(report) bool) (report, bool, error) {
	short := *s
	short.settle = min(d, s.settle)
	return short.wait(ctx, p, op, target, cond)
}
