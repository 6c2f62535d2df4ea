// Package runner carries out approved actions on LinkedIn: it takes each
// action when the pacer says it is due, reserves its quota, drives the site
// adapter and records what happened — exactly once, even when the process
// is killed mid-click.
//
// # Claiming
//
// An action is due once its scheduled time has come, its account may act
// (active, or restricted until a time that has passed), its campaign is not
// paused, and every earlier step of its prospect's sequence is over. Each
// account is worked by one runner at a time, across all processes sharing
// the store, through a lease on the account's row (accounts.lease_owner,
// lease_until): a runner takes a free or lapsed lease with a
// compare-and-swap on the owner it saw, renews it every third of
// Options.LeaseTTL while it acts, stops acting before it lapses, and gives
// it back when the account has nothing due soon. A lease whose owner is a
// process of the same host that no longer runs is free at once, so a
// restarted `pacer serve` resumes without waiting. Up to
// Options.Concurrency accounts act at once, each in its own browser
// context.
//
// Within an account, actions go in order, each kind paced on its own: the
// runner claims an action only once quota.Engine.NextSlot has come for its
// kind, holding the lease (and the browser context) while the wait is
// shorter than Options.HoldFor and giving both back otherwise. The loop
// sleeps until the earliest due time or slot, capped by
// Options.PollInterval; it never spins.
//
// Claiming is one transaction: the lease is checked, the quota reserved
// (quota.Engine.ReserveForTx, with the note's reservation for an invitation
// that carries one) and the action marked in flight under the lease. A
// refusal moves the action to the limit's ResetAt (or Options.RecheckAfter
// when no time frees it) and claims nothing. A note the month has no room
// for is dropped when the campaign sends without notes; otherwise the
// invitation is skipped.
//
// # Outcomes
//
// Each outcome is recorded in one transaction with its consequences and its
// events (models.Store.RecordEvent), guarded by the action's lease:
//
//	done                 done; quota committed; for an invitation the prospect
//	                     turns pending and invite.sent is recorded
//	already pending,     skipped, quota given back, the prospect's state
//	already connected    updated; action.skipped
//	email required       the prospect's email is given if known and the campaign
//	                     allows it (email_when_asked), else skipped
//	note quota exhausted the account's notes left set to 0; sent without the note
//	                     if the campaign allows it, else skipped
//	weekly limit         the account restricted for 7 days, the action and every
//	                     queued invitation of the account moved to the reset,
//	                     account.restricted
//	checkpoint,          the account needs a person (models.ReasonSessionRejected
//	session rejected     for a rejected session); account.checkpoint; nothing else
//	                     is attempted for it; the action waits, its quota kept
//	suppressed           (the runner's own) the prospect went on the do-not-contact
//	                     list after the approval: skipped before their page is
//	                     opened, nothing reserved; action.skipped
//	transient            retried after Options.Backoff (doubling) with the same
//	                     reservation, up to Options.Attempts, then failed;
//	                     action.failed
//
// Events about a step of a proposal carry the proposal's id, which moves its
// Slack progress card.
//
// # Crash safety
//
// An action found in flight when the runner takes an account's lease was
// left by a runner that died (or lost its lease); whether it acted is
// unknown. It is reconciled before anything else is done for the account:
// the profile is read first, Pending means the invitation was sent (it is
// recorded and counted with its original reservation), a connection the
// recent connections list since the approval means it was sent and accepted
// (invite.sent and invite.accepted, so the CRM hears of it), and only a
// profile still offering Connect is invited again, with the same
// reservation. An action in doubt never gives its quota back. When Run's context ends, the
// runner stops claiming, lets the action in progress finish (for at most
// Options.DrainTimeout), records it and gives its leases back.
//
// # Chores
//
// The periodic jobs (PeriodicJobs, SweepWorker; River runs them on its
// leader) queue scans as actions of the accounts with invitations pending,
// which the runner carries out under the same lease, pacing and quota
// (kind scan, within the working hours and the all-actions limit):
//
//   - a scan of the recent connections turns each pending prospect found
//     there connected, with one invite.accepted; for campaigns whose
//     find_email is contact_info it queues a contact-info read (a profile
//     view), which stores the email with one email.found;
//   - a scan of the sent invitations records the pending count and queues
//     the withdrawal of those 21 days old or more (never one whose age the
//     page does not tell, at most 20 a sweep, withdrawals_per_day in the
//     quota), oldest first; the invitations Pacer sent that the page does
//     not list (LinkedIn lists the newest first, a page at a time) count by
//     Pacer's own record of when it sent them, and are withdrawn from the
//     member's profile; each withdrawal records invite.withdrawn and the
//     prospect's withdrawn_at, which blocks a new invitation for 21 days;
//     a profile found connected instead is an acceptance the scans missed,
//     recorded with its invite.accepted.
//
// Every such change is guarded by the prospect's state, so a scan or read
// run twice records its events once; the acceptance guard
// (quota.Engine.EvaluateGuardTx) judges the account after acceptances and
// withdrawals.
package runner
