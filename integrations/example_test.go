package integrations_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/pacerhq/pacer/integrations"
)

// A delivery job routes on Classify: the destination packages' errors all
// match its classes.
func ExampleClassify() {
	at := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, err := range []error{
		nil,
		errors.New("connection reset"),
		fmt.Errorf("hubspot: upsert: %w", integrations.ErrPermanent),
		fmt.Errorf("webhook: %w", integrations.ErrGone),
		quotaError{at},
	} {
		v := integrations.Classify(err)
		switch v.Action {
		case integrations.Done, integrations.Retry, integrations.DeadLetter, integrations.Disable:
			fmt.Println(v.Action)
		case integrations.RetryAt, integrations.PauseUntil:
			fmt.Println(v.Action, v.At.Format(time.DateOnly))
		}
	}
	// Output:
	// done
	// retry
	// dead_letter
	// disable
	// pause_until 2025-04-01
}

type quotaError struct{ at time.Time }

func (e quotaError) Error() string      { return "quota exhausted" }
func (e quotaError) Unwrap() error      { return integrations.ErrQuotaExhausted }
func (e quotaError) RetryAt() time.Time { return e.at }
