package campaign

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// variantNotes are three variants, one of them "no note".
var variantNotes = []config.NoteVariant{
	{Name: "short", Note: "Hi {{first_name|there}}"},
	{Name: "long", Note: "Hi {{first_name|there}}, I enjoyed {{company|your team}}'s work."},
	{Name: "none", Note: ""},
}

// variantConfig is testConfig with cto and its twin cto2 comparing
// variantNotes.
func variantConfig() *config.Config {
	cfg := testConfig()
	cfg.Campaigns[0].Note, cfg.Campaigns[0].Notes = "", variantNotes
	twin := cfg.Campaigns[0]
	twin.Name, twin.Channel = "cto2", "C0CTO2"
	cfg.Campaigns = append(cfg.Campaigns, twin)
	return cfg
}

// TestVariantsAreGivenAtRandom: each prospect gets one of the campaign's
// variants, its note rendered from it; over 200 prospects every variant
// is used, and the same seed gives the same variants.
func TestVariantsAreGivenAtRandom(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, variantConfig())
		b.quota.setCapacity(b.accounts["anna"], 1000)
		b.importCSV(t, "cto", prospectsCSV(1, 200, ""))
		b.importCSV(t, "cto2", prospectsCSV(201, 200, ""))
		bt, err := b.p.Propose(ctx, "cto", 200)
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := b.p.Load(ctx, bt.Proposal.ID)
		if err != nil {
			t.Fatal(err)
		}
		used := map[string]int{}
		for _, it := range loaded.Items {
			used[it.Variant]++
			i := slices.IndexFunc(variantNotes, func(v config.NoteVariant) bool { return v.Name == it.Variant })
			if i < 0 {
				t.Fatalf("item %d: variant %q is not one of the campaign's", it.Position, it.Variant)
			}
			want, _ := ParseTemplate(variantNotes[i].Note).Render(prospectVars(it.Prospect))
			if it.Note != want {
				t.Errorf("item %d (%s): note %q, want %q", it.Position, it.Variant, it.Note, want)
			}
		}
		for _, v := range variantNotes {
			if used[v.Name] < 30 {
				t.Errorf("variant %s given to %d of 200 prospects, want about a third: %v", v.Name, used[v.Name], used)
			}
		}
		twin := New(s, b.cfg, b.quota, Options{Now: b.clock.Now, Rand: rand.New(rand.NewPCG(7, 7))})
		again, err := twin.Propose(ctx, "cto2", 200)
		if err != nil {
			t.Fatal(err)
		}
		for i := range again.Items {
			if got, want := again.Items[i].Variant, bt.Items[i].Variant; got != want {
				t.Fatalf("same seed, item %d: variant %q, want %q", i+1, got, want)
			}
		}
	})
}

// TestEditedNoteKeepsItsVariant: an approver's edit changes the text, not
// the variant the prospect was given; the invitation carries both.
func TestEditedNoteKeepsItsVariant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, variantConfig())
		b.importCSV(t, "cto", prospectsCSV(1, 3, ""))
		bt, err := b.p.Propose(ctx, "cto", 0)
		if err != nil {
			t.Fatal(err)
		}
		item := bt.Items[0]
		edited, err := b.p.EditNote(ctx, item.ID, 1, "U2", "Hello {{first_name}}, edited")
		if err != nil {
			t.Fatal(err)
		}
		if got := edited.Items[0].Variant; got != item.Variant {
			t.Errorf("after the edit: variant %q, want %q", got, item.Variant)
		}
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, 2, "U1"); err != nil {
			t.Fatal(err)
		}
		var a models.Action
		if err := s.DB.Where("proposal_item_id = ? AND kind = ?", item.ID, models.ActionInvite).Take(&a).Error; err != nil {
			t.Fatal(err)
		}
		if a.Note != "Hello First1, edited" || a.Variant != item.Variant {
			t.Errorf("invitation: note %q variant %q, want the edited note under %q", a.Note, a.Variant, item.Variant)
		}
	})
}

// TestNoteBudgetWithVariants: on a free account with one note left, only
// variants with a note spend it; an item past the budget goes without its
// note and without a variant, so that the variants compare what was sent.
func TestNoteBudgetWithVariants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		cfg := testConfig()
		cfg.Campaigns[1].Note = ""
		cfg.Campaigns[1].Notes = []config.NoteVariant{{Name: "hello", Note: "Hello {{first_name|there}}!"}, {Name: "none"}}
		b := setup(t, s, cfg)
		one := 1
		if err := s.DB.Model(&models.Account{}).Where("id = ?", b.accounts["bob"]).
			Updates(map[string]any{"notes_left": &one, "notes_left_month": "2026-06"}).Error; err != nil {
			t.Fatal(err)
		}
		b.importCSV(t, "ops", prospectsCSV(1, 12, ""))
		bt, err := b.p.Propose(ctx, "ops", 12)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, it := range bt.Items {
			count[it.Variant]++
			switch {
			case it.Variant == "hello" && it.Note == "":
				t.Errorf("item %d: variant hello without its note", it.Position)
			case it.Variant != "hello" && it.Note != "":
				t.Errorf("item %d (%q): note %q, want none", it.Position, it.Variant, it.Note)
			case it.Variant == "" && !slices.ContainsFunc(it.Findings, func(f Finding) bool { return f.Rule == RuleNotesPerMonth }):
				t.Errorf("item %d: no variant but no finding saying the notes ran out: %v", it.Position, it.Findings)
			}
		}
		if count["hello"] != 1 || count["none"] == 0 || count[""] == 0 {
			t.Errorf("variants given: %v, want hello once (the one note left), some none, and the rest without a variant", count)
		}
	})
}

// adaptiveLedger: long accepted 35 of 100, short 5 of 100.
func adaptiveLedger() []invitation {
	var invs []invitation
	for i := range 100 {
		long := invitation{variant: "long", account: "anna", sentAfter: time.Duration(i) * time.Minute}
		if i < 35 {
			long.acceptedAfter = time.Hour
		}
		short := invitation{variant: "short", account: "anna", sentAfter: time.Duration(i) * time.Minute}
		if i < 5 {
			short.acceptedAfter = time.Hour
		}
		invs = append(invs, long, short)
	}
	return invs
}

// proposeAfterLedger seeds the ledger into cto (its prospects done with),
// then proposes 100 new prospects a week later and counts their variants.
func proposeAfterLedger(t *testing.T, s *models.Store, mode string) map[string]int {
	t.Helper()
	cfg := testConfig()
	cfg.Campaigns[0].Note, cfg.Campaigns[0].NotesMode = "", mode
	cfg.Campaigns[0].Notes = []config.NoteVariant{{Name: "long", Note: "Hi {{first_name|there}}, I enjoyed your work."}, {Name: "short", Note: "Hi"}}
	b := setup(t, s, cfg)
	b.quota.setCapacity(b.accounts["anna"], 1000)
	seedLedger(t, b, adaptiveLedger())
	if err := s.DB.Model(&models.Enrollment{}).Where("campaign_id = ?", b.campaigns["cto"]).Update("state", models.EnrollmentSkipped).Error; err != nil {
		t.Fatal(err)
	}
	b.importCSV(t, "cto", prospectsCSV(1001, 100, ""))
	b.clock.Set(statsNow)
	bt, err := b.p.Propose(context.Background(), "cto", 100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, it := range bt.Items {
		count[it.Variant]++
	}
	return count
}

// TestAdaptiveNotesFavourTheBetterVariant: with clear evidence that long
// is accepted more, adaptive mode gives it to most new prospects.
func TestAdaptiveNotesFavourTheBetterVariant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		if got := proposeAfterLedger(t, s, config.NotesAdaptive); got["long"] < 90 {
			t.Errorf("adaptive: variants %v, want long for at least 90 of 100", got)
		}
	})
}

// TestRandomNotesIgnoreTheEvidence: random mode, on the same ledger,
// still splits new prospects between the variants.
func TestRandomNotesIgnoreTheEvidence(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		if got := proposeAfterLedger(t, s, config.NotesRandom); got["long"] < 30 || got["long"] > 70 {
			t.Errorf("random: variants %v, want about half long", got)
		}
	})
}

// TestBetaDraw: the draws have the mean and variance of Beta(a, b).
func TestBetaDraw(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, ab := range [][2]float64{{1, 1}, {36, 66}, {6, 96}} {
		a, b := ab[0], ab[1]
		const n = 20000
		var sum, sq float64
		for range n {
			x := betaDraw(rnd, a, b)
			sum, sq = sum+x, sq+x*x
		}
		mean, variance := sum/n, sq/n-(sum/n)*(sum/n)
		wantMean, wantVar := a/(a+b), a*b/((a+b)*(a+b)*(a+b+1))
		if math.Abs(mean-wantMean) > 0.01 || math.Abs(variance-wantVar) > 0.1*wantVar {
			t.Errorf("Beta(%g, %g): mean %.4f variance %.5f, want %.4f and %.5f", a, b, mean, variance, wantMean, wantVar)
		}
	}
}

// TestAdaptiveGivesAFreeAccountsFewNotesToTheBetterVariant: with three
// notes left this month and twenty prospects, adaptive mode spends the
// notes on prospects drawn the variant most likely accepted; the others
// go without a note (and without a variant).
func TestAdaptiveGivesAFreeAccountsFewNotesToTheBetterVariant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := testConfig()
		cto := &cfg.Campaigns[0]
		cto.Account, cto.Note, cto.NotesMode, cto.SendWithoutNote = "bob", "", config.NotesAdaptive, true
		cto.Notes = []config.NoteVariant{{Name: "fair", Note: "Hello {{first_name|there}}."}, {Name: "good", Note: "Hi {{first_name|there}}, I enjoyed your work."}}
		b := setup(t, s, cfg)
		// Last month: good 3 of 6 accepted, fair 2 of 6. Weak evidence:
		// the draws still give fair to many.
		var invs []invitation
		for i := range 6 {
			good := invitation{variant: "good", account: "bob", sentAfter: -20*24*time.Hour + time.Duration(i)*time.Minute}
			fair := invitation{variant: "fair", account: "bob", sentAfter: -20*24*time.Hour + time.Duration(i)*time.Minute}
			if i < 3 {
				good.acceptedAfter = time.Hour
			}
			if i < 2 {
				fair.acceptedAfter = time.Hour
			}
			invs = append(invs, good, fair)
		}
		seedLedger(t, b, invs)
		s.DB.Model(&models.Enrollment{}).Where("campaign_id = ?", b.campaigns["cto"]).Update("state", models.EnrollmentSkipped)
		three := 3
		s.DB.Model(&models.Account{}).Where("id = ?", b.accounts["bob"]).Updates(map[string]any{"notes_left": &three, "notes_left_month": "2026-06"})
		b.importCSV(t, "cto", prospectsCSV(1001, 20, ""))
		bt, err := b.p.Propose(context.Background(), "cto", 20)
		if err != nil {
			t.Fatal(err)
		}
		drawn := map[string]int{}
		var sentWith []string
		for _, it := range bt.Items {
			if it.Note != "" {
				sentWith = append(sentWith, it.Variant)
			} else {
				drawn["without"]++
			}
		}
		if len(sentWith) != 3 || slices.ContainsFunc(sentWith, func(v string) bool { return v != "good" }) {
			t.Errorf("the three notes left went with %v, want good three times (%d items without a note)", sentWith, drawn["without"])
		}
	})
}
