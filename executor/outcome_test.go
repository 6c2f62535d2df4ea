package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/pacertype"
)

func TestOutcomeOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want pacertype.Outcome
	}{
		{"nil", nil, pacertype.OutcomeDone},
		{"error value", NewError(pacertype.OutcomeWeeklyLimit, "invite", "a", nil), pacertype.OutcomeWeeklyLimit},
		{"wrapped error value", fmt.Errorf("runner: %w", NewError(pacertype.OutcomeCheckpoint, "view", "a", nil)), pacertype.OutcomeCheckpoint},
		{"bare sentinel", fmt.Errorf("x: %w", ErrEmailRequired), pacertype.OutcomeEmailRequired},
		{"deadline", context.DeadlineExceeded, pacertype.OutcomeTransient},
		{"anything else", errors.New("boom"), pacertype.OutcomeTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OutcomeOf(tt.err); got != tt.want {
				t.Errorf("OutcomeOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorMatchesItsSentinelOnly(t *testing.T) {
	t.Parallel()
	cause := errors.New("toast: Something went wrong")
	for o, s := range sentinels {
		err := NewError(o, "invite", "jane-doe", cause)
		if !errors.Is(err, s) {
			t.Errorf("%s: errors.Is(err, %v) = false", o, s)
		}
		if !errors.Is(err, cause) {
			t.Errorf("%s: the cause is not unwrapped", o)
		}
		for o2, s2 := range sentinels {
			if o2 != o && errors.Is(err, s2) {
				t.Errorf("%s also matches %s", o, o2)
			}
		}
		if !strings.HasPrefix(err.Error(), "executor: invite jane-doe: ") {
			t.Errorf("%s: message %q lacks the prefix", o, err)
		}
	}
}

func TestTransientKeepsOutcomes(t *testing.T) {
	t.Parallel()
	if Transient("x", "y", nil) != nil {
		t.Error("Transient(nil) != nil")
	}
	err := Transient("invite", "a", NewError(pacertype.OutcomeWeeklyLimit, "invite", "a", nil))
	if got := OutcomeOf(err); got != pacertype.OutcomeWeeklyLimit {
		t.Errorf("OutcomeOf = %q, want weekly_limit", got)
	}
	err = Transient("invite", "a", context.DeadlineExceeded)
	if got := OutcomeOf(err); got != pacertype.OutcomeTransient || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("OutcomeOf = %q (%v), want transient wrapping the deadline", got, err)
	}
	o, err := Fail(pacertype.OutcomeNotFound, "view", "ghost", nil)
	if o != pacertype.OutcomeNotFound || !errors.Is(err, ErrNotFound) {
		t.Errorf("Fail = %q, %v", o, err)
	}
}
