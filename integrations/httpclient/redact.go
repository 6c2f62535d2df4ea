package httpclient

import (
	"net/url"
	"strings"
)

// Redact returns raw reduced to "scheme://host/…", for logs, errors and
// messages: paths and query strings may hold secrets (a webhook's secret
// path, Hunter's api_key), so they are never shown. It returns
// "(invalid URL)" when raw does not parse.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return RedactURL(u)
}

// RedactURL is Redact for a parsed URL.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	s := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawPath != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return s + "/…"
	}
	return s + "/"
}

// scrub removes u's full form, path and query from s.
func scrub(s string, u *url.URL) string {
	if u == nil {
		return s
	}
	red := RedactURL(u)
	for _, secret := range []string{u.String(), u.Redacted(), u.RequestURI(), u.RawQuery, u.EscapedPath()} {
		if len(secret) > 1 {
			s = strings.ReplaceAll(s, secret, red)
		}
	}
	if q, err := url.QueryUnescape(u.RawQuery); err == nil && len(q) > 1 {
		s = strings.ReplaceAll(s, q, "…")
	}
	return s
}
