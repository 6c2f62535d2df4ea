package linkedin

import (
	"github.com/pacerhq/pacer/executor"
)

// notices are what ends any action at once, whatever it waits for; the
// page script reads them on every page.
type notices struct {
	URL         string `json:"url"`
	Login       bool   `json:"login"`        // a sign-in wall: the session was rejected
	Checkpoint  bool   `json:"checkpoint"`   // a security checkpoint or a CAPTCHA
	Restricted  string `json:"restricted"`   // the text of a restriction notice, or ""
	WeeklyLimit bool   `json:"weekly_limit"` // the weekly-limit alert
}

// report is what the page script reads from a profile page and any dialog
// open over it.
type report struct {
	notices
	Ready          bool          `json:"ready"`
	Unavailable    bool          `json:"unavailable"`
	Topcard        bool          `json:"topcard"`
	Name           string        `json:"name"`
	Target         string        `json:"target"`
	Inferred       string        `json:"inferred"`
	More           bool          `json:"more"`
	MenuOpen       bool          `json:"menu_open"`
	Menu           bool          `json:"menu"`
	MenuItems      int           `json:"menu_items"`
	ConnectDirect  bool          `json:"connect_direct"`
	ConnectMenu    bool          `json:"connect_menu"`
	Pending        bool          `json:"pending"`
	Degree         int           `json:"degree"`
	Remove         bool          `json:"remove_connection"`
	Follow         bool          `json:"follow"`
	Following      bool          `json:"following"`
	Message        bool          `json:"message"`
	ForeignInvites int           `json:"foreign_invites"`
	Dialog         *dialogReport `json:"dialog"`
	Toast          string        `json:"toast"`
	OtherDialog    bool          `json:"other_dialog"`
	Anchors        []string      `json:"anchors"`
}

// dialogReport describes an open invite dialog.
type dialogReport struct {
	AddNote        bool   `json:"add_note"`
	SendWithout    bool   `json:"send_without"`
	Send           bool   `json:"send"`
	SendEnabled    bool   `json:"send_enabled"`
	NoteField      bool   `json:"note_field"`
	NoteValue      string `json:"note_value"`
	NoteLimit      int    `json:"note_limit"`
	Counter        string `json:"counter"`
	EmailField     bool   `json:"email_field"`
	EmailValue     string `json:"email_value"`
	EmailRequired  bool   `json:"email_required"`
	OutOfNotes     bool   `json:"out_of_notes"`
	NotesRemaining int    `json:"notes_remaining"`
	AI             bool   `json:"ai"`
	InShadow       bool   `json:"in_shadow"`
}

// settled reports whether a profile page has rendered enough to be read.
func (r report) settled() bool {
	return r.Login || r.Checkpoint || (r.Ready && (r.Topcard || r.Unavailable))
}

// state decides what a profile page offers from a report. It never guesses:
// when the page does not show Connect, Pending or a 1st-degree sign, and the
// More menu has not been read, the state is unknown.
func (r report) state() executor.State {
	switch {
	case !r.Topcard && r.Unavailable:
		return executor.StateUnavailable
	case !r.Topcard:
		return executor.StateUnknown
	case r.Pending:
		return executor.StatePending
	case r.ConnectDirect:
		return executor.StateConnect
	case r.ConnectMenu:
		return executor.StateConnectViaMore
	case r.Degree == 1 || r.Remove:
		return executor.StateConnected
	case r.Menu && r.MenuItems > 0:
		// The menu was read in full and offers no Connect.
		return executor.StateFollowOnly
	default:
		return executor.StateUnknown
	}
}

// profile turns a report into the executor's Profile.
func (r report) profile(slug string) executor.Profile {
	return executor.Profile{
		Slug: slug, Name: r.Name, State: r.state(), Degree: r.Degree,
		Following: r.Following, Anchors: r.Anchors,
	}
}

// pageReport is what the script reads from the sent-invitations,
// connections, contact-info and activity pages.
type pageReport struct {
	notices
	Ready       bool `json:"ready"`
	Unavailable bool `json:"unavailable"`
	Rows        []struct {
		Slug      string `json:"slug"`
		Name      string `json:"name"`
		Age       string `json:"age"`
		Headline  string `json:"headline"`
		Connected string `json:"connected"`
	} `json:"rows"`
	Headings []string `json:"headings"`
	Open     bool     `json:"open"`
	Emails   []string `json:"emails"`
	Empty    bool     `json:"empty"`
	Like     bool     `json:"like"`
	Reaction string   `json:"reaction"` // the latest post's Like: reactionNone, reactionMade or "unknown"
}

// The states of a Like button the page script reads from its label.
const (
	reactionNone = "none"    // the post is not liked: one click likes it
	reactionMade = "reacted" // the post is liked (or has another reaction): a click would remove it
)
