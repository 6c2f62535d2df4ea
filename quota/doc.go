// Package quota keeps Pacer's LinkedIn accounts within LinkedIn's limits
// and uses the whole safe quota evenly: it counts every action in a ledger,
// reserves quota atomically before an action, paces actions over the
// working hours, forecasts when queued invitations will go, and guards the
// accounts (paused, restricted, needing a human, a falling acceptance rate).
//
// # Limits
//
// Each account's limits come from its plan and its overrides in the
// configuration (config.Effective; the table and the ceilings live in
// config/limits.go, DESIGN §5). Every kind of action counts against the
// limits that concern it:
//
//	kind                          counts against
//	invite                        invites_per_week, invites_per_day, actions_per_day;
//	                              refused while the acceptance guard pauses inviting, when
//	                              pending invitations reach pending_stop (700), or when
//	                              connections + pending reach max_connections (30,000)
//	note                          notes_per_month (free: 5) and what LinkedIn says is left
//	view, read_email              profile_views_per_day, actions_per_day
//	withdraw                      withdrawals_per_day, actions_per_day
//	event_invite                  event_invites_per_week (rolling), actions_per_day
//	follow, like, scan, message   actions_per_day
//
// A note is reserved in addition to its invitation (two reservations) and is
// not an action of its own. A Request with a ProspectID makes an invitation's
// reservation check the 21-day block after a withdrawal of that member;
// CanInvite checks it alone. Note length is counted in characters (code
// points), not bytes: NoteLength, NoteChars, CheckNote.
//
// # Windows
//
// Days and months are local to the account's timezone: a day runs from local
// midnight to local midnight (23 or 25 hours across a DST change), a month
// from the 1st. The weekly window is rolling by default: any 7 × 24 hours
// (LinkedIn's week is a duration, so it stays 168 hours across DST). With
// weekly_window: anchored it starts with the first invitation of a window
// and resets 7 days later, as LinkedIn's own counter does; its start is kept
// on the account, moved under the account's lock.
//
// # Reservations
//
// Reserve (ReserveTx, ReserveFor, ReserveForTx) checks every limit of the
// kind and records a reservation in one transaction that holds the
// account's row lock (Postgres) or the database's write lock (SQLite opens
// immediate transactions): several processes reserving for one account
// never pass a limit. Reserved entries count at once. Commit marks one used;
// Release gives it back, only before it expires, and only when the action
// certainly did not happen. A reservation whose outcome never comes expires
// into used (ExpireReservations settles them; a late Release is refused with
// ErrReservationSettled): when in doubt, it counts.
//
// A refusal is a *LimitError naming the limit, the count, and ResetAt, when
// it frees up, so that a job snoozes exactly that long; it matches ErrLimit,
// or ErrAccountNotActive for a paused, restricted or needs_human account.
// A zero ResetAt means no time frees it (a person must act, or new facts
// must come: acceptances, withdrawals).
//
// # Pacing
//
// NextSlot says when the next action of a kind may run. A day's budget of
// invitations is what is left of the weekly limit spread over the working
// days ahead (for each of the next 7 days, the invitations still counted in
// the window that ends with it leave room for the days up to it; the even
// rate that fits every such window), capped by the daily limit. The open
// hours are cut into as many equal sub-slots as the budget, and each action
// goes at a random point of its sub-slot, at least MinGap (90 s) after the
// account's previous action. Nothing catches up in a burst: after a pause
// the plan resumes at the current sub-slot and never goes faster than 4/3 of
// the even pace; what a day missed is spread over the following days by the
// weekly share. The jitter is drawn from the seeded source once and then
// derived from the account, day and sub-slot, so asking NextSlot again gives
// the same answer. PaceFast drops working hours and spreading (about one
// second between actions) for demos and tests; every limit still holds.
//
// Forecast and Capacity play the same pacer forward on a copy of the
// account's ledger, behind the account's scheduled actions.
//
// # Guards
//
// Pause, Resume, Restrict and SetNeedsHuman set the account's state;
// restricted ends by itself at its time; needs_human only a person clears.
// The runner records the public events (account.restricted,
// account.checkpoint) in the same transaction as RestrictTx or
// SetNeedsHumanTx. EvaluateGuard judges the acceptance rate over the last 50
// decided invitations (see its documentation for "decided") once at least
// 20 are decided: under 20% the daily invitation rate halves, under 10%
// inviting pauses, and a level is left only 5 points above its threshold;
// each change records a pacertype.EventGuardTripped event. SetNetwork records
// connections and pending invitations and raises pacertype.EventPendingAlert
// when pending crosses 500 (and again at 700, where inviting stops).
package quota
