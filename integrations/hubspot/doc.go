// Package hubspot pushes Pacer's prospects into HubSpot: contacts through
// batch upsert, a note on the contact for each accepted connection, message
// sent and reply ([ConnectedNote], [SentNote], [RepliedNote]), the contact's
// lifecycle stage ([Client.SetLifecycleStage]), and the custom contact
// property that holds the LinkedIn profile URL.
//
// Contact updates are coalesced ([Coalesce]): updates to the same person
// merge (later non-empty fields win) and are sent 100 to a call, so 10,000
// accepted connections take about 100 calls. A contact with an email is
// upserted by email; one without is upserted by the profile-URL property,
// which [Client.EnsureProfileURLProperty] creates with unique values.
// [Client.SyncContacts] does all of it and reports an outcome per update.
//
// HubSpot refuses a whole batch upsert with 409 Conflict ("Contact already
// exists. Existing ID: 12345") when one input's email or profile URL
// belongs to another contact: typically an email found for a connection
// Pacer created earlier by its profile URL. SyncContacts finds the inputs
// in conflict and the contacts that hold their values (the contact the
// message names, read by id; else one search by profile URL and email),
// updates those contacts by id (batch update) and upserts the others, so
// that every email lands on its contact and no contact is created twice. A
// conflict it cannot resolve yet (HubSpot's search index, which lags behind
// writes, does not show the other contact yet; or the email and the profile
// URL belong to two contacts someone must merge) is an [ErrConflict], which
// is retried. Any other error that refuses a whole batch but names inputs
// fails those inputs only.
//
// The client paces itself under HubSpot's burst limit (100 requests per 10 s
// by default, the limit of a private app on Free and Starter) and reads the
// X-HubSpot-RateLimit-* headers. A 429 becomes a *[RateLimitError] whose
// wait follows its policyName: at least the 10-second window for
// TEN_SECONDLY_ROLLING, the next midnight for DAILY (in
// Settings.DailyResetLocation, UTC by default: HubSpot resets daily limits at
// midnight in the portal's time zone, which the API does not tell).
//
// Errors match the classes of package integrations, so a delivery job needs
// only integrations.Classify: [ErrRejected] (400-class, retrying cannot
// help: a dead letter carrying HubSpot's message), [ErrRateLimited] (retry at
// RetryAt), and everything else (5xx, network, [ErrUnauthorized],
// [ErrConflict]) retried with backoff. The token never appears in a log line
// or an error.
//
// HubSpot moves a lifecycle stage forward only: setting an earlier stage is
// refused with a 400 naming lifecyclestage, an error matching
// [ErrLifecycleStageKept], after which the contact keeps its stage.
//
// Note creation is not idempotent. Store the note id [Client.CreateNote]
// returns; when a call ended in [ErrOutcomeUnknown] (the request may have
// reached HubSpot), call [Client.FindNote] before creating it again.
package hubspot
