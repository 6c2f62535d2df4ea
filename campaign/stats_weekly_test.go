package campaign

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestWeeklyStats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		day := 24 * time.Hour
		seedLedger(t, b, []invitation{
			{variant: "a", account: "anna", sentAfter: -day},
			{variant: "a", account: "anna", sentAfter: time.Hour, acceptedAfter: 2 * time.Hour},
			{variant: "a", account: "anna", sentAfter: time.Hour, acceptedAfter: 8 * day},
			{variant: "a", account: "anna", sentAfter: time.Hour},
			{variant: "a", account: "anna", sentAfter: time.Hour},
			{variant: "b", account: "bob", sentAfter: 8 * day, acceptedAfter: time.Hour},
			{variant: "b", account: "bob", sentAfter: 8 * day},
			// Without a note: no variant, not charted.
			{account: "bob", sentAfter: time.Hour, acceptedAfter: time.Hour},
			// Sent after now: not counted.
			{variant: "b", account: "bob", sentAfter: 20 * day},
		})
		now := monday09.Add(14 * day)
		w, err := WeeklyStats(context.Background(), s, "cto", now, 3)
		if err != nil {
			t.Fatal(err)
		}
		wantEnds := []time.Time{monday09, monday09.Add(7 * day), now}
		if len(w.Ends) != len(wantEnds) {
			t.Fatalf("ends = %v, want %v", w.Ends, wantEnds)
		}
		for i := range wantEnds {
			if !w.Ends[i].Equal(wantEnds[i]) {
				t.Errorf("end %d = %v, want %v", i, w.Ends[i], wantEnds[i])
			}
		}
		want := map[string][]WeekArm{
			"a": {{Sent: 1}, {Sent: 5, Accepted: 1, Rate: 0.2, NewAccepted: 1}, {Sent: 5, Accepted: 2, Rate: 0.4, NewAccepted: 1}},
			"b": {{}, {}, {Sent: 2, Accepted: 1, Rate: 0.5, NewAccepted: 1}},
		}
		if len(w.Variants) != 2 || w.Variants[0].Name != "a" || w.Variants[1].Name != "b" {
			t.Fatalf("variants = %+v, want a and b (the arm without a note is not charted)", w.Variants)
		}
		for _, v := range w.Variants {
			for i, got := range v.Weeks {
				if got != want[v.Name][i] {
					t.Errorf("%s week %d = %+v, want %+v", v.Name, i, got, want[v.Name][i])
				}
			}
		}
	})
}

func TestWeeklyStatsBadInput(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		setup(t, s, nil)
		if _, err := WeeklyStats(context.Background(), s, "cto", monday09, 0); err == nil || !strings.Contains(err.Error(), "weeks") {
			t.Errorf("0 weeks: got %v, want an error naming the weeks", err)
		}
		if _, err := WeeklyStats(context.Background(), s, "nope", monday09, 8); err == nil || !strings.Contains(err.Error(), `"nope"`) {
			t.Errorf("unknown campaign: got %v, want an error naming it", err)
		}
	})
}
