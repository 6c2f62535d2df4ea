// Package hubspotsync keeps Pacer's accepted connections, found emails,
// messages sent and replies in HubSpot: the outbox of pending contact
// updates (table hubspot_updates) and the hubspot.sync job that drains it
// through a hubspot.Client.
//
// It plugs into integrations/delivery as the Outbox of the "hubspot"
// destination: [Service.Queue] turns a delivery of an invite.accepted,
// email.found, message.sent or message.replied event into a pending update,
// inserted with a hubspot.sync job, unique per debounce period, in one
// transaction. [Worker] leases up to 1,000 due rows at a time (waiting up to
// Options.Hold for a full batch of 100), upserts their contacts through
// hubspot.Client.SyncContacts (coalesced, 100 to a call), then adds their
// notes ("Connected on LinkedIn", "LinkedIn message sent", "Replied on
// LinkedIn"), 100 to a call, then sets the lifecycle stage of the replies'
// contacts when hubspot.reply_lifecycle_stage is set, and writes each row's
// outcome back. A note's creation is marked before the call, so a retry
// after an unknown outcome looks the note up (FindNote) instead of creating
// a second one. A stage HubSpot refuses (it never moves one backwards) is
// logged, and the row is done. Failed rows retry on the
// webhook schedule, a conflict the client could not resolve yet
// (hubspot.ErrConflict) too, so that it has about three days to resolve;
// a HubSpot rate limit the client would not wait out
// pauses the sync until it lifts (delivery.Service.Pause). A minutely sync
// is the safety net for rows no job was queued for. Rows that give up
// become the delivery package's dead letters, with one alert for a round.
//
// It is a package of its own, beside the API client rather than inside it,
// so that package hubspot stays a small client free of the store and River
// (`pacer hubspot setup` and the fuzz targets use it without a database),
// and so that integrations/delivery, which this package imports, knows no
// HubSpot.
package hubspotsync
