package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/pacertype"
)

const opMessage = "message"

// member is the person a message goes to, as the page script needs it to
// tell their conversation from others: the persistent messaging overlay
// and other members' bubbles may carry composers of their own.
type member struct {
	Slug string `json:"slug"`
	URN  string `json:"urn,omitempty"`  // the profile URN id the Message link names
	Name string `json:"name,omitempty"` // the name the top card shows
}

// target is the member as the page script's target: JSON.
func (m member) target() string {
	b, _ := json.Marshal(m) // three strings: cannot fail
	return string(b)
}

// threadReport is what the page script reads of the conversation with a
// member, and what may stand in its place.
type threadReport struct {
	notices
	Ready  bool        `json:"ready"`
	Thread *paneReport `json:"thread"` // nil until the member's conversation shows
	Upsell bool        `json:"upsell"` // a Premium upsell dialog instead of a conversation
	Toast  string      `json:"toast"`
}

// paneReport is the member's conversation: its composer and messages.
type paneReport struct {
	Composer    bool   `json:"composer"`
	Text        string `json:"text"` // what the composer holds, its lines as shown
	Editable    bool   `json:"editable"`
	Send        bool   `json:"send"`
	SendEnabled bool   `json:"send_enabled"`
	InMail      bool   `json:"inmail"` // an InMail composer: a subject field or InMail text
	List        bool   `json:"list"`
	Messages    []struct {
		Own  bool   `json:"own"`
		Text string `json:"text"`
	} `json:"messages"`
}

// notConnected reports whether Message offered InMail or Premium instead
// of a conversation: the member is not a connection.
func (r threadReport) notConnected() bool {
	return r.Upsell || (r.Thread != nil && r.Thread.InMail)
}

// own counts the account's messages in the conversation and returns the
// last one.
func (t *paneReport) own() (n int, last string) {
	for _, m := range t.Messages {
		if m.Own {
			n, last = n+1, m.Text
		}
	}
	return n, last
}

// sameMessage compares a message as the conversation shows it with the
// approved text, whitespace aside: the composer was already proven to hold
// the text exactly, and the page lays lines out its own way.
func sameMessage(shown, text string) bool {
	return strings.Join(strings.Fields(shown), " ") == strings.Join(strings.Fields(text), " ")
}

// SendMessage sends text to a 1st-degree connection: it opens the
// profile, clicks the top card's own Message link, and, in the member's
// conversation only, types the approved text once into an empty composer,
// reads it back, clicks Send and requires the message to show as the
// conversation's last own message. It never clicks Write with AI and
// never sends InMail.
func (ss *Session) SendMessage(ctx context.Context, slug, text string) (pacertype.Outcome, error) {
	err := ss.run(ctx, opMessage, slug, func(ctx context.Context, p *rod.Page) error {
		return ss.sendMessage(ctx, p, slug, text)
	})
	return executor.OutcomeOf(err), err
}

func (ss *Session) sendMessage(ctx context.Context, p *rod.Page, slug, text string) error {
	if err := checkSlug(opMessage, slug); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return executor.NewError(pacertype.OutcomeTransient, opMessage, slug, errors.New("the approved message is empty: nothing to send"))
	}
	m, err := ss.openConversation(ctx, p, slug)
	if err != nil {
		return err
	}
	t, err := ss.readConversation(ctx, p, m)
	if err != nil {
		return err
	}
	before, last := t.own()
	if before > 0 && sameMessage(last, text) {
		// An earlier try clicked Send and the message went, unconfirmed:
		// typing it again would send it twice.
		return nil
	}
	if err := unapprovedDraft(slug, t); err != nil {
		return err
	}
	if err := ss.typeMessage(ctx, p, m, t, text); err != nil {
		return err
	}
	if err := ss.site.clickPick(p, m.target(), "send_message"); err != nil {
		return afterSend(executor.Transient(opMessage, slug, err))
	}
	return afterSend(ss.confirmMessage(ctx, p, m, text, before))
}

// openConversation reads the profile and, for a 1st-degree connection (or
// a profile that does not tell, where Message itself will), clicks the
// top card's own Message link: never the sticky header's copy, nor a side
// rail's.
func (ss *Session) openConversation(ctx context.Context, p *rod.Page, slug string) (member, error) {
	r, err := ss.liveState(ctx, p, opMessage, slug)
	if err != nil {
		return member{}, err
	}
	if st := r.state(); st != executor.StateConnected && (st != executor.StateUnknown || r.Degree > 1) {
		return member{}, executor.NewError(pacertype.OutcomeNotConnected, opMessage, slug, fmt.Errorf("the profile shows %s", st))
	}
	el, err := ss.site.pick(p, slug, "message_link")
	if err != nil {
		return member{}, err
	}
	if el == nil {
		return member{}, executor.NewError(pacertype.OutcomeNotConnected, opMessage, slug, errors.New("the profile offers no Message"))
	}
	href, err := el.Attribute("href")
	if err != nil || href == nil {
		return member{}, fmt.Errorf("read the Message link: %w", err)
	}
	m := member{Slug: slug, URN: profileURN(*href), Name: r.Name}
	return m, ss.site.click(el)
}

// profileURN returns the profile URN id a Message link names
// ("…?profileUrn=urn:li:fsd_profile:ACoAA…"), or "".
func profileURN(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	urn := u.Query().Get("profileUrn")
	return urn[strings.LastIndex(urn, ":")+1:]
}

// waitThread polls the member's conversation (see poll); errors name the
// member by slug.
func (ss *Session) waitThread(ctx context.Context, p *rod.Page, m member, cond func(threadReport) bool) (threadReport, bool, error) {
	r, ok, err := poll(ctx, ss.site, p, opMessage, m.target(), "thread", cond)
	var e *executor.Error
	if errors.As(err, &e) {
		e.Target = m.Slug
	}
	return r, ok, err
}

// readConversation waits for the member's conversation and its composer,
// and for its messages to stop changing, or for LinkedIn to offer InMail
// instead.
func (ss *Session) readConversation(ctx context.Context, p *rod.Page, m member) (*paneReport, error) {
	last := -1
	r, ok, err := ss.waitThread(ctx, p, m, func(r threadReport) bool {
		if r.notConnected() {
			return true
		}
		if !r.Ready || r.Thread == nil || !r.Thread.Composer {
			return false
		}
		same := len(r.Thread.Messages) == last
		last = len(r.Thread.Messages)
		return same
	})
	switch {
	case err != nil:
		return nil, err
	case r.notConnected():
		return nil, executor.NewError(pacertype.OutcomeNotConnected, opMessage, m.Slug, errors.New("Message offers InMail or Premium, not a conversation"))
	case !ok || !r.Thread.Editable:
		return nil, executor.NewError(pacertype.OutcomeUnrecognized, opMessage, m.Slug, errors.New("no conversation with a composer opened for this member"))
	}
	return r.Thread, nil
}

// unapprovedDraft stops a message whose composer holds text (a draft
// LinkedIn kept, or text it prefilled): typing would add to it, and
// clearing it could destroy a person's draft. Blank space is no text.
func unapprovedDraft(slug string, t *paneReport) error {
	if strings.TrimSpace(t.Text) == "" {
		return nil
	}
	e := executor.NewError(pacertype.OutcomeUnexpectedDraft, opMessage, slug, nil)
	e.Detail = fmt.Sprintf("the composer holds %q", clip(t.Text, 40))
	return e
}

// typeMessage types text into the composer as a person does: a click,
// then the lines, each line break a Shift+Enter (Enter alone sends when
// "Press Enter to Send" is on). It reads the composer back and requires
// exactly the text and an enabled Send; anything else is cleared, and
// nothing is sent.
func (ss *Session) typeMessage(ctx context.Context, p *rod.Page, m member, t *paneReport, text string) error {
	el, err := ss.site.pick(p, m.target(), "composer")
	if err != nil {
		return err
	}
	if el == nil {
		return errors.New("the composer is gone")
	}
	if err := ss.site.click(el); err != nil {
		return err
	}
	if t.Text != "" { // blank space only (see unapprovedDraft)
		if err := clearComposer(p, el); err != nil {
			return err
		}
	}
	if err := typeLines(p, text); err != nil {
		return err
	}
	r, ok, err := ss.waitThread(ctx, p, m, func(r threadReport) bool {
		return r.Thread != nil && r.Thread.Text == text && r.Thread.SendEnabled
	})
	if err != nil || ok {
		return err
	}
	cause := "the composer did not hold the message as typed"
	if r.Thread != nil && r.Thread.Text == text {
		cause = "Send stayed disabled"
	}
	if err := clearComposer(p, el); err != nil {
		cause += "; clearing the composer failed: " + err.Error()
	}
	return executor.NewError(pacertype.OutcomeTransient, opMessage, m.Slug, errors.New(cause+"; nothing was sent"))
}

// typeLines types text at the caret, line by line.
func typeLines(p *rod.Page, text string) error {
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			if err := p.KeyActions().Press(input.ShiftLeft).Type(input.Enter).Release(input.ShiftLeft).Do(); err != nil {
				return fmt.Errorf("break the line: %w", err)
			}
		}
		if line == "" {
			continue
		}
		if err := p.InsertText(line); err != nil {
			return fmt.Errorf("type the message: %w", err)
		}
	}
	return nil
}

// clearComposer empties the composer as a person does: select all it
// holds, delete. Setting its content would bypass the editor, whose Send
// follows its own input events.
func clearComposer(p *rod.Page, el *rod.Element) error {
	if _, err := el.Eval(`function () {
		this.focus();
		const root = this.getRootNode();
		(root.getSelection ? root.getSelection() : document.getSelection()).selectAllChildren(this);
	}`); err != nil {
		return fmt.Errorf("select the composer's text: %w", err)
	}
	if err := p.Keyboard.Type(input.Backspace); err != nil {
		return fmt.Errorf("clear the composer: %w", err)
	}
	return nil
}

// confirmMessage waits for the message to show as the conversation's last
// own message, after the before own messages there were, reading the
// conversation again from a reload if it does not update in place. An
// error toast means it did not go: the composer, which holds exactly the
// approved text, is cleared for the next try.
func (ss *Session) confirmMessage(ctx context.Context, p *rod.Page, m member, text string, before int) error {
	shown := func(r threadReport) bool {
		if r.Thread == nil {
			return false
		}
		n, last := r.Thread.own()
		return n > before && sameMessage(last, text)
	}
	r, ok, err := ss.waitThread(ctx, p, m, func(r threadReport) bool { return shown(r) || r.Toast != "" })
	switch {
	case err != nil:
		return err
	case r.Toast != "":
		if el, _ := ss.site.pick(p, m.target(), "composer"); el != nil {
			_ = clearComposer(p, el)
		}
		e := executor.NewError(pacertype.OutcomeTransient, opMessage, m.Slug, errors.New("LinkedIn showed an error after Send"))
		e.Detail = r.Toast
		return e
	case ok:
		return nil
	}
	if err := p.Reload(); err != nil {
		return err
	}
	if _, ok, err = ss.waitThread(ctx, p, m, shown); err != nil || ok {
		return err
	}
	return executor.NewError(pacertype.OutcomeTransient, opMessage, m.Slug, errors.New("not confirmed: the message does not show in the conversation after Send"))
}

// afterSend marks a failure after Send was clicked: the message may have
// gone, and a retry looks for it in the conversation before typing again.
func afterSend(err error) error {
	var e *executor.Error
	if errors.As(err, &e) && e.Detail == "" {
		e.Detail = "Send was clicked: the message may have gone; a retry looks for it before typing again"
	}
	return err
}
