package runner

import (
	"errors"
	"fmt"

	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/models"
)

// errNoSession: the account has no stored LinkedIn session the runner can
// use.
var errNoSession = errors.New("runner: the account has no stored LinkedIn session; sign in with `pacer account login` or `pacer account set-cookie`")

// cookiesFor returns the session an account acts with: its stored session,
// opened with PACER_SECRET_KEY; on the simulator, without one, a session
// the simulator accepts.
func (r *Runner) cookiesFor(a models.Account) ([]session.Cookie, error) {
	if len(a.SessionSealed) > 0 && r.key != nil {
		cookies, err := session.Open(r.key, a.SessionSealed)
		if err == nil && session.HasLiAt(cookies) {
			return cookies, nil
		}
		if !r.opts.Simulated {
			if err == nil {
				err = errNoSession
			}
			return nil, fmt.Errorf("runner: %s: %w", a.Name, err)
		}
	}
	if r.opts.Simulated {
		return session.LiAt(SimulatedSession(a.Name, a.Plan)), nil
	}
	if len(a.SessionSealed) > 0 {
		return nil, fmt.Errorf("runner: %s: %w", a.Name, session.ErrNoKey)
	}
	return nil, fmt.Errorf("%w (account %s)", errNoSession, a.Name)
}

// SimulatedSession is the li_at value an account acts with on the
// simulator when it has no stored session. The simulator knows an account
// by this value, and treats one that holds "premium" as a paid account
// (300-character notes, no monthly notes quota).
func SimulatedSession(name, plan string) string {
	if plan != "" && plan != "free" {
		return name + "-premium"
	}
	return name
}
