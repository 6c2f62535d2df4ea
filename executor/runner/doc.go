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
// it back when the account has nothing due soon. Lease times are read on
// the database's clock (models.Store.Now), so nodes whose clocks disagree
// judge a lease alike. An owner names its host, its process space (boot
// and PID namespace) and its PID: a lease whose owner is a process of the
// same space that no longer runs is free at once, so a restarted `pacer
// serve` resumes without waiting, while a container sharing the hostname
// never takes a live process's lease for a dead one's. Up to
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
// that carries one) and the action marked in flight under the lease. Every
// attempt reserves afresh, against the limits of the moment it is made: a
// retry counts on the day it is sent, never on the day of a first attempt.
// A slot whose time has come is granted at once, however late the runner
// wakes. A
// refusal moves the action to the limit's ResetAt (or Options.RecheckAfter
// when no time frees it) and claims nothing. A note the month has no room
// for is dropped when the campaign sends without notes; otherwise the
// invitation is skipped.
//
// # Outcomes
//
// Each outcome is recorded in one transaction with its consequences and its
// events (models.Store.RecordEvent), guarded by the action's lease. Quota a
// page load used is never given back: an attempt that opened a profile
// counts as the profile view it was (quota.Engine.PageLoadTx), and the
// minimum gap counts from the end of the previous action
// (quota.Engine.ActedTx). An invitation counts only when Send was clicked
// or its outcome is in real doubt; an invitation attempt that sent nothing
// counts as invite_unsent (a profile view and an action):
//
//	done                 done; quota committed; for an invitation the prospect
//	                     turns pending and invite.sent is recorded; for a
//	                     follow-up message message.sent, with its text
//	already pending,     skipped, the page load counted, the invitation and
//	already connected    note given back, the prospect's state updated;
//	                     action.skipped
//	email required       the prospect's email is given if known and the campaign
//	                     allows it (email_when_asked), else skipped
//	note quota exhausted the account's notes left set to 0; sent without the note
//	                     if the campaign allows it, else skipped
//	weekly limit         the account restricted for 7 days, the action and every
//	                     queued invitation of the account moved to the reset,
//	                     account.restricted
//	checkpoint,          the account needs a person (models.ReasonSessionRejected
//	session rejected     for a rejected session); account.checkpoint; nothing else
//	                     is attempted for it; the action waits, in doubt if Send
//	                     was clicked, and reserves again when it is retried
//	suppressed           (the runner's own) the prospect went on the do-not-contact
//	                     list after the approval: skipped before their page is
//	                     opened, nothing reserved; action.skipped
//	replied              (the runner's own) a follow-up message to a prospect
//	                     who replied since its approval: skipped the same way
//	not connected        a message to someone no longer a connection: skipped,
//	                     the profile view counted
//	unexpected note,     (the adapter's) text in the note field of an invitation
//	unexpected draft     approved without one, or in a message's composer:
//	                     failed before anything is sent, for a person to look
//	transient            retried after Options.Backoff (doubling), each attempt
//	                     reserving anew, up to Options.Attempts, then failed;
//	                     action.failed
//
// Events about a step of a proposal carry the proposal's id, which moves its
// Slack progress card.
//
// # Crash safety
//
// An action found in flight when the runner takes an account's lease was
// left by a runner that died (or lost its lease); whether it acted is
// unknown. Its reservations are committed (an action in doubt never gives
// its quota back) and it is put back in doubt (actions.in_doubt), to be
// retried through the normal pacing: its next attempt reserves anew and
// reads the profile first. Pending means the invitation was sent (recorded
// once: of the attempts, one counts the invitation, the others the page
// loads they were), a connection the recent connections list since the
// approval means it was sent and accepted (invite.sent and invite.accepted,
// so the CRM hears of it), and only a profile still offering Connect is
// invited again. A follow-up message needs nothing more: the adapter finds
// its text as the conversation's last own message and types nothing, and
// the message counts once (the attempt that saw it sent counts it, the
// earlier ones the profile views they were). When Run's context ends, the runner stops claiming, lets
// the action in progress finish (for at most Options.DrainTimeout), records
// it and gives its leases back.
//
// # Chores
//
// The periodic jobs (PeriodicJobs, SweepWorker; River runs them on its
// leader) queue scans as actions of the accounts with invitations pending
// or follow-up messages awaiting a reply, which the runner carries out
// under the same lease, pacing and quota (kind scan, within the working
// hours and the all-actions limit):
//
//   - a scan of the recent connections turns each pending prospect found
//     there connected, with one invite.accepted; for campaigns whose
//     find_email is contact_info it queues a contact-info read (a profile
//     view), which stores the email with one email.found. It also records
//     the page's count of all the account's connections
//     (quota.Engine.ConnectionsReadTx), for the 30,000 ceiling: a session
//     opened for an account whose count is unknown or a day old queues
//     this scan, and a never-read account sends no invitation before it;
//   - a scan of the sent invitations records the pending count and queues
//     the withdrawal of those 21 days old or more (never one whose age the
//     page does not tell, at most 20 a sweep, withdrawals_per_day in the
//     quota), oldest first; the invitations Pacer sent that the page does
//     not list (LinkedIn lists the newest first, a page at a time) count by
//     Pacer's own record of when it sent them, and are withdrawn from the
//     member's profile; each withdrawal records invite.withdrawn and the
//     prospect's withdrawn_at, which blocks a new invitation for 21 days;
//     a profile found connected instead is an acceptance the scans missed,
//     recorded with its invite.accepted;
//   - the same daily scan proves delivery, after a scan of the acceptances:
//     each invitation Pacer recorded as sent in the last 21 days is
//     confirmed (actions.delivery) when the page lists it or it was
//     accepted or withdrawn, and missing when the page would list it (it
//     shows all, or the invitation is younger than its oldest row) and
//     does not; the newly missing raise one account.delivery_missing alert
//     naming them, and the digest shows "sent N · confirmed on LinkedIn N ·
//     mismatched M". A missing invitation is never sent again by itself;
//   - a scan of the messaging list (every ScanEvery, for the accounts with
//     follow-up messages waiting, or sent in the last 30 days, to prospects
//     who have not replied) reads the conversations since the last such
//     scan: one whose last message is the prospect's, known by the profile
//     its card links or, when it links none, by a name that is exactly one
//     such prospect's, sets their replied_at, cancels their follow-ups not
//     yet sent (outcome replied) and records one message.replied with the
//     reply's start and the conversation's address.
//
// Every such change is guarded by the prospect's state (or replied_at), so
// a scan or read run twice records its events once; the acceptance guard
// (quota.Engine.EvaluateGuardTx) judges the account after acceptances and
// withdrawals.
package runner
