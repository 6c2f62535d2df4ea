// Package delivery works the delivery jobs that models.RecordEvent inserts:
// one River job (models.DeliveryArgs) per event and subscribed destination.
// River allows one worker per job kind, so [DeliveryWorker] is a dispatcher
// that routes each job by its destination:
//
//   - "hubspot": the event becomes a pending contact update (a row of
//     hubspot_updates), inserted with a hubspot.sync job, unique per
//     debounce period, in one transaction. [SyncWorker] leases up to 1,000
//     due rows at a time (waiting up to Options.Hold for a full batch of
//     100), upserts their contacts through hubspot.Client.SyncContacts
//     (coalesced, 100 to a call), then adds the "Connected on LinkedIn"
//     notes, 100 to a call, and writes each row's outcome back. A note's
//     creation is marked before the call, so a retry after an unknown
//     outcome looks the note up (FindNote) instead of creating a second one.
//     Failed rows retry on the webhook schedule; a HubSpot rate limit the
//     client would not wait out pauses the sync until it lifts. A minutely
//     sync is the safety net for rows no job was queued for.
//   - "webhook:<name>": a Standard Webhooks delivery of the event, converted
//     once by integrations.FromStored, so every attempt sends the same
//     webhook-id and body. Failures retry on webhook.RetryDelay's schedule
//     (about three days), honouring Retry-After; a 410 disables the
//     endpoint.
//   - "finder:hunter": a Hunter lookup of an accepted connection's email; a
//     found email is recorded as email.found, which flows to HubSpot and
//     webhooks like any event.
//   - "slack": handed to a [Deliverer] (the Slack bot), whose errors pass
//     through unchanged.
//
// Nothing is dropped. A delivery that exhausts its attempts or meets an error
// retrying cannot fix becomes a dead letter (table dead_letters) and records
// pacertype.EventDeadLettered, which Slack turns into an alert (at most one an
// hour per destination; none for Slack's own dead letters, which are only
// logged, to avoid a loop). [ListDeadLetters],
// [Retry] and [DeadLetterCount] serve `pacer deliveries list|retry` and the
// Slack digest.
//
// A webhook endpoint that answered 410 Gone stays disabled (table
// destination_states) until `pacer webhooks enable NAME`; deliveries to it
// meanwhile are held as dead letters, without an alert each, so that
// `pacer deliveries retry --all` sends them once it is enabled again. An email
// finder whose monthly quota is spent is paused until the quota renews, with
// one alert (pacertype.EventIntegrationPaused); its lookups wait, snoozed.
//
// [Service] bundles the workers, their queues and periodic jobs for
// `pacer serve`; [Service.SendTest] sends a sample event to an endpoint through the
// same code, for `pacer webhooks test`.
package delivery
