package campaign

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// wilson is the 95% Wilson score interval of x successes in n, written
// out here from its formula, apart from the code under test.
func wilson(x, n int) (lo, hi float64) {
	const z = 1.959963984540054
	p, nf := float64(x)/float64(n), float64(n)
	center := (p + z*z/(2*nf)) / (1 + z*z/nf)
	half := z / (1 + z*z/nf) * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return center - half, center + half
}

// invitation is one invitation of a seeded ledger.
type invitation struct {
	variant, account string
	sentAfter        time.Duration // after monday09
	acceptedAfter    time.Duration // after it was sent; 0: not accepted
	state            string        // empty: done
}

// seedLedger imports one prospect per invitation into cto and writes the
// invitations as the runner leaves them, with the acceptances a scan
// leaves on the prospects.
func seedLedger(t *testing.T, b *bundle, invs []invitation) {
	t.Helper()
	b.importCSV(t, "cto", prospectsCSV(1, len(invs), ""))
	var prospects []models.Prospect
	if err := b.store.DB.Order("id").Find(&prospects).Error; err != nil {
		t.Fatal(err)
	}
	cto := b.campaigns["cto"]
	for i, inv := range invs {
		sent := monday09.Add(inv.sentAfter)
		state := inv.state
		if state == "" {
			state = models.ActionDone
		}
		a := models.Action{AccountID: b.accounts[inv.account], CampaignID: &cto, ProspectID: &prospects[i].ID,
			Kind: models.ActionInvite, Variant: inv.variant, Note: "Hi", State: state, ScheduledAt: sent,
			CreatedAt: sent.Add(-time.Hour), UpdatedAt: sent}
		if state == models.ActionDone {
			a.FinishedAt = &sent
		}
		if err := b.store.DB.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
		if inv.acceptedAfter > 0 {
			b.setProspect(t, prospects[i].Slug, map[string]any{"state": models.ProspectConnected, "connected_at": sent.Add(inv.acceptedAfter)})
		}
	}
}

// abLedger: long 35 of 100 accepted (after 1h…35h), short 20 of 100
// (after 1h…20h), both sent by anna; 5 invitations by bob without a
// variant (the note ran out), 1 accepted; and what does not count: one
// sent after the stats' time, one still scheduled.
func abLedger() []invitation {
	var invs []invitation
	for i := range 100 {
		long := invitation{variant: "long", account: "anna", sentAfter: time.Duration(i) * time.Minute}
		if i < 35 {
			long.acceptedAfter = time.Duration(i+1) * time.Hour
		}
		short := invitation{variant: "short", account: "anna", sentAfter: time.Duration(i) * time.Minute}
		if i < 20 {
			short.acceptedAfter = time.Duration(i+1) * time.Hour
		}
		invs = append(invs, long, short)
	}
	for i := range 5 {
		inv := invitation{account: "bob", sentAfter: time.Hour}
		if i == 0 {
			inv.acceptedAfter = 3 * time.Hour
		}
		invs = append(invs, inv)
	}
	return append(invs,
		invitation{variant: "long", account: "anna", sentAfter: 30 * 24 * time.Hour},
		invitation{variant: "short", account: "anna", state: models.ActionScheduled})
}

// statsNow is when abLedger's stats are read: a week after monday09.
var statsNow = monday09.Add(7 * 24 * time.Hour)

func TestStats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		seedLedger(t, b, abLedger())
		st, err := Stats(context.Background(), s, "cto", statsNow)
		if err != nil {
			t.Fatal(err)
		}
		checkArms(t, "variant", st.Variants,
			armWant{"long", 100, 35, 18 * time.Hour},
			armWant{"short", 100, 20, 10*time.Hour + 30*time.Minute},
			armWant{"", 5, 1, 3 * time.Hour})
		checkArms(t, "sender", st.Senders,
			armWant{"anna", 200, 55, 14 * time.Hour},
			armWant{"bob", 5, 1, 3 * time.Hour})
		if lo, hi := st.Variants[0].Low, st.Variants[0].High; math.Abs(lo-0.264) > 0.001 || math.Abs(hi-0.447) > 0.001 {
			t.Errorf("35/100: interval [%.4f, %.4f], want about [0.264, 0.447]", lo, hi)
		}
		l := st.Lead
		if l == nil || l.Best != "long" || l.Next != "short" {
			t.Fatalf("lead: %+v, want long ahead of short", l)
		}
		l1, u1 := wilson(35, 100)
		l2, u2 := wilson(20, 100)
		wantLow := 0.15 - math.Sqrt((0.35-l1)*(0.35-l1)+(u2-0.20)*(u2-0.20))
		wantHigh := 0.15 + math.Sqrt((u1-0.35)*(u1-0.35)+(0.20-l2)*(0.20-l2))
		if math.Abs(l.Diff-0.15) > 1e-9 || math.Abs(l.Low-wantLow) > 1e-9 || math.Abs(l.High-wantHigh) > 1e-9 || !l.Clear {
			t.Errorf("lead: %+v, want 0.15 in [%.4f, %.4f], clear", l, wantLow, wantHigh)
		}
	})
}

// armWant is what one arm of the statistics should say.
type armWant struct {
	name           string
	sent, accepted int
	medianToAccept time.Duration
}

// checkArms compares arms with want, in order, and each interval with
// the Wilson formula.
func checkArms(t *testing.T, what string, got []Arm, want ...armWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%ss: got %+v, want %d", what, got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Sent != w.sent || g.Accepted != w.accepted || g.MedianToAccept != w.medianToAccept {
			t.Errorf("%s %d: got %q %d sent %d accepted median %v, want %q %d %d %v", what, i, g.Name, g.Sent, g.Accepted, g.MedianToAccept,
				w.name, w.sent, w.accepted, w.medianToAccept)
		}
		lo, hi := wilson(w.accepted, w.sent)
		if rate := float64(w.accepted) / float64(w.sent); math.Abs(g.Rate-rate) > 1e-12 || math.Abs(g.Low-lo) > 1e-12 || math.Abs(g.High-hi) > 1e-12 {
			t.Errorf("%s %s: rate %v in [%v, %v], want %v in [%v, %v]", what, g.Name, g.Rate, g.Low, g.High, rate, lo, hi)
		}
	}
}

// TestStatsLeadNotClear: a small difference on few invitations is not
// called: the interval of the lead includes zero.
func TestStatsLeadNotClear(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		var invs []invitation
		for i := range 20 {
			a := invitation{variant: "a", account: "anna"}
			if i < 6 {
				a.acceptedAfter = time.Hour
			}
			c := invitation{variant: "c", account: "anna"}
			if i < 5 {
				c.acceptedAfter = time.Hour
			}
			invs = append(invs, a, c)
		}
		seedLedger(t, b, invs)
		st, err := Stats(context.Background(), s, "cto", statsNow)
		if err != nil {
			t.Fatal(err)
		}
		if l := st.Lead; l == nil || l.Best != "a" || l.Clear || l.Low >= 0 {
			t.Errorf("lead: %+v, want a ahead of c but not clearly", l)
		}
		var out bytes.Buffer
		if err := WriteStats(&out, st); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "not clear yet") {
			t.Errorf("table:\n%s\nwant it to say the lead is not clear yet", out.String())
		}
	})
}

func TestStatsUnknownCampaign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		setup(t, s, nil)
		_, err := Stats(context.Background(), s, "nope", statsNow)
		if !errors.Is(err, ErrUnknownCampaign) || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("got %v, want ErrUnknownCampaign naming nope", err)
		}
	})
}
