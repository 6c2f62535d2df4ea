package campaign

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/config"
)

// drawVariants gives each of n prospects one of the campaign's note
// variants (indexes into s.variants): uniformly at random, or, in
// adaptive mode, by Thompson sampling on the acceptances so far.
func (p *Proposer) drawVariants(ctx context.Context, db *gorm.DB, s *campaignSetup, n int, now time.Time) ([]int, error) {
	var evidence []Arm
	if s.cfg.NotesMode == config.NotesAdaptive {
		rows, err := readSentInvites(db.WithContext(ctx), s.campaign.ID, now)
		if err != nil {
			return nil, fmt.Errorf("campaign: read the acceptances of %s: %w", s.campaign.Name, err)
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
	return out, nil
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
