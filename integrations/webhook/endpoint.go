package webhook

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/pacerhq/pacer/integrations"
	"github.com/pacerhq/pacer/integrations/httpclient"
)

// ErrInvalidURL means an endpoint URL is not acceptable. It matches
// integrations.ErrPermanent: retrying cannot fix configuration.
var ErrInvalidURL = integrations.NewSentinel("webhook: invalid endpoint URL", integrations.ErrPermanent)

// ValidateURL checks that raw is an https:// URL, or an http:// URL of a
// loopback host (localhost, 127.0.0.0/8, ::1) for local development. Its
// error shows the URL redacted to scheme://host/…, since the path or query may
// hold a secret.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %s does not parse", ErrInvalidURL, httpclient.Redact(raw))
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: %s has no host", ErrInvalidURL, httpclient.RedactURL(u))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %s must use https:// (http:// is accepted only for localhost, 127.0.0.0/8 and ::1)", ErrInvalidURL, httpclient.RedactURL(u))
	}
	return fmt.Errorf("%w: %s must use https://", ErrInvalidURL, httpclient.RedactURL(u))
}

func isLoopback(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// endpointError names the endpoint in a configuration error.
func endpointError(name string, err error) error {
	return fmt.Errorf("webhook: endpoint %q: %w", name, err)
}
