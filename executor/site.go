package executor

import (
	"context"
	"time"

	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/pacertype"
)

// State is what a profile page offers the account, as read from the page.
type State string

// The states a profile can be in.
const (
	// StateConnect means a Connect control for this person is in the top card.
	StateConnect State = "connect"
	// StateConnectViaMore means Connect for this person is in the top card's
	// More menu.
	StateConnectViaMore State = "connect_via_more"
	// StatePending means an invitation to this person is pending.
	StatePending State = "pending"
	// StateConnected means this person is a 1st-degree connection.
	StateConnected State = "connected"
	// StateFollowOnly means the profile can be followed but offers no Connect.
	StateFollowOnly State = "follow_only"
	// StateUnavailable means the profile does not exist or is not visible.
	StateUnavailable State = "unavailable"
	// StateUnknown means the page does not tell: the adapter will not act on
	// it.
	StateUnknown State = "unknown"
)

// Profile is what the adapter read from a profile page.
type Profile struct {
	// Slug is the vanity name in /in/<slug>/.
	Slug string `json:"slug"`
	// Name is the name shown in the top card, when found.
	Name string `json:"name,omitempty"`
	// State is what the page offers.
	State State `json:"state"`
	// Degree is 1, 2 or 3 when the top card shows it, else 0.
	Degree int `json:"degree,omitempty"`
	// Following reports whether the account already follows this person.
	Following bool `json:"following,omitempty"`
	// Anchors names the page anchors that matched, for diagnostics.
	Anchors []string `json:"anchors,omitempty"`
}

// Account is what a Site needs to act as one LinkedIn account.
type Account struct {
	// Name is Pacer's name for the account, used in logs.
	Name string
	// Cookies is the account's LinkedIn session (at least li_at).
	Cookies []session.Cookie
}

// InviteOptions says how to invite.
type InviteOptions struct {
	// Note is the approved personal note; empty sends without a note.
	Note string
	// Email is the member's address, used only when LinkedIn asks for it and
	// the campaign allows it. When empty and LinkedIn asks, the invitation is
	// not sent (pacertype.OutcomeEmailRequired).
	Email string
}

// InviteResult is what an invitation attempt learned.
type InviteResult struct {
	// Outcome is how the attempt ended.
	Outcome pacertype.Outcome
	// NoteLimit is the note length limit the dialog showed (200 or 300), or 0
	// when no note was written.
	NoteLimit int
	// NotesRemaining is the number of personalized invitations left this month
	// as the dialog said it, or -1 when it did not say.
	NotesRemaining int
	// SendClicked reports that Send (or Send without a note) was clicked:
	// whatever the outcome says, the invitation may have gone unless the
	// page proved otherwise. Before that click nothing was sent.
	SendClicked bool
}

// SentList is what the sent-invitations page shows: the invitations it
// lists (LinkedIn lists the newest first, a page at a time) and its count of
// all the pending ones ("People (N)"), which covers the later pages too.
type SentList struct {
	Invitations []SentInvitation `json:"invitations"`
	// Total is the page's count, or -1 when it shows none the adapter can
	// read.
	Total int `json:"total"`
}

// SentInvitation is one row of the sent-invitations page.
type SentInvitation struct {
	// Slug is the invitee's vanity name.
	Slug string `json:"slug"`
	// Name is the invitee's name as shown.
	Name string `json:"name,omitempty"`
	// AgeText is the stamp as shown, such as "Sent 3 weeks ago".
	AgeText string `json:"age_text"`
	// Age is the lower bound of the stamp's age ("3 weeks" is 21 days); zero
	// when AgeKnown is false.
	Age time.Duration `json:"age"`
	// AgeKnown is false when the stamp could not be read. An invitation whose
	// age is unknown must never be withdrawn as stale.
	AgeKnown bool `json:"age_known"`
}

// ConnectionList is what the connections page shows: the connections it
// lists (the most recently added first, a page at a time) and its count of
// all the account's connections ("1,234 connections"), which covers those
// made before Pacer and those the page does not list.
type ConnectionList struct {
	Connections []Connection `json:"connections"`
	// Total is the page's count, or -1 when it shows none the adapter can
	// read.
	Total int `json:"total"`
}

// Connection is one row of the connections page.
type Connection struct {
	// Slug is the connection's vanity name.
	Slug string `json:"slug"`
	// Name is the connection's name as shown.
	Name string `json:"name,omitempty"`
	// Headline is the line under the name, when shown.
	Headline string `json:"headline,omitempty"`
	// ConnectedText is the stamp as shown, such as "Connected on March 3, 2026".
	ConnectedText string `json:"connected_text,omitempty"`
	// ConnectedOn is the parsed date of ConnectedText, or zero.
	ConnectedOn time.Time `json:"connected_on,omitzero"`
}

// Site is a social site Pacer can act on. Open gives a Session acting as one
// account; several sessions, for different accounts, may be open at once.
type Site interface {
	// Open starts acting as acct: it gives the account its own isolated
	// browser context holding its cookies. The caller must Close the session.
	Open(ctx context.Context, acct Account) (Session, error)
}

// Session acts as one account. Its methods are not safe for concurrent use:
// an account does one thing at a time, as a person does.
//
// Every method takes a context; when the context has no deadline the adapter
// applies its own default, so no browser call can hang forever. Actions
// return a pacertype.Outcome and, unless it is pacertype.OutcomeDone, an
// *Error matching its sentinel.
type Session interface {
	// ReadState opens the profile and reads what it offers. It may open the
	// More menu to look for Connect, and never clicks anything else.
	ReadState(ctx context.Context, slug string) (Profile, error)
	// Invite sends an invitation to connect, with opts.Note if not empty, and
	// reports pacertype.OutcomeDone only once the profile shows Pending (or,
	// when the invitee accepted at once, a 1st-degree connection).
	Invite(ctx context.Context, slug string, opts InviteOptions) (InviteResult, error)
	// Follow follows the person; following someone already followed is done.
	Follow(ctx context.Context, slug string) (pacertype.Outcome, error)
	// LikeLatestPost likes the person's most recent post, unless already
	// liked.
	LikeLatestPost(ctx context.Context, slug string) (pacertype.Outcome, error)
	// ViewProfile opens the profile, which LinkedIn counts as a view.
	ViewProfile(ctx context.Context, slug string) (pacertype.Outcome, error)
	// SentInvitations reads the pending invitations the account sent.
	SentInvitations(ctx context.Context) (SentList, error)
	// Withdraw withdraws the pending invitation sent to slug.
	Withdraw(ctx context.Context, slug string) (pacertype.Outcome, error)
	// RecentConnections reads the connections page: the account's
	// connections, most recent first, and its count of them all.
	RecentConnections(ctx context.Context) (ConnectionList, error)
	// ContactEmail reads the email address a 1st-degree connection shares on
	// their contact info; it returns "" and no error when none is shared.
	ContactEmail(ctx context.Context, slug string) (string, error)
	// Cookies returns the session's current cookies, so a refreshed session
	// can be stored again.
	Cookies(ctx context.Context) ([]session.Cookie, error)
	// Close ends the session and its browser context.
	Close(ctx context.Context) error
}
