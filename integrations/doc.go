// Package integrations holds what Pacer tells the outside world: the event
// payloads (invite.sent, invite.accepted, …; the types themselves are
// spelled in package pacertype) with their JSON, and the classification of a
// destination's error into what a delivery job should do next.
//
// Each destination lives in its own small package below this one:
// integrations/hubspot (contacts and notes), integrations/webhook (Standard
// Webhooks deliveries) and integrations/finder (email finders). All of them
// make their outbound HTTP calls through integrations/httpclient, and their
// Settings embed its Options. HubSpot's outbox and batched sync, which need
// the store, live in integrations/hubspot/hubspotsync.
//
// An event is stored in the same database transaction as the state change that
// caused it, together with one job per destination that subscribes to it
// (models.Subscriptions, the one router). A job calls its destination's client and hands the error,
// if any, to [Classify], which says whether to retry on the job's schedule,
// retry at a given time, keep the job as a dead letter, or disable the
// destination. Package integrations/delivery is that job's worker; it sends
// the stored event in the form [FromStored] gives it.
package integrations
