package linkedin

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-rod/rod"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/pacertype"
)

// LikeLatestPost likes the member's most recent post. The Like button's
// label tells its state ("Reaction button state: no reaction", then the
// reaction's name): a post already liked, or whose state cannot be read,
// is never clicked, since a click on a liked post removes the like. It
// clicks once, and confirms by the label; an unconfirmed like is a
// transient failure, never a second click.
func (ss *Session) LikeLatestPost(ctx context.Context, slug string) (pacertype.Outcome, error) {
	const op = "like"
	err := ss.run(ctx, op, slug, func(ctx context.Context, p *rod.Page) error {
		if err := checkSlug(op, slug); err != nil {
			return err
		}
		if err := navigate(p, ss.site.url(ss.site.sel.Paths.Activity, slug)); err != nil {
			return err
		}
		r, ok, err := ss.site.waitPage(ctx, p, op, slug, "activity", func(r pageReport) bool {
			return r.Ready && (r.Like || r.Empty || r.Unavailable)
		})
		if err != nil {
			return err
		}
		switch {
		case r.Unavailable:
			return executor.NewError(pacertype.OutcomeNotFound, op, slug, errors.New("the profile is not available"))
		case r.Empty && !r.Like:
			return executor.NewError(pacertype.OutcomeNotFound, op, slug, errors.New("no post to like"))
		case !ok:
			return executor.NewError(pacertype.OutcomeUnrecognized, op, slug, errors.New("no post or Like button appeared"))
		case r.Reaction == reactionMade:
			return nil
		case r.Reaction != reactionNone:
			return executor.NewError(pacertype.OutcomeUnrecognized, op, slug, errors.New("the Like button's state cannot be read"))
		}
		if err := ss.site.clickPick(p, slug, "like"); err != nil {
			return err
		}
		if _, ok, err := ss.site.waitPage(ctx, p, op, slug, "activity", func(r pageReport) bool { return r.Reaction == reactionMade }); err != nil || !ok {
			if err == nil {
				err = errors.New("the Like button's label did not show the like")
			}
			return executor.NewError(pacertype.OutcomeTransient, op, slug, err)
		}
		return nil
	})
	return executor.OutcomeOf(err), err
}

// SentInvitations reads the sent-invitations page: the pending invitations
// it lists with their ages, and its count of them all. An age the adapter
// cannot read is reported with AgeKnown false and must never be taken as
// stale.
func (ss *Session) SentInvitations(ctx context.Context) (executor.SentList, error) {
	const op = "sent_invitations"
	out := executor.SentList{Total: -1}
	err := ss.run(ctx, op, "", func(ctx context.Context, p *rod.Page) error {
		r, err := ss.listPage(ctx, p, op, ss.site.sel.Paths.SentInvitations, "sent")
		if err != nil {
			return err
		}
		for _, row := range r.Rows {
			if row.Slug == "" {
				continue
			}
			age, known := ss.site.sel.parseAge(row.Age)
			out.Invitations = append(out.Invitations, executor.SentInvitation{Slug: row.Slug, Name: row.Name, AgeText: row.Age, Age: age, AgeKnown: known})
		}
		out.Total = ss.site.sel.parseSentCount(r.Headings)
		return nil
	})
	return out, err
}

// listPage opens a list page and waits until its rows stop changing.
func (ss *Session) listPage(ctx context.Context, p *rod.Page, op, path, kind string) (pageReport, error) {
	if err := navigate(p, ss.site.base+path); err != nil {
		return pageReport{}, err
	}
	// Rows may render after the document is complete: wait for two
	// identical readings.
	last := -1
	r, _, err := ss.site.waitPage(ctx, p, op, "", kind, func(r pageReport) bool {
		if !r.Ready {
			return false
		}
		same := len(r.Rows) == last
		last = len(r.Rows)
		return same
	})
	return r, err
}

// Withdraw withdraws the pending invitation sent to slug, from the
// sent-invitations page, and confirms the row is gone. LinkedIn lists that
// page newest first, a page at a time, so the oldest invitations, the ones
// to withdraw, may not be on it: those are withdrawn from the member's
// profile, whose Pending control opens the same confirmation.
func (ss *Session) Withdraw(ctx context.Context, slug string) (pacertype.Outcome, error) {
	const op = "withdraw"
	err := ss.run(ctx, op, slug, func(ctx context.Context, p *rod.Page) error {
		if err := checkSlug(op, slug); err != nil {
			return err
		}
		r, err := ss.listPage(ctx, p, op, ss.site.sel.Paths.SentInvitations, "sent")
		if err != nil {
			return err
		}
		if !hasRow(r, slug) {
			return ss.withdrawFromProfile(ctx, p, op, slug)
		}
		if err := ss.site.clickPick(p, slug, "withdraw_row"); err != nil {
			return err
		}
		if _, ok, err := ss.site.wait(ctx, p, op, slug, func(r report) bool { return r.OtherDialog }); err != nil || !ok {
			if err == nil {
				err = errors.New("the withdraw confirmation did not open")
			}
			return executor.NewError(pacertype.OutcomeTransient, op, slug, err)
		}
		if err := ss.site.clickPick(p, slug, "withdraw_confirm"); err != nil {
			return err
		}
		_, ok, err := ss.site.waitPage(ctx, p, op, slug, "sent", func(r pageReport) bool { return r.Ready && !hasRow(r, slug) })
		if err != nil {
			return err
		}
		if !ok {
			return executor.NewError(pacertype.OutcomeTransient, op, slug, fmt.Errorf("the invitation is still listed after Withdraw"))
		}
		return nil
	})
	return executor.OutcomeOf(err), err
}

// withdrawFromProfile withdraws the invitation through the Pending control
// of the member's top card, and confirms from a reload that the profile no
// longer shows Pending.
func (ss *Session) withdrawFromProfile(ctx context.Context, p *rod.Page, op, slug string) error {
	r, err := ss.liveState(ctx, p, op, slug)
	if err != nil {
		return err
	}
	switch r.state() {
	case executor.StatePending:
	case executor.StateConnected:
		return executor.NewError(pacertype.OutcomeAlreadyConnected, op, slug, errors.New("they accepted the invitation: nothing to withdraw"))
	default:
		return executor.NewError(pacertype.OutcomeNotFound, op, slug, errors.New("no pending invitation to this member"))
	}
	if err := ss.site.clickPick(p, slug, "pending"); err != nil {
		return err
	}
	if _, ok, err := ss.site.wait(ctx, p, op, slug, func(r report) bool { return r.OtherDialog }); err != nil || !ok {
		if err == nil {
			err = errors.New("the withdraw confirmation did not open from the profile")
		}
		return executor.NewError(pacertype.OutcomeTransient, op, slug, err)
	}
	if err := ss.site.clickPick(p, slug, "withdraw_confirm"); err != nil {
		return err
	}
	if _, _, err := ss.site.wait(ctx, p, op, slug, func(r report) bool { return !r.OtherDialog && !r.Pending }); err != nil {
		return err
	}
	r, err = ss.liveState(ctx, p, op, slug)
	if err != nil {
		return err
	}
	if r.state() == executor.StatePending {
		return executor.NewError(pacertype.OutcomeTransient, op, slug, errors.New("the profile still shows Pending after Withdraw"))
	}
	return nil
}

func hasRow(r pageReport, slug string) bool {
	for _, row := range r.Rows {
		if row.Slug == slug {
			return true
		}
	}
	return false
}

// RecentConnections reads the connections page: the connections it lists,
// most recently added first, and its count of all the account's
// connections (Total -1 when the page shows none the adapter can read).
func (ss *Session) RecentConnections(ctx context.Context) (executor.ConnectionList, error) {
	const op = "connections"
	out := executor.ConnectionList{Total: -1}
	err := ss.run(ctx, op, "", func(ctx context.Context, p *rod.Page) error {
		r, err := ss.listPage(ctx, p, op, ss.site.sel.Paths.Connections, "connections")
		if err != nil {
			return err
		}
		for _, row := range r.Rows {
			text, on := ss.site.sel.parseConnectedOn(row.Connected)
			out.Connections = append(out.Connections, executor.Connection{Slug: row.Slug, Name: row.Name, Headline: row.Headline, ConnectedText: text, ConnectedOn: on})
		}
		out.Total = ss.site.sel.parseConnectionCount(r.Headings)
		return nil
	})
	return out, err
}

// ContactEmail opens the member's contact-info overlay and returns the email
// address shown there, or "" when none is shared (LinkedIn shows it to
// 1st-degree connections only). Opening the overlay counts as a profile view.
func (ss *Session) ContactEmail(ctx context.Context, slug string) (string, error) {
	const op = "contact_email"
	var email string
	err := ss.run(ctx, op, slug, func(ctx context.Context, p *rod.Page) error {
		if err := checkSlug(op, slug); err != nil {
			return err
		}
		if err := navigate(p, ss.site.url(ss.site.sel.Paths.ContactInfo, slug)); err != nil {
			return err
		}
		r, ok, err := ss.site.waitPage(ctx, p, op, slug, "contact", func(r pageReport) bool { return r.Ready && (r.Open || r.Unavailable) })
		if err != nil {
			return err
		}
		switch {
		case r.Unavailable:
			return executor.NewError(pacertype.OutcomeNotFound, op, slug, errors.New("the profile is not available"))
		case !ok:
			return executor.NewError(pacertype.OutcomeUnrecognized, op, slug, errors.New("the contact-info overlay did not open"))
		}
		if len(r.Emails) > 0 {
			email = r.Emails[0]
		}
		return nil
	})
	return email, err
}
