// Package finder finds prospects' email addresses through pluggable API
// providers: package finder/hunter asks Hunter's email-finder API. (The
// contact-info overlay of a 1st-degree connection is read by the runner
// itself, as a paced browser action that costs a profile view.)
//
// A provider answers an email, or an error matching [ErrNotFound] (nothing
// to find: the job is done, without an email.found event),
// [ErrRateLimited] (retry at RetryAt), [ErrQuotaExhausted] (pause the
// provider until RetryAt, when the month turns, and alert) or [ErrRejected]
// (a dead letter). Any other error is retried with backoff. The error
// classes match those of package integrations, so integrations.Classify
// works on them once ErrNotFound is handled.
package finder
