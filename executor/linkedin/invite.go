package linkedin

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"

	"github.com/go-rod/rod"

	"github.com/pacerhq/pacer/executor"
)

// defaultNoteLimit is used only when the dialog shows neither a counter nor
// a maxlength: the smaller of LinkedIn's two limits, so a note is never cut.
const defaultNoteLimit = 200

// Invite sends an invitation to connect, with opts.Note when it is not
// empty. It clicks only the target's own Connect (checked by its vanity name
// or its card, never a side rail's), never clicks Write with AI, refuses a
// note longer than the limit the dialog shows, and reports done only once the
// profile shows Pending (or the 1st-degree connection of an invitee who
// accepted at once).
func (ss *Session) Invite(ctx context.Context, slug string, opts executor.InviteOptions) (executor.InviteResult, error) {
	res := executor.InviteResult{NotesRemaining: -1}
	err := ss.run(ctx, "invite", slug, func(ctx context.Context, p *rod.Page) error {
		return ss.invite(ctx, p, slug, opts, &res)
	})
	res.Outcome = executor.OutcomeOf(err)
	var e *executor.Error
	if errors.As(err, &e) && e.NotesRemaining >= 0 {
		res.NotesRemaining = e.NotesRemaining
	}
	return res, err
}

func (ss *Session) invite(ctx context.Context, p *rod.Page, slug string, opts executor.InviteOptions, res *executor.InviteResult) error {
	const op = "invite"
	fail := func(o executor.Outcome, cause error) error { return executor.NewError(o, op, slug, cause) }
	if err := checkSlug(op, slug); err != nil {
		return err
	}
	r, err := ss.liveState(ctx, p, op, slug)
	if err != nil {
		return err
	}
	switch st := r.state(); st {
	case executor.StatePending:
		return fail(executor.OutcomeAlreadyPending, nil)
	case executor.StateConnected:
		return fail(executor.OutcomeAlreadyConnected, nil)
	case executor.StateFollowOnly:
		return fail(executor.OutcomeNotConnectable, nil)
	case executor.StateConnect:
		err = ss.site.clickPick(p, slug, "connect")
	case executor.StateConnectViaMore:
		err = ss.site.clickPick(p, slug, "menu_connect")
	default:
		return fail(executor.OutcomeUnrecognized, fmt.Errorf("state %s", st))
	}
	if err != nil {
		return err
	}

	// Connect opens the invite dialog, or the weekly-limit alert instead.
	r, ok, err := ss.site.wait(ctx, p, slug, func(r report) bool { return r.Dialog != nil || r.WeeklyLimit || r.Toast != "" })
	if err != nil {
		return err
	}
	if err := ss.afterClick(p, slug, r); err != nil {
		return err
	}
	if !ok {
		return fail(executor.OutcomeTransient, errors.New("the invite dialog did not open"))
	}
	d := r.Dialog

	if d.EmailRequired && opts.Email == "" {
		ss.dismiss(p, slug)
		return fail(executor.OutcomeEmailRequired, nil)
	}
	if d.EmailRequired && d.EmailField {
		if err := ss.typeInto(p, slug, "email_field", opts.Email); err != nil {
			return err
		}
	}

	if opts.Note == "" {
		what := "send_without"
		if !d.SendWithout {
			what = "send"
			if _, ok, err := ss.site.wait(ctx, p, slug, func(r report) bool { return r.Dialog != nil && r.Dialog.SendEnabled }); err != nil || !ok {
				ss.dismiss(p, slug)
				return fail(executor.OutcomeTransient, errors.New("Send stayed disabled"))
			}
		}
		res.SendClicked = true
		if err := ss.site.clickPick(p, slug, what); err != nil {
			return err
		}
		return ss.confirmSent(ctx, p, slug)
	}

	if !d.NoteField {
		if !d.AddNote {
			ss.dismiss(p, slug)
			return fail(executor.OutcomeUnrecognized, errors.New("the invite dialog has no Add a note"))
		}
		if err := ss.site.clickPick(p, slug, "add_note"); err != nil {
			return err
		}
		r, ok, err = ss.site.wait(ctx, p, slug, func(r report) bool {
			return r.Dialog != nil && (r.Dialog.NoteField || r.Dialog.OutOfNotes) || r.WeeklyLimit
		})
		if err != nil {
			return err
		}
		if r.WeeklyLimit {
			return ss.afterClick(p, slug, r)
		}
		if !ok {
			ss.dismiss(p, slug)
			return fail(executor.OutcomeTransient, errors.New("the note field did not appear"))
		}
		d = r.Dialog
	}
	if d.NotesRemaining >= 0 {
		res.NotesRemaining = d.NotesRemaining
	}
	if d.OutOfNotes || d.NotesRemaining == 0 || !d.NoteField {
		ss.dismiss(p, slug)
		e := executor.NewError(executor.OutcomeNoteQuotaExhausted, op, slug, nil)
		e.NotesRemaining = 0
		return e
	}
	limit := d.NoteLimit
	if limit <= 0 {
		limit = defaultNoteLimit
	}
	res.NoteLimit = limit
	if n := len(utf16.Encode([]rune(opts.Note))); n > limit {
		ss.dismiss(p, slug)
		e := executor.NewError(executor.OutcomeNoteTooLong, op, slug, nil)
		e.Detail = fmt.Sprintf("%d characters, the dialog allows %d", n, limit)
		return e
	}
	if d.EmailRequired && d.EmailField && d.EmailValue == "" {
		if err := ss.typeInto(p, slug, "email_field", opts.Email); err != nil {
			return err
		}
	}
	if err := ss.typeInto(p, slug, "note_field", opts.Note); err != nil {
		return err
	}
	r, ok, err = ss.site.wait(ctx, p, slug, func(r report) bool {
		return r.Dialog != nil && r.Dialog.NoteValue == opts.Note && r.Dialog.SendEnabled
	})
	if err != nil {
		return err
	}
	if !ok {
		ss.dismiss(p, slug)
		if r.Dialog != nil && r.Dialog.NoteValue != opts.Note {
			return fail(executor.OutcomeTransient, errors.New("the note field did not hold the note as written"))
		}
		return fail(executor.OutcomeTransient, errors.New("Send stayed disabled"))
	}
	res.SendClicked = true
	if err := ss.site.clickPick(p, slug, "send"); err != nil {
		return err
	}
	return ss.confirmSent(ctx, p, slug)
}

// afterClick turns a weekly-limit alert or an error toast into its outcome,
// closing what it can.
func (ss *Session) afterClick(p *rod.Page, slug string, r report) error {
	switch {
	case r.WeeklyLimit:
		if el, _ := ss.site.pick(p, slug, "got_it"); el != nil {
			_ = ss.site.click(el)
		}
		return executor.NewError(executor.OutcomeWeeklyLimit, "invite", slug, nil)
	case r.Toast != "":
		if el, _ := ss.site.pick(p, slug, "toast_dismiss"); el != nil {
			_ = ss.site.click(el)
		}
		e := executor.NewError(executor.OutcomeTransient, "invite", slug, errors.New("LinkedIn showed an error"))
		e.Detail = r.Toast
		return e
	}
	return nil
}

// confirmSent waits for the dialog to close and the top card to show
// Pending. LinkedIn's most reported false "sent" comes from skipping this.
// A top card showing a 1st-degree connection confirms it too: the invitee
// accepted at once (the profile offered Connect before Send), and waiting
// for a Pending that cannot come would report a sent invitation as failed.
func (ss *Session) confirmSent(ctx context.Context, p *rod.Page, slug string) error {
	const op = "invite"
	sent := func(r report) bool { return r.Pending || r.state() == executor.StateConnected }
	r, ok, err := ss.site.wait(ctx, p, slug, func(r report) bool {
		return sent(r) || r.WeeklyLimit || r.Toast != "" ||
			(r.Dialog != nil && (r.Dialog.OutOfNotes || (r.Dialog.EmailRequired && !r.Dialog.NoteField && !r.Dialog.SendEnabled)))
	})
	if err != nil {
		return err
	}
	if err := ss.afterClick(p, slug, r); err != nil {
		return err
	}
	if r.Dialog != nil && r.Dialog.OutOfNotes {
		ss.dismiss(p, slug)
		e := executor.NewError(executor.OutcomeNoteQuotaExhausted, op, slug, nil)
		e.NotesRemaining = 0
		return e
	}
	if r.Dialog != nil && r.Dialog.EmailRequired && !sent(r) {
		ss.dismiss(p, slug)
		return executor.NewError(executor.OutcomeEmailRequired, op, slug, errors.New("LinkedIn did not accept the email address"))
	}
	if ok && sent(r) {
		return nil
	}
	// The top card may not update in place: read it again from a reload.
	nr, err := ss.openProfile(ctx, p, op, slug)
	if err != nil {
		return err
	}
	if sent(nr) {
		return nil
	}
	return executor.NewError(executor.OutcomeTransient, op, slug, errors.New("not confirmed: the profile does not show Pending after Send"))
}

// typeInto types text into the dialog field the page script names what.
func (ss *Session) typeInto(p *rod.Page, slug, what, text string) error {
	el, err := ss.site.pick(p, slug, what)
	if err != nil {
		return err
	}
	if el == nil {
		return fmt.Errorf("the %s is gone", what)
	}
	if err := el.Input(text); err != nil {
		return fmt.Errorf("type into %s: %w", what, err)
	}
	return nil
}

// dismiss closes the invite dialog without sending, as a person would.
func (ss *Session) dismiss(p *rod.Page, slug string) {
	p = p.Timeout(3 * time.Second)
	if el, _ := ss.site.pick(p, slug, "dismiss"); el != nil {
		_ = ss.site.click(el)
	}
}
