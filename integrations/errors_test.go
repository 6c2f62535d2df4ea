package integrations

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

type delayedErr struct {
	kind error
	at   time.Time
}

func (e delayedErr) Error() string      { return "delayed" }
func (e delayedErr) Unwrap() error      { return e.kind }
func (e delayedErr) RetryAt() time.Time { return e.at }

func TestClassify(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		err  error
		want Verdict
	}{
		{"nil", nil, Verdict{Action: Done}},
		{"network", errors.New("connection refused"), Verdict{Action: Retry}},
		{"permanent", fmt.Errorf("hubspot: upsert: %w", ErrPermanent), Verdict{Action: DeadLetter}},
		{"gone", fmt.Errorf("webhook: %w", ErrGone), Verdict{Action: Disable}},
		{"rate limited", delayedErr{ErrRateLimited, at}, Verdict{Action: RetryAt, At: at}},
		{"quota", delayedErr{ErrQuotaExhausted, at}, Verdict{Action: PauseUntil, At: at}},
		{"rate limited without time", ErrRateLimited, Verdict{Action: Retry}},
		{"wrapped delayed", fmt.Errorf("job: %w", delayedErr{nil, at}), Verdict{Action: RetryAt, At: at}},
		{"delayed under a delayed without time", delayedErr{delayedErr{ErrRateLimited, at}, time.Time{}}, Verdict{Action: RetryAt, At: at}},
		{"delayed in a joined error", errors.Join(errors.New("x"), delayedErr{ErrQuotaExhausted, at}), Verdict{Action: PauseUntil, At: at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %+v (%s), want %+v (%s)", tt.err, got, got.Action, tt.want, tt.want.Action)
			}
		})
	}
}

func TestNewSentinel(t *testing.T) {
	t.Parallel()
	errBad := NewSentinel("hubspot: validation error", ErrPermanent)
	err := fmt.Errorf("hubspot: upsert: %w", errBad)
	if !errors.Is(err, errBad) || !errors.Is(err, ErrPermanent) {
		t.Errorf("errors.Is(%v) does not match the sentinel and its class", err)
	}
	if errors.Is(err, ErrGone) {
		t.Errorf("errors.Is(%v, ErrGone) = true", err)
	}
	if got := errBad.Error(); got != "hubspot: validation error" {
		t.Errorf("Error() = %q", got)
	}
	if got := Classify(err).Action; got != DeadLetter {
		t.Errorf("Classify() = %s, want dead_letter", got)
	}
}
