package campaign

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"

	"gorm.io/gorm"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// z95 is the standard normal quantile of a two-sided 95% interval.
const z95 = 1.959963984540054

// CampaignStats is how a campaign's invitations were accepted, per note
// variant and per sender, as of a time.
type CampaignStats struct {
	Campaign string    `json:"campaign"`
	At       time.Time `json:"at"`
	// Variants are the campaign's note variants by name; the arm named ""
	// is the invitations sent without their variant's note because the
	// month's notes ran out, which take no part in the comparison.
	Variants []Arm `json:"variants"`
	// Senders are the accounts that sent the invitations, by name.
	Senders []Arm `json:"senders"`
	// Lead compares the best variant with the next best; nil until two
	// variants have been sent.
	Lead *Lead `json:"lead,omitempty"`
}

// Arm is the acceptance of one group of invitations: those sent (done
// invite actions) and those whose prospect connected after it was made.
type Arm struct {
	Name     string `json:"name"`
	Sent     int    `json:"sent"`
	Accepted int    `json:"accepted"`
	// Rate is Accepted / Sent; Low and High bound it with the 95% Wilson
	// score interval, which stays honest on few invitations and rates
	// near 0 or 1, where the normal approximation does not.
	Rate float64 `json:"rate"`
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// MedianToAccept is the median time from sending to acceptance; 0
	// when none was accepted.
	MedianToAccept time.Duration `json:"median_to_accept_ns"`
}

// Lead is the best variant's lead in acceptance rate over the next best,
// with its 95% interval by Newcombe's method (the difference of two
// Wilson intervals). Clear is set when the interval excludes zero.
type Lead struct {
	Best  string  `json:"best"`
	Next  string  `json:"next"`
	Diff  float64 `json:"diff"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Clear bool    `json:"clear"`
}

// sentInvite is one invitation the statistics count.
type sentInvite struct {
	Variant     string
	Account     string
	CreatedAt   time.Time
	FinishedAt  time.Time
	ConnectedAt *time.Time
}

// Stats reads the acceptance of the campaign's invitations sent up to now:
// per note variant, per sender, and the best variant's lead. Errors:
// ErrUnknownCampaign.
func Stats(ctx context.Context, store *models.Store, campaign string, now time.Time) (*CampaignStats, error) {
	db := store.DB.WithContext(ctx)
	var c models.Campaign
	if err := db.Where("name = ?", campaign).Take(&c).Error; err != nil {
		return nil, campaignLookupError(campaign, err)
	}
	rows, err := readSentInvites(db, c.ID, now)
	if err != nil {
		return nil, fmt.Errorf("campaign: read the invitations of %s: %w", campaign, err)
	}
	st := &CampaignStats{Campaign: campaign, At: now.UTC(),
		Variants: arms(rows, now, func(r sentInvite) string { return r.Variant }),
		Senders:  arms(rows, now, func(r sentInvite) string { return r.Account }),
	}
	st.Lead = lead(st.Variants)
	return st, nil
}

// readSentInvites reads the campaign's invitations sent up to now.
func readSentInvites(db *gorm.DB, campaignID int64, now time.Time) ([]sentInvite, error) {
	var rows []sentInvite
	err := db.Table("actions AS a").
		Select("a.variant, acc.name AS account, a.created_at, a.finished_at, p.connected_at").
		Joins("JOIN accounts AS acc ON acc.id = a.account_id").
		Joins("JOIN prospects AS p ON p.id = a.prospect_id").
		Where("a.campaign_id = ? AND a.kind = ? AND a.state = ? AND a.finished_at <= ?", campaignID, models.ActionInvite, models.ActionDone, now.UTC()).
		Scan(&rows).Error
	return rows, err
}

// arms groups the invitations by key, sorted by name with "" last.
func arms(rows []sentInvite, now time.Time, key func(sentInvite) string) []Arm {
	waits := map[string][]time.Duration{}
	sent := map[string]int{}
	for _, r := range rows {
		k := key(r)
		sent[k]++
		// Accepted: connected after the invitation was made (a prospect is
		// never proposed once connected), and by now.
		if at := r.ConnectedAt; at != nil && !at.Before(r.CreatedAt) && !at.After(now) {
			waits[k] = append(waits[k], max(at.Sub(r.FinishedAt), 0))
		}
	}
	out := make([]Arm, 0, len(sent))
	for name, n := range sent {
		a := Arm{Name: name, Sent: n, Accepted: len(waits[name]), MedianToAccept: median(waits[name])}
		a.Rate = float64(a.Accepted) / float64(n)
		a.Low, a.High = wilsonInterval(a.Accepted, n)
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Arm) int {
		if (a.Name == "") != (b.Name == "") {
			return cmp.Compare(b.Name, a.Name) // "" last
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}

// wilsonInterval is the 95% Wilson score interval of x successes in n > 0.
func wilsonInterval(x, n int) (low, high float64) {
	p, nf := float64(x)/float64(n), float64(n)
	z2 := z95 * z95
	center := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z95 / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(center-half, 0), min(center+half, 1)
}

// lead compares the variant with the highest rate with the next one
// (Newcombe's hybrid score interval, his method 10). The arm without a
// variant takes no part: its invitations were not given at random.
func lead(variants []Arm) *Lead {
	ranked := slices.DeleteFunc(slices.Clone(variants), func(a Arm) bool { return a.Name == "" })
	if len(ranked) < 2 {
		return nil
	}
	slices.SortStableFunc(ranked, func(a, b Arm) int { return cmp.Compare(b.Rate, a.Rate) })
	b, n := ranked[0], ranked[1]
	d := b.Rate - n.Rate
	l := &Lead{Best: b.Name, Next: n.Name, Diff: d,
		Low:  d - math.Hypot(b.Rate-b.Low, n.High-n.Rate),
		High: d + math.Hypot(b.High-b.Rate, n.Rate-n.Low),
	}
	l.Clear = l.Low > 0
	return l
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return (ds[m-1] + ds[m]) / 2
}

// WriteStats writes the statistics as tables people read: the variants,
// the senders, and whether the best variant's lead is clear.
func WriteStats(w io.Writer, st *CampaignStats) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Campaign %s: invitations sent up to %s\n\n", st.Campaign, st.At.Format("2006-01-02 15:04 MST"))
	writeArms(tw, "VARIANT", st.Variants, "(no note: notes ran out)")
	fmt.Fprintln(tw)
	writeArms(tw, "SENDER", st.Senders, "")
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, leadText(st.Lead))
	return tw.Flush()
}

func writeArms(w io.Writer, title string, arms []Arm, unnamed string) {
	fmt.Fprintf(w, "%s\tSENT\tACCEPTED\tRATE\t95%% INTERVAL\tMEDIAN TO ACCEPT\n", title)
	if len(arms) == 0 {
		fmt.Fprintln(w, "(none sent yet)")
	}
	for _, a := range arms {
		name, wait := a.Name, "-"
		if name == "" {
			name = unnamed
		}
		if a.Accepted > 0 {
			wait = wording.Duration(a.MedianToAccept)
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s–%s\t%s\n", name, a.Sent, a.Accepted, percent(a.Rate), percent(a.Low), percent(a.High), wait)
	}
}

func leadText(l *Lead) string {
	if l == nil {
		return "Fewer than two variants sent: nothing to compare yet."
	}
	text := fmt.Sprintf("%s leads %s by %.1f points (95%% interval %.1f to %.1f): ", l.Best, l.Next, 100*l.Diff, 100*l.Low, 100*l.High)
	if l.Clear {
		return text + "the lead is clear, the interval excludes zero."
	}
	return text + "not clear yet, the interval includes zero; keep sending."
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }
