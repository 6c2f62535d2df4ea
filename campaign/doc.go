// Package campaign builds what the team approves in Slack: batches of
// prospects, each with a personalized note, sized to what the sending
// account can safely send in the next days.
//
// It covers, in the order data flows:
//
//   - Import streams a CSV file (or any io.Reader, such as a file shared in
//     Slack) into a campaign. Profile URLs are normalized to the member's
//     slug by ParseProfileURL, which is how a person is known team-wide.
//     Rows are written in batches, each in its own transaction; importing the
//     same file again adds nothing.
//   - Suppress, Unsuppress and Suppressions keep the do-not-contact list:
//     profile URLs or slugs, email addresses, and whole email domains
//     (written "acme.com" or "@acme.com"; a domain also covers its
//     subdomains, so "acme.com" suppresses "ada@eu.acme.com").
//   - ParseTemplate and Template.Render fill a campaign's note template
//     ({{first_name}}, {{company|your team}}, any CSV column); Lint checks the
//     rendered note against the sending account's limits.
//   - ParseSequence turns a campaign's steps into the actions an approved
//     prospect goes through (by default a single invitation with its note).
//   - Proposer.Propose picks the next eligible prospects of a campaign and
//     stores them as a proposal; Proposer.ProposeDue does so by itself, on
//     the campaign's schedule or when the approved queue runs low.
//   - Proposer.Approve, ApproveItems, Reject, SkipItem and EditNote are the
//     decisions the Slack bot relays. Each is recorded in the audit trail; a
//     proposal is settled once, by a unique index, however many replicas or
//     double clicks race for it. An approval records, beside itself, each
//     item it approved with the exact note approved.
//   - Audit lists the decisions made since a time, with what each approved
//     item sent and when; WriteAuditCSV and WriteAuditJSON write them for
//     `pacer audit export`.
//
// # Who is never proposed
//
// A prospect is proposed only when the team has not contacted them: their
// state is new, or they were withdrawn at least 21 days ago. They are left
// out when they are on the do-not-contact list (by slug, email or email
// domain), when another campaign holds them in a proposal or an approved
// batch, or when another live campaign (active, and still in the
// configuration) enrolled them first. This holds whichever account would
// send. Approval checks it again: a prospect who became ineligible while the
// proposal waited in Slack is left out, and the result says why.
//
// # Several senders
//
// A campaign may be shared by several accounts (config.Campaign.Senders).
// Each sender proposes and is decided apart: its own open proposal of each
// kind, sized by its own room, its own forecast and notes. A prospect is
// proposed to one sender only: not to a sender when another (not stopped)
// sender of the campaign touched them first, and never when they are a
// known connection of any account of the team (ImportConnections, or seen
// on a profile). Rehome moves a stopped sender's approved invitations to
// another sender only when that sender's note for them is the approved
// text word for word, and returns the others to the queue.
//
// # Order
//
// Prospects are proposed by priority, then in import order. An import's
// optional priority column reads "higher goes first"; it is stored negated in
// Enrollment.Priority, whose smaller values go first, so that the index
// enrollments_next (campaign_id, state, priority, position) yields the order
// without sorting, and the proposer reads only the head of the queue.
//
// A prospect the proposer has to pass over to fill a batch leaves the queue
// when they are connected or unavailable (their enrollment is skipped), and
// otherwise (pending, withdrawn less than 21 days ago, suppressed, held by
// another campaign) moves one priority step back: the next proposal does not
// walk over them again, and they are proposed, a little later, once eligible.
// Most never reach the head of a queue: when the runner contacts someone (or
// finds them pending or connected), models.DeferInOtherQueues moves them one
// step back in the other campaigns' queues, and an import enrolls people the
// team already contacted one step back too.
//
// A proposal walks at most the first 1,000 prospects of the queue, so that
// it stays quick whatever the head of the queue holds (a database changed
// behind Pacer's back can leave it full of people contacted elsewhere).
// When those hold fewer prospects it may propose than the batch could take,
// and more are queued behind them, it passes over all the others it walked:
// the batch is smaller, and the next proposal goes on from there; when they
// hold none, Propose proposes nothing and says so (ErrQueueTidied), and
// ProposeDue goes on by itself, a few windows a run. Only a walk that
// reached the end of the queue reports it empty (ErrQueueEmpty): a queue of
// more than 1,000 prospects none of whom may be proposed is never reported
// empty, each proposal moving one more window a step back.
//
// # Versions
//
// A proposal's version grows with every skip and every note edit. Approve and
// Reject carry the version the approver saw; an older one is refused with a
// *StaleError (errors.Is ErrStale), so the bot refreshes the message and the
// approver decides on what will actually be sent.
package campaign
