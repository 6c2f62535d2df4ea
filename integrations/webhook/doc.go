// Package webhook delivers events to webhook endpoints following Standard
// Webhooks (https://www.standardwebhooks.com/): a JSON body
// {"type", "timestamp", "data"}, and the headers webhook-id (the event id,
// the same on every attempt), webhook-timestamp and webhook-signature
// ("v1," + base64 HMAC-SHA256 of "id.timestamp.body", keyed with the decoded
// "whsec_…" secret).
//
// A [Client] makes one attempt per [Client.Deliver] call; retries belong to
// the delivery job, on the schedule of [RetryDelay] (about three days, like
// Svix's). A 2xx answer is a delivery; 410 Gone means the receiver asked to be
// disabled ([ErrGone]); anything else, including a 3xx (redirects are not
// followed), a 429, a 5xx and a timeout, is retried.
//
// [Sign] and [Verify] are exported for receivers written in Go and for
// tests; package webhooktest has a receiver that verifies signatures with its
// own code.
package webhook
