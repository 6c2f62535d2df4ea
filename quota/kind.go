package quota

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pacerhq/pacer/models"
)

// Kinds of counted actions. The names of the kinds that are also action
// kinds (models.Action.Kind) are the same strings, so the runner can pass an
// action's kind as it is.
const (
	// KindInvite is a connection invitation.
	KindInvite = models.ActionInvite
	// KindNote is the personalized note of an invitation. It is reserved in
	// addition to the invitation and counts only against the notes per
	// month; it is not an action of its own.
	KindNote = "note"
	// KindView is a profile view.
	KindView = models.ActionView
	// KindReadEmail reads a connection's contact info; LinkedIn counts it as
	// a profile view.
	KindReadEmail = models.ActionReadInfo
	// KindFollow follows a member.
	KindFollow = models.ActionFollow
	// KindLike likes a member's post.
	KindLike = models.ActionLike
	// KindWithdraw withdraws a pending invitation.
	KindWithdraw = models.ActionWithdraw
	// KindScan reads the account's connections, sent invitations or
	// messaging list.
	KindScan = models.ActionScan
	// KindEventInvite invites a connection to a LinkedIn event.
	KindEventInvite = "event_invite"
	// KindMessage sends a message to a connection.
	KindMessage = models.ActionMessage
	// KindUnsentInvite is the profile an invitation attempt opened when it
	// sent nothing (already connected, pending, an email asked for, a
	// failure before Send…): a profile view and an action, not an
	// invitation. The pacer gives the day one more invitation slot for it.
	KindUnsentInvite = "invite_unsent"
)

// Kinds lists every kind the engine counts.
var Kinds = []string{
	KindInvite, KindNote, KindView, KindReadEmail, KindFollow, KindLike,
	KindWithdraw, KindScan, KindEventInvite, KindMessage, KindUnsentInvite,
}

// actionKinds are the kinds that are actions of their own: every one of
// them counts against the actions per day. A note rides on its invitation.
var actionKinds = []string{
	KindInvite, KindView, KindReadEmail, KindFollow, KindLike,
	KindWithdraw, KindScan, KindEventInvite, KindMessage, KindUnsentInvite,
}

// profileKinds are the actions that open a member's profile (or their
// activity, under it): LinkedIn counts every such page load as a profile
// view, whether the action then goes or not. A message opens the profile
// too, for its Message button.
var profileKinds = []string{KindView, KindReadEmail, KindInvite, KindUnsentInvite, KindFollow, KindLike, KindMessage}

// pageLoadKind is what an entry of kind counts as when its page was opened
// but the action itself did not happen: an unsent invitation's profile, a
// profile view for the other kinds that open a profile, a page read (a
// scan) for the others.
func pageLoadKind(kind string) string {
	if kind == KindInvite {
		return KindUnsentInvite
	}
	if slices.Contains(profileKinds, kind) {
		return KindView
	}
	return KindScan
}

// CheckKind returns nil for a known kind and an error naming the kind and
// the valid ones otherwise.
func CheckKind(kind string) error {
	if slices.Contains(Kinds, kind) {
		return nil
	}
	return fmt.Errorf("%w %q; use one of %s", ErrUnknownKind, kind, strings.Join(Kinds, ", "))
}

// Names of the limits, as LimitError.Limit and Usage report them. Those
// that are configurable have the name of their configuration key.
const (
	LimitInvitesPerWeek      = "invites_per_week"
	LimitInvitesPerDay       = "invites_per_day"
	LimitNotesPerMonth       = "notes_per_month"
	LimitNotesLeft           = "notes_left"
	LimitProfileViewsPerDay  = "profile_views_per_day"
	LimitActionsPerDay       = "actions_per_day"
	LimitEventInvitesPerWeek = "event_invites_per_week"
	LimitWithdrawalsPerDay   = "withdrawals_per_day"
	LimitMessagesPerDay      = "messages_per_day"
	LimitMaxConnections      = "max_connections"
	LimitPendingStop         = "pending_stop"
	LimitReinvite            = "reinvite_after_withdraw"
	LimitAcceptanceGuard     = "acceptance_guard"
	LimitAccountState        = "account_state"
)

// Window kinds of a counter.
const (
	WindowDay     = "day"
	WindowMonth   = "month"
	WindowRolling = "rolling 7 days"
	// WindowAnchored resets 7 days after the first invitation of the window.
	WindowAnchored = "anchored 7 days"
)

// Week is the length of the weekly windows. LinkedIn counts a week as 7 × 24
// hours, so a week across a DST change is 7 × 24 hours too, not 7 local days.
const Week = 7 * 24 * time.Hour

// ReinviteBlock is how long after a withdrawal the same member cannot be
// invited again (LinkedIn's rule; not configurable).
const ReinviteBlock = 21 * 24 * time.Hour

// counter is one counted limit: the kinds it counts, its window and its
// maximum for an account.
type counter struct {
	limit  string
	kinds  []string
	window string
	max    int
}

// counts reports whether the counter counts entries of kind.
func (c counter) counts(kind string) bool { return slices.Contains(c.kinds, kind) }

// counters returns the account's counted limits. Limits set to
// config.Unlimited are left out.
func (s *settings) counters() []counter {
	weekly := WindowRolling
	if s.anchored {
		weekly = WindowAnchored
	}
	cs := []counter{
		{LimitInvitesPerWeek, []string{KindInvite}, weekly, s.invitesPerWeek},
		{LimitInvitesPerDay, []string{KindInvite}, WindowDay, s.invitesPerDay},
		{LimitNotesPerMonth, []string{KindNote}, WindowMonth, s.notesPerMonth},
		{LimitProfileViewsPerDay, profileKinds, WindowDay, s.viewsPerDay},
		{LimitActionsPerDay, actionKinds, WindowDay, s.actionsPerDay},
		{LimitEventInvitesPerWeek, []string{KindEventInvite}, WindowRolling, s.eventInvitesPerWeek},
		{LimitWithdrawalsPerDay, []string{KindWithdraw}, WindowDay, s.withdrawalsPerDay},
		{LimitMessagesPerDay, []string{KindMessage}, WindowDay, s.messagesPerDay},
	}
	return slices.DeleteFunc(cs, func(c counter) bool { return c.max < 0 })
}
