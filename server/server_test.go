package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEndpoints(t *testing.T) {
	t.Parallel()
	readyErr := errors.New("models: the database is not migrated; run `pacer migrate`")
	var ready error
	s := New(func(context.Context) error { return ready }, slog.New(slog.DiscardHandler))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	tests := []struct {
		name, path string
		ready      error
		wantCode   int
		wantBody   string
	}{
		{"healthz", "/healthz", nil, 200, `"ok"`},
		{"readyz ready", "/readyz", nil, 200, `"ready"`},
		{"readyz not migrated", "/readyz", readyErr, 503, "pacer migrate"},
		{"metrics", "/metrics", nil, 200, "go_goroutines"},
	}
	for _, tt := range tests {
		ready = tt.ready
		code, body := get(tt.path)
		if code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
			t.Errorf("%s: got %d %q, want %d containing %q", tt.name, code, body, tt.wantCode, tt.wantBody)
		}
	}
}
