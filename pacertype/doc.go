// Package pacertype holds the words that cross Pacer's layers: the event
// types the runner, the campaign and the bot record and the integrations
// deliver, the outcomes an action ends with, the reasons account events
// give and the email finders a campaign may use.
//
// Their string values are stored in the database and sent to webhook
// receivers, so they never change; new ones may be added. Every package
// spells them through the constants here, never as string literals (a test
// in this package fails when a literal of this vocabulary appears anywhere
// else), so adding an event type or an outcome is one change in one place.
//
// Like River's rivertype, this package is a leaf: it imports nothing of
// Pacer's, so any package may import it without creating a cycle.
package pacertype
