package campaign

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// Sequence is the steps each prospect of a campaign goes through once
// approved, such as view → follow → wait 1–2 days → invite.
type Sequence []config.Step

// DefaultSequence is a single invitation with the campaign's note.
var DefaultSequence = Sequence{{Kind: config.StepInvite}}

// ParseSequence reads a campaign's steps as the configuration writes them.
// No steps means DefaultSequence.
func ParseSequence(steps []string) (Sequence, error) {
	if len(steps) == 0 {
		return DefaultSequence, nil
	}
	seq := make(Sequence, 0, len(steps))
	for i, s := range steps {
		st, err := config.ParseStep(s)
		if err != nil {
			return nil, fmt.Errorf("campaign: step %d: %w", i+1, err)
		}
		seq = append(seq, st)
	}
	return seq, nil
}

// PlannedStep is one action of a prospect's sequence, with the earliest time
// it may run. The runner paces it within the account's limits and working
// hours when it claims it; the plan only keeps the waits between steps.
type PlannedStep struct {
	// Index is the step's position in the sequence (waits count), stored as
	// Action.Step: with the proposal item it keeps an action unique.
	Index int
	// Kind is an action kind: models.ActionView, ActionFollow, ActionLike or
	// ActionInvite.
	Kind string
	At   time.Time
}

// stepActions maps step kinds onto action kinds.
var stepActions = map[string]string{
	config.StepView:   models.ActionView,
	config.StepFollow: models.ActionFollow,
	config.StepLike:   models.ActionLike,
	config.StepInvite: models.ActionInvite,
}

// Plan lays the sequence out from start: each wait adds a random duration
// between its bounds, drawn from rnd, so that a batch approved at once does
// not move in lockstep.
func (s Sequence) Plan(start time.Time, rnd *rand.Rand) []PlannedStep {
	at := start
	var out []PlannedStep
	for i, st := range s {
		if st.Kind == config.StepWait {
			d := st.Min
			if st.Max > st.Min {
				d += time.Duration(rnd.Int64N(int64(st.Max-st.Min) + 1))
			}
			at = at.Add(d)
			continue
		}
		out = append(out, PlannedStep{Index: i, Kind: stepActions[st.Kind], At: at})
	}
	return out
}

// Invites reports whether the sequence sends an invitation.
func (s Sequence) Invites() bool {
	for _, st := range s {
		if st.Kind == config.StepInvite {
			return true
		}
	}
	return false
}
