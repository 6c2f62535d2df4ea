package wording

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// Count writes n with its noun: Count(1, "account", "accounts") is
// "1 account", Count(0, "account", "accounts") is "0 accounts".
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Noun(n, one, many)
}

// Noun is one when n is 1 (or -1), else many.
func Noun(n int, one, many string) string {
	if n == 1 || n == -1 {
		return one
	}
	return many
}

// Duration writes d rounded to its two largest units, in Go's notation
// where it has one: "850ms", "1.5s", "45s", "5m30s", "1h", "1h30m", and
// days past 48 hours: "3d4h". Negative durations keep their sign.
func Duration(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 {
			d++ // -d would be d itself
		}
		return "-" + Duration(-d)
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return strconv.FormatInt(d.Round(time.Microsecond).Microseconds(), 10) + "µs"
	case d < time.Second:
		d = d.Round(time.Millisecond)
		if d < time.Second {
			return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
		}
	}
	switch {
	case d < 10*time.Second:
		d = d.Round(100 * time.Millisecond)
		if d < 10*time.Second {
			return trimZero(strconv.FormatFloat(d.Seconds(), 'f', 1, 64)) + "s"
		}
		fallthrough
	case d < time.Hour:
		return trimUnits(d.Round(time.Second).String())
	case d < 48*time.Hour:
		return trimUnits(d.Round(time.Minute).String())
	}
	d = d.Round(time.Hour)
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if hours == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, hours)
}

// Span writes d in words, rounded to one unit, for sentences people read:
// "less than a minute", "1 minute", "45 minutes", "4 hours", "36 hours",
// and whole days from a day: "1 day", "7 days" (days only past 48 hours
// unless the hours make whole days).
func Span(d time.Duration) string {
	minutes := d.Round(time.Minute) / time.Minute
	hours := d.Round(time.Hour) / time.Hour
	switch {
	case minutes < 1:
		return "less than a minute"
	case minutes < 60:
		return Count(int(minutes), "minute", "minutes")
	case hours < 48 && hours%24 != 0:
		return Count(int(hours), "hour", "hours")
	}
	return Count(int(d.Round(24*time.Hour)/(24*time.Hour)), "day", "days")
}

// trimUnits drops the zero units Go's notation keeps: "1h0m0s" → "1h",
// "5m0s" → "5m", "1h30m0s" → "1h30m".
func trimUnits(s string) string {
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// ReplaceDurations is a slog.HandlerOptions.ReplaceAttr that writes
// duration attributes with Duration: slog's handlers write them as
// "1h0m0.000000123s" (text) or as nanoseconds (JSON).
func ReplaceDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(Duration(a.Value.Duration()))
	}
	return a
}
