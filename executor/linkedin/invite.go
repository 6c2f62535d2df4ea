package linkedin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/pacertype"
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
	fail := func(o pacertype.Outcome, cause error) error { return executor.NewError(o, op, slug, cause) }
	if err := checkSlug(op, slug); err != nil {
		return err
	}
	d, err := ss.openDialog(ctx, p, slug)
	if err != nil {
		return err
	}
	if d.EmailRequired && opts.Email == "" {
		ss.dismiss(p, slug)
		return fail(pacertype.OutcomeEmailRequired, nil)
	}
	if opts.Note == "" {
		return ss.sendWithoutNote(ctx, p, slug, opts, d, res)
	}
	return ss.sendWithNote(ctx, p, slug, opts, d, res)
}

// openDialog reads the profile, clicks the target's own Connect and waits
// for the invite dialog.
func (ss *Session) openDialog(ctx context.Context, p *rod.Page, slug string) (*dialogReport, error) {
	r, err := ss.liveState(ctx, p, "invite", slug)
	if err != nil {
		return nil, err
	}
	if err := ss.clickConnect(p, slug, r.state()); err != nil {
		return nil, err
	}
	return ss.awaitDialog(ctx, p, slug)
}

// clickConnect clicks the target's own Connect, in the top card or its More
// menu; a profile that offers none ends the invitation with its outcome.
func (ss *Session) clickConnect(p *rod.Page, slug string, st executor.State) error {
	fail := func(o pacertype.Outcome, cause error) error { return executor.NewError(o, "invite", slug, cause) }
	switch st {
	case executor.StatePending:
		return fail(pacertype.OutcomeAlreadyPending, nil)
	case executor.StateConnected:
		return fail(pacertype.OutcomeAlreadyConnected, nil)
	case executor.StateFollowOnly:
		return fail(pacertype.OutcomeNotConnectable, nil)
	case executor.StateConnect:
		return ss.site.clickPick(p, slug, "connect")
	case executor.StateConnectViaMore:
		return ss.site.clickPick(p, slug, "menu_connect")
	default:
		return fail(pacertype.OutcomeUnrecognized, fmt.Errorf("state %s", st))
	}
}

// awaitDialog waits for what Connect opens: the invite dialog, or the
// weekly-limit alert instead (which ends the wait with its outcome).
func (ss *Session) awaitDialog(ctx context.Context, p *rod.Page, slug string) (*dialogReport, error) {
	r, ok, err := ss.site.wait(ctx, p, "invite", slug, func(r report) bool { return r.Dialog != nil || r.Toast != "" })
	if err != nil {
		return nil, err
	}
	if err := ss.toast(p, slug, r); err != nil {
		return nil, err
	}
	if !ok {
		return nil, executor.NewError(pacertype.OutcomeTransient, "invite", slug, errors.New("the invite dialog did not open"))
	}
	return r.Dialog, nil
}

// sendWithoutNote sends an invitation approved without a note, once the
// dialog's fields hold nothing but the email address LinkedIn asked for.
func (ss *Session) sendWithoutNote(ctx context.Context, p *rod.Page, slug string, opts executor.InviteOptions, d *dialogReport, res *executor.InviteResult) error {
	if err := ss.unapprovedText(p, slug, opts, d); err != nil {
		return err
	}
	if err := ss.fillEmail(p, slug, opts, d); err != nil {
		return err
	}
	what := "send_without"
	if !d.SendWithout {
		what = "send"
	}
	r, ok, err := ss.site.wait(ctx, p, "invite", slug, func(r report) bool {
		return r.Dialog != nil && (what == "send_without" || r.Dialog.SendEnabled)
	})
	if err != nil {
		return err
	}
	if !ok {
		ss.dismiss(p, slug)
		return executor.NewError(pacertype.OutcomeTransient, "invite", slug, errors.New("Send stayed disabled"))
	}
	if err := ss.beforeSend(p, slug, opts, r.Dialog); err != nil {
		return err
	}
	return ss.send(ctx, p, slug, what, res)
}

// sendWithNote opens the note field if needed, checks the note against the
// notes quota and the dialog's limit, types it and sends.
func (ss *Session) sendWithNote(ctx context.Context, p *rod.Page, slug string, opts executor.InviteOptions, d *dialogReport, res *executor.InviteResult) error {
	if !d.NoteField {
		var err error
		if d, err = ss.addNote(ctx, p, slug, opts, d); err != nil {
			return err
		}
	}
	if d.NotesRemaining >= 0 {
		res.NotesRemaining = d.NotesRemaining
	}
	if err := ss.checkNotesLeft(p, slug, d); err != nil {
		return err
	}
	if err := ss.checkNoteFits(p, slug, opts.Note, d, res); err != nil {
		return err
	}
	if err := ss.fillEmail(p, slug, opts, d); err != nil {
		return err
	}
	d, err := ss.typeNote(ctx, p, slug, opts.Note)
	if err != nil {
		return err
	}
	if err := ss.beforeSend(p, slug, opts, d); err != nil {
		return err
	}
	return ss.send(ctx, p, slug, "send", res)
}

// checkNotesLeft stops an invitation whose account has no personalized
// notes left this month: it is never sent without its approved note.
func (ss *Session) checkNotesLeft(p *rod.Page, slug string, d *dialogReport) error {
	if !d.OutOfNotes && d.NotesRemaining != 0 && d.NoteField {
		return nil
	}
	ss.dismiss(p, slug)
	e := executor.NewError(pacertype.OutcomeNoteQuotaExhausted, "invite", slug, nil)
	e.NotesRemaining = 0
	return e
}

// checkNoteFits refuses a note longer than the limit the dialog shows,
// counted in UTF-16 code units as the page counts them; res.NoteLimit
// reports the limit.
func (ss *Session) checkNoteFits(p *rod.Page, slug, note string, d *dialogReport, res *executor.InviteResult) error {
	limit := d.NoteLimit
	if limit <= 0 {
		limit = defaultNoteLimit
	}
	res.NoteLimit = limit
	n := len(utf16.Encode([]rune(note)))
	if n <= limit {
		return nil
	}
	ss.dismiss(p, slug)
	e := executor.NewError(pacertype.OutcomeNoteTooLong, "invite", slug, nil)
	e.Detail = fmt.Sprintf("%d characters, the dialog allows %d", n, limit)
	return e
}

// typeNote types the note and waits until the note field holds it as
// written and Send is enabled, returning the dialog as it then stands.
func (ss *Session) typeNote(ctx context.Context, p *rod.Page, slug, note string) (*dialogReport, error) {
	const op = "invite"
	if err := ss.typeExactly(p, slug, "note_field", note); err != nil {
		return nil, err
	}
	r, ok, err := ss.site.wait(ctx, p, op, slug, func(r report) bool {
		return r.Dialog != nil && r.Dialog.NoteValue == note && r.Dialog.SendEnabled
	})
	if err != nil {
		return nil, err
	}
	if ok {
		return r.Dialog, nil
	}
	ss.dismiss(p, slug)
	if r.Dialog != nil && r.Dialog.NoteValue != note {
		return nil, executor.NewError(pacertype.OutcomeTransient, op, slug, errors.New("the note field did not hold the note as written"))
	}
	return nil, executor.NewError(pacertype.OutcomeTransient, op, slug, errors.New("Send stayed disabled"))
}

// send clicks the dialog's send control (what: "send" or "send_without")
// and confirms the invitation went. From this click on, whatever the
// outcome, the invitation may have gone: res.SendClicked says so.
func (ss *Session) send(ctx context.Context, p *rod.Page, slug, what string, res *executor.InviteResult) error {
	res.SendClicked = true
	if err := ss.site.clickPick(p, slug, what); err != nil {
		return err
	}
	return ss.confirmSent(ctx, p, slug)
}

// addNote clicks Add a note, after giving the email LinkedIn asks for (the
// note view may not show its field again), and waits for the note field or
// the notes-quota message.
func (ss *Session) addNote(ctx context.Context, p *rod.Page, slug string, opts executor.InviteOptions, d *dialogReport) (*dialogReport, error) {
	if !d.AddNote {
		ss.dismiss(p, slug)
		return nil, executor.NewError(pacertype.OutcomeUnrecognized, "invite", slug, errors.New("the invite dialog has no Add a note"))
	}
	if err := ss.fillEmail(p, slug, opts, d); err != nil {
		return nil, err
	}
	if err := ss.site.clickPick(p, slug, "add_note"); err != nil {
		return nil, err
	}
	r, ok, err := ss.site.wait(ctx, p, "invite", slug, func(r report) bool {
		return r.Dialog != nil && (r.Dialog.NoteField || r.Dialog.OutOfNotes)
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		ss.dismiss(p, slug)
		return nil, executor.NewError(pacertype.OutcomeTransient, "invite", slug, errors.New("the note field did not appear"))
	}
	return r.Dialog, nil
}

// fillEmail makes the dialog's email field, when it shows one, hold
// exactly the address given.
func (ss *Session) fillEmail(p *rod.Page, slug string, opts executor.InviteOptions, d *dialogReport) error {
	if !d.EmailField || d.EmailValue == opts.Email {
		return nil
	}
	return ss.typeExactly(p, slug, "email_field", opts.Email)
}

// unapprovedText stops an invitation approved without a note whose dialog
// shows a note field holding text, which LinkedIn (or an earlier attempt)
// put there and nobody approved.
func (ss *Session) unapprovedText(p *rod.Page, slug string, opts executor.InviteOptions, d *dialogReport) error {
	if opts.Note != "" || !d.NoteField || d.NoteValue == "" {
		return nil
	}
	ss.dismiss(p, slug)
	e := executor.NewError(pacertype.OutcomeUnexpectedNote, "invite", slug, nil)
	e.Detail = fmt.Sprintf("the note field holds %q", clip(d.NoteValue, 80))
	return e
}

// beforeSend is the last look before Send: the note field holds the
// approved note and nothing else (nothing at all without one), and the
// email field, if any, exactly the address given. Anything else stops the
// invitation, nothing sent.
func (ss *Session) beforeSend(p *rod.Page, slug string, opts executor.InviteOptions, d *dialogReport) error {
	if err := ss.unapprovedText(p, slug, opts, d); err != nil {
		return err
	}
	var cause error
	switch {
	case opts.Note != "" && d.NoteValue != opts.Note:
		cause = errors.New("the note field did not hold the note as written")
	case d.EmailField && d.EmailValue != opts.Email:
		cause = errors.New("the email field did not hold the address as typed")
	default:
		return nil
	}
	ss.dismiss(p, slug)
	return executor.NewError(pacertype.OutcomeTransient, "invite", slug, cause)
}

// clip shortens s to n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// toast turns an error toast into a transient failure, closing it.
func (ss *Session) toast(p *rod.Page, slug string, r report) error {
	if r.Toast == "" {
		return nil
	}
	if el, _ := ss.site.pick(p, slug, "toast_dismiss"); el != nil {
		_ = ss.site.click(el)
	}
	e := executor.NewError(pacertype.OutcomeTransient, "invite", slug, errors.New("LinkedIn showed an error"))
	e.Detail = r.Toast
	return e
}

// confirmSent waits for the dialog to close and the top card to show
// Pending. LinkedIn's most reported false "sent" comes from skipping this.
// A top card showing a 1st-degree connection confirms it too: the invitee
// accepted at once (the profile offered Connect before Send), and waiting
// for a Pending that cannot come would report a sent invitation as failed.
func (ss *Session) confirmSent(ctx context.Context, p *rod.Page, slug string) error {
	const op = "invite"
	sent := func(r report) bool { return r.Pending || r.state() == executor.StateConnected }
	r, ok, err := ss.site.wait(ctx, p, op, slug, func(r report) bool {
		return sent(r) || r.Toast != "" ||
			(r.Dialog != nil && (r.Dialog.OutOfNotes || (r.Dialog.EmailRequired && !r.Dialog.NoteField && !r.Dialog.SendEnabled)))
	})
	if err != nil {
		return err
	}
	if err := ss.toast(p, slug, r); err != nil {
		return err
	}
	if r.Dialog != nil && r.Dialog.OutOfNotes {
		ss.dismiss(p, slug)
		e := executor.NewError(pacertype.OutcomeNoteQuotaExhausted, op, slug, nil)
		e.NotesRemaining = 0
		return e
	}
	if r.Dialog != nil && r.Dialog.EmailRequired && !sent(r) {
		ss.dismiss(p, slug)
		return executor.NewError(pacertype.OutcomeEmailRequired, op, slug, errors.New("LinkedIn did not accept the email address"))
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
	return executor.NewError(pacertype.OutcomeTransient, op, slug, errors.New("not confirmed: the profile does not show Pending after Send"))
}

// typeExactly makes the dialog field the page script names what hold
// exactly text: it clears what is there (typing alone appends to it), types
// and reads the field back. A field that does not hold text is a transient
// failure; the dialog is dismissed and nothing is sent.
func (ss *Session) typeExactly(p *rod.Page, slug, what, text string) error {
	el, err := ss.site.pick(p, slug, what)
	if err != nil {
		return err
	}
	if el == nil {
		return fmt.Errorf("the %s is gone", what)
	}
	// Clear it as a person does: select everything, delete.
	if err := el.SelectAllText(); err != nil {
		return fmt.Errorf("select the text of %s: %w", what, err)
	}
	if err := p.Keyboard.Type(input.Backspace); err != nil {
		return fmt.Errorf("clear %s: %w", what, err)
	}
	if text != "" {
		if err := el.Input(text); err != nil {
			return fmt.Errorf("type into %s: %w", what, err)
		}
	}
	v, err := el.Property("value")
	if err != nil {
		return fmt.Errorf("read %s back: %w", what, err)
	}
	if v.Str() != text {
		ss.dismiss(p, slug)
		field := strings.ReplaceAll(what, "_", " ")
		return executor.NewError(pacertype.OutcomeTransient, "invite", slug, fmt.Errorf("the %s did not hold the text as typed", field))
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
