package wording

import (
	"bytes"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{0, "0 accounts"},
		{1, "1 account"},
		{2, "2 accounts"},
		{-1, "-1 account"},
	}
	for _, tc := range tests {
		if got := Count(tc.n, "account", "accounts"); got != tc.want {
			t.Errorf("Count(%d): got %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"zero", 0, "0s"},
		{"nanoseconds", 123, "0µs"},
		{"microseconds", 850 * time.Microsecond, "850µs"},
		{"milliseconds", 12*time.Millisecond + 400*time.Microsecond, "12ms"},
		{"just under a second", 999_600 * time.Microsecond, "1s"},
		{"seconds and a tenth", 1500 * time.Millisecond, "1.5s"},
		{"whole seconds under ten", 2*time.Second + 20*time.Millisecond, "2s"},
		{"just under ten seconds", 9960 * time.Millisecond, "10s"},
		{"seconds", 45*time.Second + 400*time.Millisecond, "45s"},
		{"minutes", 5*time.Minute + 30*time.Second, "5m30s"},
		{"whole minutes", 10 * time.Minute, "10m"},
		{"an hour and a few nanoseconds", time.Hour + 123, "1h"},
		{"hours and minutes", 90*time.Minute + 20*time.Second, "1h30m"},
		{"a day", 24 * time.Hour, "24h"},
		{"days", 3*24*time.Hour + 4*time.Hour + 10*time.Minute, "3d4h"},
		{"whole days", 7 * 24 * time.Hour, "7d"},
		{"negative", -90 * time.Second, "-1m30s"},
		{"the most negative", math.MinInt64, "-106751d23h"},
		{"the longest", math.MaxInt64, "106751d23h"},
	}
	for _, tc := range tests {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("%s: Duration(%d): got %q, want %q", tc.name, int64(tc.d), got, tc.want)
		}
	}
}

func TestSpan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"zero", 0, "less than a minute"},
		{"negative", -time.Hour, "less than a minute"},
		{"seconds", 29 * time.Second, "less than a minute"},
		{"a minute", 50 * time.Second, "1 minute"},
		{"minutes", 45*time.Minute + 10*time.Second, "45 minutes"},
		{"almost an hour", 59*time.Minute + 40*time.Second, "1 hour"},
		{"hours", 4*time.Hour + 30*time.Second, "4 hours"},
		{"a day", 24*time.Hour + time.Minute, "1 day"},
		{"a day and some", 36 * time.Hour, "36 hours"},
		{"almost two days", 47*time.Hour + 40*time.Minute, "2 days"},
		{"days", 7*24*time.Hour + time.Minute, "7 days"},
		{"days rounded", 7*24*time.Hour + 13*time.Hour, "8 days"},
	}
	for _, tc := range tests {
		if got := Span(tc.d); got != tc.want {
			t.Errorf("%s: Span(%v): got %q, want %q", tc.name, tc.d, got, tc.want)
		}
	}
}

func TestReplaceDurations(t *testing.T) {
	t.Parallel()
	for name, newHandler := range map[string]func(*bytes.Buffer, *slog.HandlerOptions) slog.Handler{
		"text": func(b *bytes.Buffer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(b, o) },
		"json": func(b *bytes.Buffer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(b, o) },
	} {
		var buf bytes.Buffer
		log := slog.New(newHandler(&buf, &slog.HandlerOptions{ReplaceAttr: ReplaceDurations}))
		log.Info("waited", slog.Duration("wait", time.Hour+123), slog.Group("g", slog.Duration("took", 1500*time.Millisecond)))
		out := buf.String()
		for _, want := range []string{"1h", "1.5s"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: got %q, want it to contain %q", name, out, want)
			}
		}
		for _, bad := range []string{"0.000000123", "3600000000123", "1500000000"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: got %q, which holds %q", name, out, bad)
			}
		}
	}
}

// FuzzDuration: any duration is written, never by recursing forever; under
// two days, Go reads back what is written, within the rounding.
func FuzzDuration(f *testing.F) {
	for _, d := range []int64{0, 1, 999_999, 1_500_000_000, int64(time.Hour) + 123, math.MinInt64, math.MaxInt64} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		d := time.Duration(n)
		s := Duration(d)
		if s == "" {
			t.Fatalf("Duration(%d) is empty", n)
		}
		if d < -48*time.Hour || d > 48*time.Hour {
			return
		}
		back, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("Duration(%d) = %q, which Go does not read: %v", n, s, err)
		}
		if diff := (back - d).Abs(); diff > time.Minute/2 && diff > d.Abs()/50 {
			t.Fatalf("Duration(%d) = %q, %v away", n, s, diff)
		}
	})
}
