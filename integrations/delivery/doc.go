// Package delivery works the delivery jobs that models.RecordEvent inserts:
// one River job (models.DeliveryArgs) per event and subscribed destination.
// River allows one worker per job kind, so [DeliveryWorker] is a dispatcher
// that routes each job by its destination:
//
//   - "hubspot": handed to the [Outbox] set for it (integrations/hubspot/hubspotsync),
//     which keeps the event for HubSpot's batched sync; the sync's failures
//     become this package's dead letters and pauses ([Service.KeepDeadLetters],
//     [Service.Pause]).
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
