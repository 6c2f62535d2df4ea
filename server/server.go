// Package server is Pacer's HTTP server: health, readiness and metrics, and
// the routes other packages mount (the Slack endpoints in HTTP mode).
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadyFunc reports whether Pacer can do its work (database reachable,
// migrations current); its error says what is wrong.
type ReadyFunc func(ctx context.Context) error

// Server serves Pacer's HTTP endpoints.
type Server struct {
	mux      *http.ServeMux
	registry *prometheus.Registry
	logger   *slog.Logger
	http     *http.Server
}

// New builds a server with /healthz, /readyz and /metrics. Metrics are
// registered on its own registry, which Registry returns.
func New(ready ReadyFunc, logger *slog.Logger) *Server {
	s := &Server{mux: http.NewServeMux(), registry: prometheus.NewRegistry(), logger: logger}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return s
}

// Registry is where packages register their Prometheus metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handle mounts a handler, e.g. "POST /slack/commands".
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Handler returns the server's routes, for tests.
func (s *Server) Handler() http.Handler { return s.mux }

// Listen binds addr, so that a taken port is reported before anything else
// starts. Serve then serves on the returned listener.
func (s *Server) Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("server: cannot listen on %s (PACER_HTTP_ADDR): %w", addr, err)
	}
	return ln, nil
}

// Serve serves until ctx ends, then shuts down, giving requests in flight
// up to grace to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.http.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
