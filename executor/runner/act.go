package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
)

// result is what carrying out an action found.
type result struct {
	outcome pacertype.Outcome
	// err is the adapter's error for any outcome but done.
	err error
	// noteSent is the note a sent invitation carried ("" for none).
	noteSent string
	// noteDropped is set when the invitation went without its note because
	// LinkedIn said none is left this month.
	noteDropped bool
	// notesLeft is what LinkedIn said is left of the month's notes after
	// this invitation, or -1 when it did not say.
	notesLeft int
	// reconciled is set when an earlier attempt had already done it.
	reconciled bool
	// sendClicked is set when an invitation's Send was clicked: unless the
	// page confirmed it, whether it went is in doubt.
	sendClicked bool
	// notSentBefore is set when the profile proved that the earlier
	// attempts of an action in doubt had not sent it (Connect still on
	// offer, or a connection from before): what they counted as an
	// invitation counts as the page loads they were.
	notSentBefore bool
	// accepted is set when the invitation an earlier attempt sent was
	// accepted before it could be recorded.
	accepted bool
	// email is the address a contact-info read found.
	email string
	// connections, sent and conversations are what a scan read.
	connections   executor.ConnectionList
	sent          executor.SentList
	conversations []executor.Conversation
}

func outcomeOf(err error) result {
	return result{outcome: executor.OutcomeOf(err), err: err, notesLeft: -1}
}

// perform carries out a claimed action in the account's session.
func (w *worker) perform(ctx context.Context, j *job) result {
	var slug string
	if j.prospect != nil {
		slug = j.prospect.Slug
	}
	needsProspect := j.act.Kind != models.ActionScan
	if needsProspect && slug == "" {
		return result{outcome: pacertype.OutcomeNotFound, notesLeft: -1,
			err: executor.NewError(pacertype.OutcomeNotFound, j.act.Kind, "", errors.New("the action names no prospect"))}
	}
	switch j.act.Kind {
	case models.ActionInvite:
		return w.invite(ctx, j, slug)
	case models.ActionView:
		_, err := w.sess.ViewProfile(ctx, slug)
		return outcomeOf(err)
	case models.ActionFollow:
		_, err := w.sess.Follow(ctx, slug)
		return outcomeOf(err)
	case models.ActionLike:
		_, err := w.sess.LikeLatestPost(ctx, slug)
		return outcomeOf(err)
	case models.ActionWithdraw:
		return w.withdraw(ctx, j, slug)
	case models.ActionMessage:
		// Exactly the approved text. A retry after Send was clicked (or a
		// crash) is safe: the adapter finds the text as the conversation's
		// last own message and types nothing.
		_, err := w.sess.SendMessage(ctx, slug, j.act.Note)
		return outcomeOf(err)
	case models.ActionReadInfo:
		email, err := w.sess.ContactEmail(ctx, slug)
		res := outcomeOf(err)
		res.email = email
		return res
	case models.ActionScan:
		switch j.act.Target {
		case TargetConnections:
			conns, err := w.sess.RecentConnections(ctx)
			res := outcomeOf(err)
			res.connections = conns
			return res
		case TargetSent:
			sent, err := w.sess.SentInvitations(ctx)
			res := outcomeOf(err)
			res.sent = sent
			return res
		case TargetMessages:
			return w.readMessages(ctx)
		}
	}
	return result{outcome: pacertype.OutcomeUnrecognized, notesLeft: -1,
		err: executor.NewError(pacertype.OutcomeUnrecognized, j.act.Kind, j.act.Target, fmt.Errorf("the runner does not know the action kind %q (target %q)", j.act.Kind, j.act.Target))}
}

// invite sends an invitation. When an earlier attempt may have sent it, the
// profile is read first: Pending means it was sent (and is recorded as
// such), and only a profile still offering Connect is invited again. A
// note LinkedIn has no room for is dropped only when the campaign allows
// it; the member's email is given only when LinkedIn asks, the campaign
// allows it and the email is known.
func (w *worker) invite(ctx context.Context, j *job, slug string) result {
	var notSentBefore bool
	if j.doubt {
		prof, err := w.sess.ReadState(ctx, slug)
		if err != nil {
			return outcomeOf(err)
		}
		switch prof.State {
		case executor.StateConnect, executor.StateConnectViaMore:
			notSentBefore = true
		case executor.StatePending:
			return result{outcome: pacertype.OutcomeDone, reconciled: true, noteSent: j.note, notesLeft: -1}
		case executor.StateConnected:
			// Connected may be the earlier attempt's invitation, accepted
			// since; recorded as "already connected", its acceptance would
			// never reach the CRM. The recent connections tell.
			accepted, err := w.connectedSince(ctx, slug, j.act.CreatedAt)
			if err != nil {
				return outcomeOf(err)
			}
			if accepted {
				return result{outcome: pacertype.OutcomeDone, reconciled: true, accepted: true, noteSent: j.note, notesLeft: -1}
			}
			return result{outcome: pacertype.OutcomeAlreadyConnected, notesLeft: -1, notSentBefore: true,
				err: executor.NewError(pacertype.OutcomeAlreadyConnected, "invite", slug, nil)}
		}
	}
	opts := executor.InviteOptions{Note: j.note}
	out := result{notesLeft: -1, notSentBefore: notSentBefore}
	for {
		res, err := w.sess.Invite(ctx, slug, opts)
		out.outcome, out.err = res.Outcome, err
		out.sendClicked = out.sendClicked || res.SendClicked
		if res.NotesRemaining >= 0 {
			out.notesLeft = res.NotesRemaining
		}
		switch res.Outcome {
		case pacertype.OutcomeDone:
			out.noteSent = opts.Note
			if opts.Note != "" && out.notesLeft > 0 {
				out.notesLeft-- // the dialog counted before this one
			}
			return out
		case pacertype.OutcomeNoteQuotaExhausted:
			out.notesLeft = 0
			if opts.Note != "" && j.ccfg.SendWithoutNote {
				opts.Note, out.noteDropped = "", true
				continue
			}
		case pacertype.OutcomeEmailRequired:
			if opts.Email == "" && j.ccfg.EmailWhenAsked && j.prospect.Email != "" {
				opts.Email = j.prospect.Email
				continue
			}
		case pacertype.OutcomeAlreadyPending:
			if j.doubt {
				// The earlier attempt sent it after all.
				return result{outcome: pacertype.OutcomeDone, reconciled: true, noteSent: j.note, notesLeft: out.notesLeft}
			}
		}
		return out
	}
}

// connectedSince reports whether the account's recent connections list slug
// as connected on or after the day of since (a day earlier, for the
// timezone the page's dates are in). A listing without a date counts: the
// page lists the newest connections first.
func (w *worker) connectedSince(ctx context.Context, slug string, since time.Time) (bool, error) {
	conns, err := w.sess.RecentConnections(ctx)
	if err != nil {
		return false, err
	}
	earliest := since.AddDate(0, 0, -1)
	for _, c := range conns.Connections {
		if strings.EqualFold(c.Slug, slug) {
			return c.ConnectedOn.IsZero() || !c.ConnectedOn.Before(earliest), nil
		}
	}
	return false, nil
}

// withdraw withdraws a stale invitation. When an earlier attempt may have
// withdrawn it and the row is gone, the profile tells: Connect on offer
// means it was withdrawn.
func (w *worker) withdraw(ctx context.Context, j *job, slug string) result {
	_, err := w.sess.Withdraw(ctx, slug)
	res := outcomeOf(err)
	if res.outcome != pacertype.OutcomeNotFound || !j.doubt {
		return res
	}
	prof, err := w.sess.ReadState(ctx, slug)
	if err != nil {
		return res
	}
	switch prof.State {
	case executor.StateConnect, executor.StateConnectViaMore, executor.StateFollowOnly:
		return result{outcome: pacertype.OutcomeDone, reconciled: true, notesLeft: -1}
	}
	return res
}
