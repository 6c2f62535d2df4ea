package pacertype

import "slices"

// The reasons of account events (data.reason of account.restricted and
// account.checkpoint), as docs/events.md lists them. The runner records
// them; the bot words them for people.
const (
	// ReasonWeeklyInvitationLimit: LinkedIn showed its weekly invitation
	// limit alert.
	ReasonWeeklyInvitationLimit = "weekly_invitation_limit"
	// ReasonCheckpoint: LinkedIn showed a security checkpoint.
	ReasonCheckpoint = "checkpoint"
	// ReasonCaptcha: LinkedIn showed a CAPTCHA.
	ReasonCaptcha = "captcha"
	// ReasonSessionRejected: LinkedIn sent the account to its login page.
	ReasonSessionRejected = "session_rejected"
	// ReasonSessionMissing: Pacer holds no LinkedIn session for the account.
	ReasonSessionMissing = "session_missing"
)

var reasons = []string{
	ReasonWeeklyInvitationLimit, ReasonCheckpoint, ReasonCaptcha, ReasonSessionRejected, ReasonSessionMissing,
}

// Reasons returns every account event reason.
func Reasons() []string { return slices.Clone(reasons) }
