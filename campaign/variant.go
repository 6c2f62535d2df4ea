package campaign

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
)

// drawVariants gives each of n prospects one of the campaign's note
// variants (indexes into s.variants): uniformly at random, or, in
// adaptive mode, by Thompson sampling on the acceptances so far, which it
// returns too (nil in random mode).
func (p *Proposer) drawVariants(ctx context.Context, db *gorm.DB, s *campaignSetup, n int, now time.Time) ([]int, []Arm, error) {
	var evidence []Arm
	if s.cfg.NotesMode == config.NotesAdaptive {
		rows, err := readSentInvites(db.WithContext(ctx), s.campaign.ID, now)
		if err != nil {
			return nil, nil, fmt.Errorf("campaign: read the acceptances of %s: %w", s.campaign.Name, err)
		}
		evidence = arms(rows, now, func(r sentInvite) string { return r.Variant })
	}
	out := make([]int, n)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range out {
		if evidence == nil {
			out[i] = p.rnd.IntN(len(s.variants))
		} else {
			out[i] = thompson(p.rnd, s.variants, evidence)
		}
	}
	return out, evidence, nil
}

// notesFor says which of the drawn items keep their note when fewer notes
// are left this month than items drawn a variant with one (left >= 0): in
// random mode the first of the batch; in adaptive mode (evidence set)
// those whose variant is the most likely accepted (the highest posterior
// mean), so that a free account's few notes go to the variant that earns
// them. The others go without a note.
func (s *campaignSetup) notesFor(drawn []int, evidence []Arm, left int) []bool {
	keeps := make([]bool, len(drawn))
	var withNote []int
	for i, d := range drawn {
		if !s.variants[d].tmpl.IsEmpty() {
			withNote = append(withNote, i)
		}
	}
	if left >= 0 && len(withNote) > left {
		if evidence != nil {
			mean := func(i int) float64 { return posteriorMean(s.variants[drawn[i]].name, evidence) }
			slices.SortStableFunc(withNote, func(a, b int) int { return cmp.Compare(mean(b), mean(a)) })
		}
		withNote = withNote[:left]
	}
	for _, i := range withNote {
		keeps[i] = true
	}
	return keeps
}

// posteriorMean is the expected acceptance rate of the named variant,
// (1+accepted)/(2+sent), under the same Beta posterior thompson draws from.
func posteriorMean(name string, evidence []Arm) float64 {
	for _, a := range evidence {
		if a.Name == name {
			return float64(1+a.Accepted) / float64(2+a.Sent)
		}
	}
	return 0.5
}

// thompson draws each variant's acceptance rate from its posterior,
// Beta(1+accepted, 1+sent-accepted), and returns the variant whose draw
// is highest: a variant is chosen as often as it is likely the best, so
// new prospects shift to the better variants as the evidence grows, and a
// variant with little evidence still gets tried.
func thompson(rnd *rand.Rand, variants []variant, evidence []Arm) int {
	best, bestDraw := 0, -1.0
	for i, v := range variants {
		var sent, accepted int
		for _, a := range evidence {
			if a.Name == v.name {
				sent, accepted = a.Sent, a.Accepted
			}
		}
		if d := betaDraw(rnd, float64(1+accepted), float64(1+sent-accepted)); d > bestDraw {
			best, bestDraw = i, d
		}
	}
	return best
}

// betaDraw draws from Beta(a, b), a, b >= 1, as X/(X+Y) of two gamma draws.
func betaDraw(rnd *rand.Rand, a, b float64) float64 {
	x, y := gammaDraw(rnd, a), gammaDraw(rnd, b)
	return x / (x + y)
}

// gammaDraw draws from Gamma(shape, 1), shape >= 1, by Marsaglia and
// Tsang's method ("A simple method for generating gamma variables", 2000).
func gammaDraw(rnd *rand.Rand, shape float64) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rnd.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		if u := rnd.Float64(); math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}
