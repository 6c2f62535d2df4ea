package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// worker acts for one account while the runner holds its lease: one action
// at a time, in one browser session.
type worker struct {
	r    *Runner
	id   int64
	name string
	plan string
	log  *slog.Logger

	mu    sync.Mutex
	until leaseEnd // the lease's end, as last renewed
	lost  bool

	sess   executor.Session
	loaded []session.Cookie // the cookies the session started with
	// waits are the kinds whose due actions wait for their slot, as the
	// last step found them.
	waits map[string]time.Time
}

func (w *worker) lease() (leaseEnd, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.until, !w.lost
}

func (w *worker) setLease(until leaseEnd, held bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if held {
		w.until = until
	} else {
		w.lost = true
	}
}

// work runs an account's due actions until it has nothing due soon, the
// account stops, the lease is lost or ctx ends; then it stores a refreshed
// session, closes the browser context and gives the lease back.
func (r *Runner) work(ctx context.Context, l leaseRow, until leaseEnd) {
	w := &worker{r: r, id: l.ID, name: l.Name, plan: l.Plan, until: until,
		log: r.log.With(slog.String("account", l.Name))}
	renewCtx, stopRenew := context.WithCancel(context.WithoutCancel(ctx))
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		w.renewLoop(renewCtx)
	}()
	var notBefore time.Time
	defer func() {
		stopRenew()
		<-renewed
		end, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		w.closeSession(end)
		if err := r.release(end, w.id); err != nil {
			w.log.Warn("runner: give the lease back", slog.String("error", err.Error()))
		}
		r.finished(w.id, notBefore, w.waits)
	}()
	for ctx.Err() == nil {
		if _, held := w.lease(); !held {
			w.log.Warn("runner: the account's lease was lost; another runner goes on with it")
			return
		}
		next, stop := w.step(ctx)
		if stop {
			notBefore = next
			return
		}
		wait := next.Sub(r.now())
		if wait <= 0 {
			continue
		}
		if wait > r.opts.HoldFor {
			// Nothing is due before next: the kinds waiting for their slot
			// are in w.waits, and other actions are found by their times.
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// renewLoop renews the lease every third of its life until ctx ends.
func (w *worker) renewLoop(ctx context.Context) {
	t := time.NewTicker(w.r.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		until, held, err := w.r.renew(ctx, w.id)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("runner: renew the lease", slog.String("error", err.Error()))
			}
			continue // the actions stop at the old lease's end anyway
		}
		w.setLease(until, held)
		if !held {
			return
		}
	}
}

// step does the account's next thing: reconcile an action left in flight,
// or claim the earliest due action whose slot has come. It returns when the
// account has something to do next; stop means the worker should end (the
// account stopped, nothing is due, or an error), and not come back before
// next (zero: at the next look).
func (w *worker) step(ctx context.Context) (next time.Time, stop bool) {
	if !w.renewLease(ctx) {
		return time.Time{}, true
	}
	now := w.r.now()
	acct, err := w.account(ctx)
	if err != nil {
		return time.Time{}, true
	}
	if !mayAct(acct, now) {
		if acct.State == models.AccountRestricted && acct.RestrictedUntil != nil {
			return *acct.RestrictedUntil, true
		}
		return time.Time{}, true
	}
	if found, err := w.reconcileOrphan(ctx); err != nil {
		return time.Time{}, true
	} else if found {
		return now, false
	}

	w.waits = nil
	heads, err := w.heads(ctx, acct, now)
	if err != nil {
		return time.Time{}, true
	}
	next, ok, err := w.nextFuture(ctx, now)
	if err != nil {
		w.log.Warn("runner: read the next action", slog.String("error", err.Error()))
		return time.Time{}, true
	}
	if len(heads) == 0 {
		return next, !ok
	}
	best, at, back, stop := w.earliest(ctx, heads, now)
	if best == nil {
		return back, stop
	}
	if at.After(now) {
		if ok && next.Before(at) {
			return next, false
		}
		return at, false
	}
	return now, w.run(ctx, *best)
}

// renewLease renews the worker's lease on its account and reports whether
// it still holds it.
func (w *worker) renewLease(ctx context.Context) bool {
	end, held, err := w.r.renew(ctx, w.id)
	if err != nil {
		w.log.Warn("runner: renew the lease", slog.String("error", err.Error()))
		return false
	}
	w.setLease(end, held)
	return held
}

// account reads the worker's account as it is now: its state may have
// changed since the worker started (a restriction, a pause).
func (w *worker) account(ctx context.Context) (models.Account, error) {
	var acct models.Account
	if err := w.r.store.DB.WithContext(ctx).Take(&acct, w.id).Error; err != nil {
		w.log.Warn("runner: read the account", slog.String("error", err.Error()))
		return acct, err
	}
	return acct, nil
}

// reconcileOrphan puts an action left in flight back in the queue, in
// doubt (settleOrphan), and reports whether there was one.
func (w *worker) reconcileOrphan(ctx context.Context) (bool, error) {
	o, err := w.r.orphan(ctx, w.id)
	if err != nil {
		w.log.Warn("runner: look for actions in flight", slog.String("error", err.Error()))
		return false, err
	}
	if o == nil {
		return false, nil
	}
	if err := w.settleOrphan(ctx, *o); err != nil {
		w.log.Warn("runner: put an action left in flight back in the queue", slog.Int64("action", o.ID), slog.String("error", err.Error()))
		return false, err
	}
	w.log.Info("runner: an action was left in flight; its next attempt reads the page first", slog.Int64("action", o.ID))
	return true, nil
}

// heads returns the first due action of each kind, the invitations held
// back while the first connection count is due (countFirst).
func (w *worker) heads(ctx context.Context, acct models.Account, now time.Time) ([]action, error) {
	heads, err := w.r.dueHeads(ctx, w.id, now)
	if err != nil {
		w.log.Warn("runner: read the due actions", slog.String("error", err.Error()))
		return nil, err
	}
	if acct.ConnectionsReadAt == nil {
		heads = countFirst(heads)
	}
	return heads, nil
}

// earliest asks the pacer for each due head's slot and returns the head
// that may go first, and when: its slot, or its scheduled time if later.
// The kinds that must wait are noted in w.waits. When the quota or the
// pacer decides the step instead (slotRefused), best is nil and next and
// stop are the step's answer.
func (w *worker) earliest(ctx context.Context, heads []action, now time.Time) (best *action, at, next time.Time, stop bool) {
	for i, h := range heads {
		slot, err := w.r.quota.NextSlot(ctx, w.id, quotaKind(h), now)
		if err != nil {
			next, stop = w.slotRefused(ctx, h, now, err)
			return nil, time.Time{}, next, stop
		}
		t := slot
		if h.ScheduledAt.After(t) {
			t = h.ScheduledAt
		}
		if t.After(now) {
			if w.waits == nil {
				w.waits = map[string]time.Time{}
			}
			w.waits[h.Kind] = t
		}
		if best == nil || t.Before(at) {
			best, at = &heads[i], t
		}
	}
	return best, at, time.Time{}, false
}

// slotRefused decides the step when the pacer gives a due head no slot.
func (w *worker) slotRefused(ctx context.Context, h action, now time.Time, err error) (next time.Time, stop bool) {
	var le *quota.LimitError
	if !errors.As(err, &le) {
		w.log.Warn("runner: ask the pacer for a slot", slog.String("kind", h.Kind), slog.String("error", err.Error()))
		return now.Add(w.r.opts.PollInterval), true
	}
	if le.Limit == quota.LimitAccountState {
		return le.ResetAt, true
	}
	// No time frees this kind (the acceptance guard paused inviting,
	// pending invitations are at their stop): look again later, and let
	// the other kinds go on meanwhile.
	if !w.reschedule(ctx, h, now.Add(w.r.opts.RecheckAfter), le) {
		return time.Time{}, true
	}
	return now, false
}

// countFirst holds back the invitations of an account whose connection
// count was never read while the read is due: the connection ceiling needs
// LinkedIn's count, not only the acceptances Pacer saw.
func countFirst(heads []action) []action {
	if !slices.ContainsFunc(heads, func(a action) bool { return a.Kind == models.ActionScan && a.Target == TargetConnections }) {
		return heads
	}
	return slices.DeleteFunc(heads, func(a action) bool { return a.Kind == models.ActionInvite })
}

// nextFuture returns when the account's earliest claimable action that is
// not yet due becomes due.
func (w *worker) nextFuture(ctx context.Context, now time.Time) (time.Time, bool, error) {
	var at []time.Time
	err := w.r.store.DB.WithContext(ctx).Table("actions AS a").Where("a.account_id = ? AND a.scheduled_at > ?", w.id, now).
		Where(claimable).Order("a.scheduled_at").Limit(1).Pluck("a.scheduled_at", &at).Error
	if err != nil || len(at) == 0 {
		return time.Time{}, false, err
	}
	return at[0], true, nil
}

// mayAct reports whether the account may act at now: active, or
// restricted until a time that has come.
func mayAct(a models.Account, now time.Time) bool {
	switch a.State {
	case models.AccountActive:
		return true
	case models.AccountRestricted:
		return a.RestrictedUntil != nil && !a.RestrictedUntil.After(now)
	}
	return false
}

// quotaKind is the quota kind an action counts as.
func quotaKind(a action) string {
	return a.Kind // the action kinds are quota kinds of the same names
}

// run claims the action, carries it out and records its outcome. It
// reports whether the worker must stop.
func (w *worker) run(ctx context.Context, a action) (stop bool) {
	if err := w.openSession(ctx); err != nil {
		return w.sessionFailed(ctx, err)
	}
	j, ref, err := w.claim(ctx, a)
	if ref != nil {
		return w.refused(ctx, a, ref)
	}
	if err != nil {
		if errors.Is(err, errGone) {
			return false
		}
		w.log.Warn("runner: claim an action", slog.Int64("action", a.ID), slog.String("error", err.Error()))
		return true
	}

	actx, cancel := w.actionContext(ctx)
	defer cancel()
	start := time.Now()
	res := result{outcome: j.heldBack, notesLeft: -1}
	if j.heldBack == "" {
		res = w.perform(actx, j)
	}
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer rcancel()
	stop, err = w.record(rctx, j, res)
	w.logOutcome(ctx, j, res, time.Since(start))
	if err != nil {
		// The outcome is not recorded: the action stays in flight and is
		// reconciled (its page read again) before anything else is done
		// for the account.
		w.log.Error("runner: record an outcome", slog.Int64("action", j.act.ID), slog.String("error", err.Error()))
		return true
	}
	if res.outcome == pacertype.OutcomeTransient {
		// The page may be stuck: the next action starts in a fresh context.
		w.closeSession(rctx)
	}
	return stop
}

// actionContext is the context an action runs in. The action may take
// until shortly before the lease ends (the lease was just renewed), so no
// other runner can start on the account while this one still clicks. Once
// ctx ends it has DrainTimeout to finish.
func (w *worker) actionContext(ctx context.Context) (context.Context, context.CancelFunc) {
	until, _ := w.lease()
	margin := w.r.opts.LeaseTTL / 6
	actx, cancel := context.WithDeadline(context.WithoutCancel(ctx), until.local.Add(-margin))
	stopDrain := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(w.r.opts.DrainTimeout, cancel)
		context.AfterFunc(actx, func() { t.Stop() })
	})
	return actx, func() {
		stopDrain()
		cancel()
	}
}

// logOutcome logs how an action ended: at info when done, at warning
// otherwise, with why.
func (w *worker) logOutcome(ctx context.Context, j *job, res result, took time.Duration) {
	level := slog.LevelInfo
	if res.outcome != pacertype.OutcomeDone {
		level = slog.LevelWarn
	}
	attrs := []any{slog.Int64("action", j.act.ID), slog.String("kind", j.act.Kind), slog.String("outcome", string(res.outcome)),
		slog.Duration("took", took)}
	if j.prospect != nil {
		attrs = append(attrs, slog.String("slug", j.prospect.Slug))
	}
	if j.act.Target != "" {
		attrs = append(attrs, slog.String("target", j.act.Target))
	}
	if j.doubt {
		attrs = append(attrs, slog.Bool("reconciled", true))
	}
	if res.err != nil && res.outcome != pacertype.OutcomeDone {
		attrs = append(attrs, slog.String("reason", res.err.Error()))
	}
	w.log.Log(ctx, level, "runner: "+j.act.Kind, attrs...)
}

// reschedule moves an action the quota refused (it was not claimed) to at,
// when the limit frees up. It reports whether it did.
func (w *worker) reschedule(ctx context.Context, a action, at time.Time, le *quota.LimitError) bool {
	err := w.r.store.DB.WithContext(ctx).Table("actions").Where("id = ? AND state = ?", a.ID, stateScheduled).
		Updates(map[string]any{"scheduled_at": at, "updated_at": w.r.now()}).Error
	if err != nil {
		w.log.Warn("runner: reschedule an action", slog.Int64("action", a.ID), slog.String("error", err.Error()))
		return false
	}
	w.log.Info("runner: waiting for the quota", slog.Int64("action", a.ID), slog.String("kind", a.Kind),
		slog.String("limit", le.Limit), slog.Time("until", at))
	return true
}

// refused handles a reservation the quota refused: the action waits until
// the limit frees up, or, for a note the campaign does not send without,
// is skipped. It reports whether the worker must stop.
func (w *worker) refused(ctx context.Context, a action, ref *refusal) bool {
	r := w.r
	if ref.le.Limit == quota.LimitAccountState {
		return true
	}
	if ref.note {
		j, err := w.load(ctx, r.store.DB, a)
		if err == nil {
			err = r.store.DB.WithContext(ctx).Transaction(func(tx txDB) error {
				rec := &recorder{w: w, tx: tx, j: j, now: r.now(), ctx: ctx}
				return rec.skipUnclaimed(pacertype.OutcomeNoteQuotaExhausted,
					"no personalized note is left this month ("+ref.le.Explain(nil)+"), and the campaign does not send invitations without their note")
			})
		}
		if err != nil {
			w.log.Warn("runner: skip an action", slog.Int64("action", a.ID), slog.String("error", err.Error()))
			return true
		}
		return false
	}
	at := ref.le.ResetAt
	if at.IsZero() || !at.After(r.now()) {
		at = r.now().Add(r.opts.RecheckAfter)
	}
	return !w.reschedule(ctx, a, at, ref.le)
}

// openSession opens the account's browser session if it is not open.
func (w *worker) openSession(ctx context.Context) error {
	if w.sess != nil {
		return nil
	}
	var acct models.Account
	if err := w.r.store.DB.WithContext(ctx).Take(&acct, w.id).Error; err != nil {
		return fmt.Errorf("runner: read the account: %w", err)
	}
	cookies, err := w.r.cookiesFor(acct)
	if err != nil {
		return err
	}
	octx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	sess, err := w.r.site.Open(octx, executor.Account{Name: acct.Name, Cookies: cookies})
	if err != nil {
		return err
	}
	w.sess, w.loaded = sess, cookies
	if err := w.queueCountRead(ctx); err != nil {
		w.log.Warn("runner: queue a read of the connection count", slog.String("error", err.Error()))
	}
	return nil
}

// sessionFailed handles a session that could not be opened: without a
// usable session the account needs a person; a browser failure is retried
// later. It reports whether the worker must stop (always).
func (w *worker) sessionFailed(ctx context.Context, err error) bool {
	r := w.r
	if errors.Is(err, errNoSession) || executor.OutcomeOf(err) == pacertype.OutcomeSessionRejected {
		w.log.Warn("runner: the account has no usable LinkedIn session; it needs a person", slog.String("error", err.Error()))
		terr := r.store.DB.WithContext(ctx).Transaction(func(tx txDB) error {
			if err := r.quota.SetNeedsHumanTx(ctx, tx, w.id, models.ReasonSessionRejected); err != nil {
				return err
			}
			_, err := r.store.RecordEvent(ctx, tx, pacertype.EventAccountCheckpoint, models.EventRefs{AccountID: &w.id},
				models.EventData{Account: w.name, Reason: pacertype.ReasonSessionMissing})
			return err
		})
		if terr != nil {
			w.log.Warn("runner: record the account's state", slog.String("error", terr.Error()))
		}
		return true
	}
	w.log.Warn("runner: open a browser session", slog.String("error", err.Error()))
	r.mu.Lock()
	r.notBefore[w.id] = r.now().Add(min(r.opts.Backoff, r.opts.PollInterval))
	r.mu.Unlock()
	return true
}

// closeSession stores the session's cookies when the site refreshed them,
// and closes the browser context.
func (w *worker) closeSession(ctx context.Context) {
	if w.sess == nil {
		return
	}
	sess := w.sess
	w.sess = nil
	if cookies, err := sess.Cookies(ctx); err == nil {
		w.storeCookies(ctx, cookies)
	}
	if err := sess.Close(ctx); err != nil {
		w.log.Warn("runner: close the browser session", slog.String("error", err.Error()))
	}
}

// storeCookies seals and stores the session when its cookies changed (and
// it is still signed in).
func (w *worker) storeCookies(ctx context.Context, cookies []session.Cookie) {
	if !session.HasLiAt(cookies) || sameCookies(cookies, w.loaded) || w.r.key == nil {
		return
	}
	var acct models.Account
	if err := w.r.store.DB.WithContext(ctx).Take(&acct, w.id).Error; err != nil || acct.State == models.AccountNeedsHuman {
		return // a session that met a checkpoint is not stored back
	}
	sealed, err := session.Seal(w.r.key, cookies)
	if err == nil {
		err = w.r.store.SaveSession(ctx, w.id, sealed)
	}
	if err != nil {
		w.log.Warn("runner: store the refreshed session", slog.String("error", err.Error()))
		return
	}
	w.loaded = cookies
	w.log.Info("runner: stored the refreshed LinkedIn session")
}

// sameCookies compares two sessions by cookie names and values: the
// browser adds domains and paths to cookies stored without them.
func sameCookies(a, b []session.Cookie) bool {
	key := func(cs []session.Cookie) []string {
		out := make([]string, 0, len(cs))
		for _, c := range cs {
			out = append(out, c.Name+"\x00"+c.Value)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}
