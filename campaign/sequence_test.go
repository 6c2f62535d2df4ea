package campaign

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
)

func TestSequencePlan(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)
	seq, err := ParseSequence([]string{"view", "follow", "like latest post", "wait 1-2d", "invite"})
	if err != nil {
		t.Fatal(err)
	}
	steps := seq.Plan(start, rand.New(rand.NewPCG(1, 2)))
	var kinds []string
	for _, s := range steps {
		kinds = append(kinds, s.Kind)
	}
	if got, want := strings.Join(kinds, ","), "view,follow,like,invite"; got != want {
		t.Fatalf("kinds: got %s, want %s", got, want)
	}
	if steps[0].Index != 0 || steps[3].Index != 4 {
		t.Errorf("indexes: got %d and %d, want 0 and 4 (waits count)", steps[0].Index, steps[3].Index)
	}
	for _, s := range steps[:3] {
		if !s.At.Equal(start) {
			t.Errorf("%s: got %v, want the start", s.Kind, s.At)
		}
	}
	if wait := steps[3].At.Sub(start); wait < 24*time.Hour || wait > 48*time.Hour {
		t.Errorf("invite: got %v after the start, want between 1 and 2 days", wait)
	}
	// The same seed plans the same waits; different draws differ.
	again := seq.Plan(start, rand.New(rand.NewPCG(1, 2)))
	if !again[3].At.Equal(steps[3].At) {
		t.Errorf("same seed: got %v then %v", steps[3].At, again[3].At)
	}
}

func TestParseSequence(t *testing.T) {
	t.Parallel()
	seq, err := ParseSequence(nil)
	if err != nil || len(seq) != 1 || seq.Plan(time.Time{}, nil)[0].Kind != models.ActionInvite {
		t.Errorf("no steps: got %v, %v; want a single invite", seq, err)
	}
	if _, err := ParseSequence([]string{"view", "poke"}); err == nil || !strings.Contains(err.Error(), "step 2") {
		t.Errorf("bad step: got %v, want an error naming step 2", err)
	}
	if seq, _ := ParseSequence([]string{"view", "follow"}); seq.Invites() {
		t.Error("view, follow: Invites() got true, want false")
	}
}
