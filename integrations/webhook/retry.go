package webhook

import "time"

// schedule is the wait after each failed attempt: Standard Webhooks'
// (Svix's) schedule stretched to about three days.
var schedule = [...]time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// MaxAttempts is the number of attempts of a delivery, the first included,
// before it becomes a dead letter: set it as the River job's MaxAttempts.
const MaxAttempts = len(schedule) + 1

// MaxRetryAfter is the longest Retry-After a receiver can impose; a longer
// one is cut to it.
const MaxRetryAfter = time.Hour

// RetryDelay returns the wait before the next attempt after attempt failed
// attempts (River's job.Attempt in NextRetry: 1 after the first failure):
// the schedule's step (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h),
// or the receiver's Retry-After when it asks for longer, up to MaxRetryAfter.
// Past the schedule it returns the last step.
func RetryDelay(attempt int, retryAfter time.Duration) time.Duration {
	d := schedule[min(max(attempt, 1), len(schedule))-1]
	return max(d, min(retryAfter, MaxRetryAfter))
}

// Schedule returns the whole retry schedule, for documentation and
// `pacer deliveries list`.
func Schedule() []time.Duration { return schedule[:] }
