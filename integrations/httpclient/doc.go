// Package httpclient is the one factory for Pacer's outbound HTTP clients
// (HubSpot, webhooks, email finders), built on go-retryablehttp.
//
// A client made by [New] has a per-attempt timeout, a "Pacer/<version>"
// User-Agent, bounded retries with jittered exponential backoff, and a
// per-destination [Policy] (its [Options] are what callers of an integration
// tune; each integration's Settings embed them):
//
//   - Network errors and 5xx answers are retried only for idempotent calls:
//     GET, HEAD, OPTIONS, PUT, DELETE, a request carrying an Idempotency-Key
//     header, or a context marked with [WithIdempotent]. A POST is retried
//     only when it certainly did not reach the server (the connection could not
//     be opened) or was refused with 429.
//   - A server's Retry-After is honoured up to Policy.MaxRetryAfter. When it
//     asks for longer, the call ends at once with that response, so the caller
//     can reschedule its job instead of holding a worker.
//   - When retries are exhausted, Do returns the last response (not an error),
//     so the caller can read the status and the body of a 4xx or 5xx.
//   - With Policy.NoRedirects, a 3xx answer is returned as it is.
//
// Logging is secret-safe: a log line carries the destination name, the
// method, the host and the status, never a path, a query string or a header,
// since those may hold tokens (Hunter's api_key, a webhook URL's secret path).
// Errors are scrubbed the same way: the standard library's *url.Error, which
// quotes the whole URL, never escapes this package.
package httpclient
