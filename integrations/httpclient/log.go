package httpclient

import (
	"log/slog"
	"net/http"
	"time"
)

// logTransport logs one line per attempt: destination, method, host, status
// and duration. Never the path, the query or a header.
type logTransport struct {
	next http.RoundTripper
	log  *slog.Logger
	name string
}

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	attrs := []slog.Attr{
		slog.String("destination", t.name),
		slog.String("method", req.Method),
		slog.String("host", req.URL.Host),
		slog.Duration("duration", time.Since(start)),
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", scrub(err.Error(), req.URL)))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			level = slog.LevelWarn
		}
	}
	t.log.LogAttrs(req.Context(), level, "http attempt", attrs...)
	return resp, err
}
