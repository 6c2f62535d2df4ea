package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/pacerhq/pacer/models"
)

// WeeklyAcceptance is how each note variant's acceptance grew, week by
// week: the figures of Stats as they stood at the end of each week.
type WeeklyAcceptance struct {
	Campaign string `json:"campaign"`
	// Ends are the ends of the weeks, oldest first; the last one is the
	// time asked for, each one a week before the next.
	Ends []time.Time `json:"ends"`
	// Variants are the note variants by name, each with one WeekArm per
	// end. The invitations sent without a note take no part: they were
	// not given at random (as in Lead).
	Variants []VariantWeeks `json:"variants"`
}

// VariantWeeks is one variant's acceptance at the end of each week.
type VariantWeeks struct {
	Name  string    `json:"name"`
	Weeks []WeekArm `json:"weeks"`
}

// WeekArm is a variant's acceptance at the end of a week: Sent, Accepted
// and Rate count every invitation up to then (Rate is 0 while none was
// sent); NewAccepted counts the acceptances during the week.
type WeekArm struct {
	Sent        int     `json:"sent"`
	Accepted    int     `json:"accepted"`
	Rate        float64 `json:"rate"`
	NewAccepted int     `json:"new_accepted"`
}

// WeeklyStats reads the acceptance of the campaign's note variants at the
// end of each of the last weeks weeks up to now. Errors:
// ErrUnknownCampaign, and weeks below 1.
func WeeklyStats(ctx context.Context, store *models.Store, campaign string, now time.Time, weeks int) (*WeeklyAcceptance, error) {
	if weeks < 1 {
		return nil, fmt.Errorf("campaign: weekly statistics need at least 1 week, got %d weeks", weeks)
	}
	db := store.DB.WithContext(ctx)
	var c models.Campaign
	if err := db.Where("name = ?", campaign).Take(&c).Error; err != nil {
		return nil, campaignLookupError(campaign, err)
	}
	rows, err := readSentInvites(db, c.ID, now)
	if err != nil {
		return nil, fmt.Errorf("campaign: read the invitations of %s: %w", campaign, err)
	}
	w := &WeeklyAcceptance{Campaign: campaign}
	for i := weeks - 1; i >= 0; i-- {
		w.Ends = append(w.Ends, now.UTC().Add(-time.Duration(i)*7*24*time.Hour))
	}
	// The variants are those of the statistics now, in their order.
	for _, a := range arms(rows, now, func(r sentInvite) string { return r.Variant }) {
		if a.Name != "" {
			w.Variants = append(w.Variants, VariantWeeks{Name: a.Name, Weeks: make([]WeekArm, weeks)})
		}
	}
	for i, end := range w.Ends {
		// Each week's figures are Stats' own (arms), on the invitations
		// sent by the week's end.
		var upTo []sentInvite
		for _, r := range rows {
			if !r.FinishedAt.After(end) {
				upTo = append(upTo, r)
			}
		}
		byName := map[string]Arm{}
		for _, a := range arms(upTo, end, func(r sentInvite) string { return r.Variant }) {
			byName[a.Name] = a
		}
		newAccepted := map[string]int{}
		for _, r := range upTo {
			if at := r.ConnectedAt; at != nil && !at.Before(r.CreatedAt) && at.After(end.Add(-7*24*time.Hour)) && !at.After(end) {
				newAccepted[r.Variant]++
			}
		}
		for j := range w.Variants {
			name := w.Variants[j].Name
			a := byName[name]
			w.Variants[j].Weeks[i] = WeekArm{Sent: a.Sent, Accepted: a.Accepted, Rate: a.Rate, NewAccepted: newAccepted[name]}
		}
	}
	return w, nil
}
