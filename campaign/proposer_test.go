package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestProposeDedupAcrossAccountsAndCampaigns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		b.importCSV(t, "cto", prospectsCSV(1, 6, "")) // anna's campaign enrolls p1–p6 first
		b.importCSV(t, "ops", prospectsCSV(1, 8, "")) // bob's campaign p1–p8 later
		b.setProspect(t, "p2", map[string]any{"state": models.ProspectConnected})
		b.setProspect(t, "p3", map[string]any{"state": models.ProspectPending})
		b.setProspect(t, "p4", map[string]any{"state": models.ProspectWithdrawn, "withdrawn_at": monday09.Add(-10 * 24 * time.Hour)})
		b.setProspect(t, "p5", map[string]any{"state": models.ProspectWithdrawn, "withdrawn_at": monday09.Add(-30 * 24 * time.Hour)})

		ops, err := b.p.Propose(ctx, "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(slugs(ops), ","), "p7,p8"; got != want {
			t.Errorf("ops (bob): got %s, want %s: p1, p5, p6 wait in cto's queue (enrolled first), p2 connected, p3 pending, p4 withdrawn 10 days ago", got, want)
		}
		cto, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(slugs(cto), ","), "p1,p5,p6"; got != want {
			t.Errorf("cto (anna): got %s, want %s", got, want)
		}
	})
}

func TestProposeLiveCampaigns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		b.importCSV(t, "cto", prospectsCSV(1, 3, ""))
		b.importCSV(t, "ops", prospectsCSV(1, 4, ""))
		if _, err := b.p.Propose(ctx, "cto", 1); err != nil { // p1 in cto's open proposal
			t.Fatal(err)
		}
		if err := s.DB.Model(&models.Campaign{}).Where("id = ?", b.campaigns["cto"]).Update("state", models.CampaignPaused).Error; err != nil {
			t.Fatal(err)
		}
		// A paused campaign's queue no longer holds p2 and p3, but its open
		// proposal still holds p1.
		ops, err := b.p.Propose(ctx, "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(slugs(ops), ","), "p2,p3,p4"; got != want {
			t.Errorf("ops with cto paused: got %s, want %s", got, want)
		}
		if _, err := b.p.Propose(ctx, "cto", 0); !errors.Is(err, ErrCampaignPaused) {
			t.Errorf("propose a paused campaign: got %v, want ErrCampaignPaused", err)
		}
	})
}

func TestProposeCampaignDroppedFromConfigReleasesItsQueue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		b.importCSV(t, "cto", prospectsCSV(1, 2, ""))
		b.importCSV(t, "ops", prospectsCSV(1, 2, ""))
		cfg := testConfig()
		cfg.Campaigns = cfg.Campaigns[1:] // cto is gone from the file
		p := New(s, cfg, b.quota, Options{Now: b.clock.Now})
		bt, err := p.Propose(context.Background(), "ops", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(slugs(bt), ","); got != "p1,p2" {
			t.Errorf("got %s, want p1,p2", got)
		}
		if _, err := p.Propose(context.Background(), "cto", 0); !errors.Is(err, ErrUnknownCampaign) {
			t.Errorf("cto: got %v, want ErrUnknownCampaign", err)
		}
	})
}

func TestProposeSuppression(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		b.importCSV(t, "cto", "url,email\n"+
			"https://www.linkedin.com/in/ada,ada@acme.com\n"+
			"https://www.linkedin.com/in/bea,bea@eu.acme.com\n"+
			"https://www.linkedin.com/in/cat,cat@notacme.com\n"+
			"https://www.linkedin.com/in/dan,dan@other.org\n"+
			"https://www.linkedin.com/in/eve,\n"+
			"https://www.linkedin.com/in/fay,fay@other.org\n")
		if _, err := Suppress(ctx, s, []string{"@acme.com", "DAN@other.org", "https://de.linkedin.com/in/Eve/"}, "", "U1", monday09); err != nil {
			t.Fatal(err)
		}
		bt, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(slugs(bt), ","), "cat,fay"; got != want {
			t.Errorf("got %s, want %s: acme.com and its subdomains, dan's address and eve's profile are suppressed", got, want)
		}
	})
}

func TestProposeSizing(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Campaigns = append(cfg.Campaigns, config.Campaign{Name: "cfo", Account: "anna", Channel: "C0CFO", BatchSize: 3})
	tests := []struct {
		name     string
		capacity int
		n        int
		campaign string
		before   func(t *testing.T, b *bundle)
		want     int
		err      error
	}{
		{name: "capacity of the next two working days", capacity: 7, campaign: "cto", want: 7},
		{name: "n below capacity", capacity: 7, n: 4, campaign: "cto", want: 4},
		{name: "batch_size below capacity", capacity: 7, campaign: "cfo", want: 3},
		{name: "queue shorter than capacity", capacity: 50, campaign: "cto", want: 20},
		{name: "scheduled actions count", capacity: 7, campaign: "cto", want: 2, before: func(t *testing.T, b *bundle) {
			for range 5 {
				b.action(t, "anna", models.ActionInvite, "", models.ActionScheduled, monday09)
			}
		}},
		{name: "another campaign's open proposal counts", capacity: 7, campaign: "cto", want: 4, before: func(t *testing.T, b *bundle) {
			if _, err := b.p.Propose(context.Background(), "cfo", 0); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "no capacity", capacity: 0, campaign: "cto", err: ErrNoCapacity},
		{name: "nothing left in the queue", capacity: 7, campaign: "cto", err: ErrQueueEmpty, before: func(t *testing.T, b *bundle) {
			b.store.DB.Model(&models.Enrollment{}).Where("campaign_id = ?", b.campaigns["cto"]).Update("state", models.EnrollmentDone)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *models.Store) {
				b := setup(t, s, cfg)
				b.importCSV(t, "cto", prospectsCSV(1, 20, ""))
				b.importCSV(t, "cfo", prospectsCSV(101, 20, ""))
				b.quota.setCapacity(b.accounts["anna"], tc.capacity)
				if tc.before != nil {
					tc.before(t, b)
				}
				bt, err := b.p.Propose(context.Background(), tc.campaign, tc.n)
				if tc.err != nil {
					if !errors.Is(err, tc.err) {
						t.Fatalf("got %v, want %v", err, tc.err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(bt.Items) != tc.want {
					t.Errorf("items: got %d, want %d", len(bt.Items), tc.want)
				}
				if want := "from account"; !strings.Contains(bt.Proposal.Forecast, want) || !strings.HasPrefix(bt.Proposal.Forecast, itoa(tc.want)+" invites") {
					t.Errorf("forecast: got %q, want the quota's summary for %d invites", bt.Proposal.Forecast, tc.want)
				}
				if !slices.Contains(b.quota.calls, "capacity "+itoa(b.accounts["anna"])+" invite 2") {
					t.Errorf("quota calls: got %v, want Capacity(anna, invite, 2 working days)", b.quota.calls)
				}
				stored, err := b.p.Load(context.Background(), bt.Proposal.ID)
				if err != nil || len(stored.Items) != tc.want || stored.Proposal.Channel == "" || stored.Campaign != tc.campaign || stored.Account != "anna" {
					t.Errorf("stored: got %+v, %v", stored, err)
				}
			})
		})
	}
}

func TestProposeOneOpenProposalPerCampaign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		b.importCSV(t, "cto", prospectsCSV(1, 30, ""))
		// Two proposers race; one opens the proposal, the other is told which.
		var wg sync.WaitGroup
		results := make([]*Batch, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { results[i], errs[i] = b.p.Propose(ctx, "cto", 5) })
		}
		wg.Wait()
		var winner *Batch
		var lost error
		for i := range 2 {
			if errs[i] == nil {
				winner = results[i]
			} else {
				lost = errs[i]
			}
		}
		if winner == nil || lost == nil {
			t.Fatalf("got errors %v, want one proposal and one refusal", errs)
		}
		var open *OpenProposalError
		if !errors.As(lost, &open) || !errors.Is(lost, ErrOpenProposal) || open.ProposalID != winner.Proposal.ID || open.Campaign != "cto" {
			t.Errorf("refusal: got %v, want an *OpenProposalError naming #%d", lost, winner.Proposal.ID)
		}
		var proposed int64
		s.DB.Model(&models.Enrollment{}).Where("state = ?", models.EnrollmentProposed).Count(&proposed)
		if proposed != 5 {
			t.Errorf("proposed enrollments: got %d, want 5", proposed)
		}
	})
}

func TestProposeNotes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[0].Note = "Hi {{first_name|there}}, {{company|your team}} at {{event}}: " + strings.Repeat("x", 280)
		b := setup(t, s, cfg)
		b.importCSV(t, "cto", "url,first_name,company,event\n"+
			"https://www.linkedin.com/in/ada,Ada,,Data Council\n"+
			"https://www.linkedin.com/in/bob,,Acme,\n")
		bt, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		ada, bob := bt.Items[0], bt.Items[1]
		if !strings.HasPrefix(ada.Note, "Hi Ada, your team at Data Council: ") {
			t.Errorf("ada: got %q", ada.Note[:40])
		}
		if !strings.HasPrefix(bob.Note, "Hi there, Acme at {{event}}: ") {
			t.Errorf("bob: got %q", bob.Note[:40])
		}
		rules := func(it Item) []string {
			var out []string
			for _, f := range it.Findings {
				out = append(out, f.Rule)
			}
			return out
		}
		if got := rules(ada); !slices.Equal(got, []string{RuleLength}) {
			t.Errorf("ada findings: got %v, want over the 300 of a premium account", got)
		}
		if got := rules(bob); !slices.Equal(got, []string{RuleLength, RulePlaceholder}) {
			t.Errorf("bob findings: got %v", got)
		}
		stored, _ := b.p.Load(ctx, bt.Proposal.ID)
		if got := rules(stored.Items[1]); !slices.Equal(got, []string{RuleLength, RulePlaceholder}) {
			t.Errorf("stored findings: got %v", got)
		}
	})
}

func TestProposeFreeAccountNotesPerMonth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		sendWithout bool
		used        int  // notes used or scheduled this month
		linkedIn    *int // what LinkedIn says is left
		want        int  // items
		withNote    int
		err         error
	}{
		{name: "notes left for all", sendWithout: true, used: 1, want: 4, withNote: 4},
		{name: "notes run out: dropped, said plainly", sendWithout: true, used: 3, want: 4, withNote: 2},
		{name: "LinkedIn's figure caps ours", sendWithout: true, used: 0, linkedIn: new(1), want: 4, withNote: 1},
		{name: "no sending without a note: batch capped", sendWithout: false, used: 3, want: 2, withNote: 2},
		{name: "no sending without a note: none left", sendWithout: false, used: 5, err: ErrNoNotesLeft},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, s *models.Store) {
				cfg := testConfig()
				cfg.Campaigns[1].SendWithoutNote = tc.sendWithout
				b := setup(t, s, cfg)
				b.importCSV(t, "ops", prospectsCSV(1, 4, ""))
				for i := range tc.used {
					if i%2 == 0 {
						b.action(t, "bob", models.ActionInvite, "Hi!", models.ActionScheduled, monday09)
					} else {
						done := b.action(t, "bob", models.ActionInvite, "Hi!", models.ActionDone, monday09.Add(-time.Hour))
						s.DB.Model(&done).Update("finished_at", monday09.Add(-time.Hour))
					}
				}
				// Last month's notes do not count.
				old := b.action(t, "bob", models.ActionInvite, "Hi!", models.ActionDone, monday09.Add(-5*24*time.Hour))
				s.DB.Model(&old).Update("finished_at", monday09.Add(-5*24*time.Hour))
				b.quota.setCapacity(b.accounts["bob"], 100)
				if tc.linkedIn != nil {
					s.DB.Model(&models.Account{}).Where("name = ?", "bob").Updates(map[string]any{"notes_left": *tc.linkedIn, "notes_left_month": "2026-06"})
				}
				bt, err := b.p.Propose(context.Background(), "ops", 0)
				if tc.err != nil {
					if !errors.Is(err, tc.err) {
						t.Fatalf("got %v, want %v", err, tc.err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(bt.Items) != tc.want {
					t.Fatalf("items: got %d, want %d", len(bt.Items), tc.want)
				}
				withNote := 0
				for _, it := range bt.Items {
					if it.Note != "" {
						withNote++
						continue
					}
					if len(it.Findings) != 1 || it.Findings[0].Rule != RuleNotesPerMonth || it.Findings[0].Blocking ||
						!strings.Contains(it.Findings[0].Message, "June 2026") {
						t.Errorf("item %d without a note: got findings %+v, want the notes-per-month one", it.Position, it.Findings)
					}
				}
				if withNote != tc.withNote {
					t.Errorf("items with a note: got %d, want %d", withNote, tc.withNote)
				}
			})
		})
	}
}

func TestProposeAccountUnavailable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, nil)
		b.importCSV(t, "cto", prospectsCSV(1, 2, ""))
		s.DB.Model(&models.Account{}).Where("name = ?", "anna").Updates(map[string]any{"state": models.AccountRestricted, "state_reason": "weekly limit"})
		if _, err := b.p.Propose(context.Background(), "cto", 0); !errors.Is(err, ErrAccountUnavailable) {
			t.Errorf("got %v, want ErrAccountUnavailable", err)
		}
	})
}

func TestProposeDue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[0].ProposeAt = "10:00" // cto: anna, Berlin (UTC+2 in June), 30 invitations a day
		b := setup(t, s, cfg)                // ops: bob, UTC, 09:00–18:00, 20 a day, no propose_at
		b.importCSV(t, "cto", prospectsCSV(1, 100, ""))
		b.importCSV(t, "ops", prospectsCSV(201, 50, ""))
		b.quota.setCapacity(b.accounts["anna"], 20)
		b.quota.setCapacity(b.accounts["bob"], 25)
		due := func(at time.Time) string {
			t.Helper()
			b.clock.Set(at)
			res, err := b.p.ProposeDue(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range res {
				s := r.Campaign + ":" + r.Trigger
				if r.Err != nil {
					s += ":" + r.Err.Error()
				} else {
					s += ":" + itoa(len(r.Batch.Items))
				}
				out = append(out, s)
			}
			return strings.Join(out, " ")
		}
		decide := func(campaign string, approve bool) {
			t.Helper()
			p := latestProposal(t, s, b.campaigns[campaign])
			var err error
			if approve {
				_, err = b.p.Approve(ctx, p.ID, p.Version, "U1")
			} else {
				_, err = b.p.Reject(ctx, p.ID, p.Version, "U1")
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		utc := func(day, hour, minute int) time.Time { return time.Date(2026, 6, day, hour, minute, 0, 0, time.UTC) }
		steps := []struct {
			name string
			at   time.Time
			do   func()
			want string
		}{
			{name: "Saturday", at: utc(6, 9, 0)},
			{name: "before propose_at and working hours", at: utc(1, 7, 0)},
			{name: "cto's propose_at", at: utc(1, 8, 0), want: "cto:schedule:20"},
			{name: "ops's working hours begin", at: utc(1, 9, 0), want: "ops:low_queue:25"},
			{name: "both approved: cto proposed today, ops holds a day", at: utc(1, 13, 0), do: func() { decide("cto", true); decide("ops", true) }},
			{name: "ops's queue runs short", at: utc(1, 13, 0), want: "ops:low_queue:10", do: func() {
				s.DB.Exec("UPDATE actions SET state = 'done' WHERE id IN (SELECT id FROM actions WHERE account_id = ? LIMIT 10)", b.accounts["bob"])
			}},
			{name: "rejected: wait the interval", at: utc(1, 14, 0), do: func() { decide("ops", false) }},
			{name: "after working hours", at: utc(1, 18, 30)},
			{name: "Tuesday's propose_at", at: utc(2, 8, 0), want: "cto:schedule:10", do: func() { b.quota.setCapacity(b.accounts["anna"], 30) }},
			{name: "ops after the interval", at: utc(2, 9, 0), want: "ops:low_queue:10"},
		}
		for _, st := range steps {
			if st.do != nil {
				st.do()
			}
			if got := due(st.at); got != st.want {
				t.Errorf("%s (%s): got %q, want %q", st.name, st.at.Format("Mon 15:04 MST"), got, st.want)
			}
		}
	})
}

// action inserts an action for an account, about a prospect of its own
// (actions outside proposals are unique per account, kind and prospect).
func (b *bundle) action(t testing.TB, account, kind, note, state string, at time.Time) models.Action {
	t.Helper()
	b.actions++
	p := models.Prospect{Slug: fmt.Sprintf("action-%d", b.actions), ProfileURL: "u", Vars: "{}", State: models.ProspectPending, CreatedAt: at, UpdatedAt: at}
	if err := b.store.DB.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	a := models.Action{AccountID: b.accounts[account], ProspectID: &p.ID, Kind: kind, Note: note, State: state, ScheduledAt: at, CreatedAt: at, UpdatedAt: at}
	if err := b.store.DB.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	return a
}

func latestProposal(t testing.TB, s *models.Store, campaignID int64) models.Proposal {
	t.Helper()
	var p models.Proposal
	if err := s.DB.Where("campaign_id = ?", campaignID).Order("id DESC").Take(&p).Error; err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa[T ~int | ~int64](n T) string { return strconvItoa(int64(n)) }

func TestProposePassesOverOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, nil)
		b.importCSV(t, "cto", prospectsCSV(1, 8, ""))
		b.setProspect(t, "p1", map[string]any{"state": models.ProspectConnected})
		b.setProspect(t, "p2", map[string]any{"state": models.ProspectPending})
		b.setProspect(t, "p3", map[string]any{"state": models.ProspectUnavailable})
		if _, err := Suppress(ctx, s, []string{"p4@example.com"}, "", "U1", monday09); err != nil {
			t.Fatal(err)
		}
		first, err := b.p.Propose(ctx, "cto", 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(slugs(first), ","); got != "p5,p6" {
			t.Fatalf("first: got %s, want p5,p6", got)
		}
		want := map[string]string{"p1": models.EnrollmentSkipped, "p2": models.EnrollmentQueued, "p3": models.EnrollmentSkipped, "p4": models.EnrollmentQueued, "p7": models.EnrollmentQueued}
		for slug, w := range want {
			if got := enrollmentState(t, s, b.campaigns["cto"], slug); got != w {
				t.Errorf("%s: got %s, want %s", slug, got, w)
			}
		}
		if _, err := b.p.Reject(ctx, first.Proposal.ID, 1, "U1"); err != nil {
			t.Fatal(err)
		}
		// p4 is taken off the list and p2's invitation withdrawn long ago:
		// eligible again, they come after the queue they were passed over for.
		if _, err := Unsuppress(ctx, s, []string{"p4@example.com"}); err != nil {
			t.Fatal(err)
		}
		b.setProspect(t, "p2", map[string]any{"state": models.ProspectWithdrawn, "withdrawn_at": monday09.Add(-60 * 24 * time.Hour)})
		next, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(slugs(next), ","); got != "p7,p8,p2,p4" {
			t.Errorf("next: got %s, want p7,p8 then the passed-over p2,p4", got)
		}
	})
}
