// Package hunter is the Hunter email-finder provider
// (GET /v2/email-finder, https://hunter.io/api-documentation/v2).
//
// Hunter takes the API key in the query string, so the request URL is a
// secret: package httpclient never logs it, and this package's errors never
// show it. Hunter answers 403 when requests come too fast (retry a minute
// later: its limits are per second and per minute) and 429 when the
// month's searches are spent: the client then pauses itself until the first
// of the next month, UTC, and answers finder.ErrQuotaExhausted without
// calling Hunter.
package hunter
