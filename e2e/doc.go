// Package e2e holds the end-to-end test of Pacer's whole loop: a CSV of
// prospects imported, a proposal decided in Slack, invitations sent from a
// real Chromium to the LinkedIn simulator, acceptances and emails pushed to
// HubSpot and to a signed webhook, and the numbers Slack shows checked
// against the simulator and the ledger.
//
// The test builds `pacer` and runs it as separate processes (`pacer sim`,
// `pacer serve --sim-url … --pace fast`, and the one-shot commands) in
// Slack's HTTP mode, against local fakes of the Slack Web API, HubSpot and
// a webhook receiver, on SQLite and again on Postgres. Everything it sends
// to Pacer is signed and shaped as Slack sends it. The package has no code
// of its own: it is all in its tests.
package e2e
