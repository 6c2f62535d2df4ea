// Package bot is Pacer's Slack bot: the /pacer command, the proposal messages
// with their Approve, Reject, Skip and Edit note buttons, the note editor, the
// live progress cards, the reminders of undecided proposals, the daily digest,
// the weekly campaign digest with its chart (weekly.go, chart.go), the alerts
// and the App Home tab.
//
// The package is layered so that Slack's wire formats stay at the edge:
//
//   - Transports (http.go, socket.go) only translate. HTTP mode verifies the
//     v0 signature over the raw body before anything is parsed; Socket Mode
//     needs no public URL. Both turn Slack's payloads into one [Request] and
//     answer Slack with the [Ack] the handlers return, within milliseconds:
//     slow work (the database, the Web API) runs after the ack, in a
//     goroutine with its own deadline or a River job.
//   - Handlers (command.go, interaction.go, delivery.go, digest.go, weekly.go,
//     remind.go, home.go) decide what happens and return neutral views (view.go): a
//     proposal, a quota report, a digest, an alert, a reminder.
//   - Renderers (render*.go) turn views into Block Kit, within its limits (50
//     blocks a message, 3,000 characters a section, 2,000 a button value).
//     Their output is checked against golden files in testdata/.
//
// A decision on a proposal is settled once in the database (a unique index on
// decisions), whichever replica or double click carries it; the loser is told
// who decided first. Alerts and progress cards come from the events every
// state change records: each event gets a "delivery" job for the Slack
// destination, which the integrations' delivery worker hands to
// [Bot.Deliver]. A message that must go once (an alert, a digest, a reminder)
// is claimed in the database before it is posted (postOnce).
package bot
