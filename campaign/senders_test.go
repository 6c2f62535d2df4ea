package campaign

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// teamNotes are the shared campaign's variants: one names the sender, one
// would read the same from anyone.
var teamNotes = []config.NoteVariant{
	{Name: "named", Note: "Hi {{first_name|there}}, {{.Sender.FirstName}} here from the data team."},
	{Name: "plain", Note: "Hi {{first_name|there}}, I enjoyed {{company|your team}}'s work."},
}

// teamConfig is testConfig with three more accounts, carl, dana and eve,
// and the campaign team sent by anna, carl and dana.
func teamConfig() *config.Config {
	cfg := testConfig()
	wh := cfg.Accounts[0].WorkingHours
	cfg.Accounts[0].FirstName = "Anna"
	cfg.Accounts = append(cfg.Accounts,
		config.Account{Name: "carl", FirstName: "Carl", Plan: "premium", Timezone: "UTC", WorkingHours: wh},
		config.Account{Name: "dana", FirstName: "Dana", Plan: "premium", Timezone: "UTC", WorkingHours: wh},
		config.Account{Name: "eve", FirstName: "Eve", Plan: "premium", Timezone: "UTC", WorkingHours: wh})
	cfg.Campaigns = append(cfg.Campaigns, config.Campaign{Name: "team", Senders: []string{"anna", "carl", "dana"},
		Channel: "C0TEAM", Notes: teamNotes})
	return cfg
}

// proposedSlugs maps each prospect of the open invitation proposals of a
// campaign to the sender its item is for.
func proposedSlugs(t *testing.T, b *bundle, campaign string) map[string]string {
	t.Helper()
	var rows []struct{ Slug, Account string }
	err := b.store.DB.Raw(`SELECT p.slug, a.name AS account FROM proposal_items i
		JOIN proposals r ON r.id = i.proposal_id JOIN accounts a ON a.id = r.account_id
		JOIN prospects p ON p.id = i.prospect_id
		WHERE r.campaign_id = ? AND r.state = 'open'`, b.campaigns[campaign]).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		if prev, ok := out[r.Slug]; ok {
			t.Fatalf("%s is proposed for both %s and %s", r.Slug, prev, r.Account)
		}
		out[r.Slug] = r.Account
	}
	return out
}

// TestSendersShareACampaign: the campaign's prospects are proposed to its
// senders in batches sized by each sender's own room, the one with the
// most room first, nobody to two senders, and each note names its own
// sender.
func TestSendersShareACampaign(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, teamConfig())
		b.quota.setCapacity(b.accounts["anna"], 10)
		b.quota.setCapacity(b.accounts["carl"], 20)
		b.quota.setCapacity(b.accounts["dana"], 5)
		b.importCSV(t, "team", prospectsCSV(1, 100, ""))

		var order []string
		for range 3 {
			bt, err := b.p.Propose(ctx, "team", 0)
			if err != nil {
				t.Fatal(err)
			}
			order = append(order, bt.Account)
			want := map[string]int{"anna": 10, "carl": 20, "dana": 5}[bt.Account]
			if len(bt.Items) != want {
				t.Errorf("%s's batch holds %d prospects, want its room, %d", bt.Account, len(bt.Items), want)
			}
			first := map[string]string{"anna": "Anna", "carl": "Carl", "dana": "Dana"}[bt.Account]
			for _, it := range bt.Items {
				named := strings.Contains(it.Note, " here from the data team")
				if named != (it.Variant == "named") || (named && !strings.Contains(it.Note, ", "+first+" here")) {
					t.Errorf("%s's item %s (%s): note %q does not name its sender %s", bt.Account, it.Prospect.Slug, it.Variant, it.Note, first)
				}
			}
		}
		if strings.Join(order, ",") != "carl,anna,dana" {
			t.Errorf("senders proposed in order %v, want the most room first: carl, anna, dana", order)
		}
		if got := len(proposedSlugs(t, b, "team")); got != 35 {
			t.Errorf("%d prospects proposed, want 35", got)
		}
		_, err := b.p.Propose(ctx, "team", 0)
		var open *OpenProposalError
		if !errors.As(err, &open) || open.Account == "" || !strings.Contains(err.Error(), "no sender of team can take a batch") {
			t.Errorf("a fourth proposal: %v, want each sender's open proposal named", err)
		}
	})
}

// TestTeamConnectionsAndFirstTouch: nobody connected to any account of the
// team is proposed, and a prospect another sender touched first is
// proposed to that sender only.
func TestTeamConnectionsAndFirstTouch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, teamConfig())
		b.importCSV(t, "team", prospectsCSV(1, 12, ""))
		now := b.clock.Now()
		// eve sends no campaign here; her connections count all the same.
		for _, c := range []models.AccountConnection{
			{AccountID: b.accounts["eve"], Slug: "p2", Source: models.ConnectionFromExport, CreatedAt: now},
			{AccountID: b.accounts["dana"], Slug: "p3", Source: models.ConnectionFromExport, CreatedAt: now},
		} {
			if err := s.DB.Create(&c).Error; err != nil {
				t.Fatal(err)
			}
		}
		var p4 models.Prospect
		s.DB.Where("slug = ?", "p4").Take(&p4)
		carl := b.accounts["carl"]
		if err := s.DB.Create(&models.Action{AccountID: carl, ProspectID: &p4.ID, Kind: models.ActionView,
			ScheduledAt: now, State: models.ActionDone, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		for _, sender := range []string{"anna", "dana", "carl"} {
			if _, err := b.p.propose(ctx, "team", sender, 4, now); err != nil {
				t.Fatal(err)
			}
		}
		got := proposedSlugs(t, b, "team")
		for _, slug := range []string{"p2", "p3"} {
			if who, ok := got[slug]; ok {
				t.Errorf("%s, connected to an account of the team, is proposed for %s", slug, who)
			}
		}
		if got["p4"] != "carl" {
			t.Errorf("p4, whom carl viewed first, is proposed for %q, want carl", got["p4"])
		}
	})
}

// TestAStoppedSendersItemsMoveOrReturn: when a sender is restricted mid-
// batch, each of its approved invitations not begun goes to the sender
// with most room when that sender's note for it is the approved text word
// for word; the others (a note naming the stopped sender, a note an
// approver edited) go back to the queue, their actions canceled, and are
// proposed again with the new sender's note.
func TestAStoppedSendersItemsMoveOrReturn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, teamConfig())
		b.quota.setCapacity(b.accounts["anna"], 12)
		b.quota.setCapacity(b.accounts["carl"], 30)
		b.quota.setCapacity(b.accounts["dana"], 40)
		b.importCSV(t, "team", prospectsCSV(1, 12, ""))
		bt, err := b.p.propose(ctx, "team", "anna", 0, b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		var edited *Item
		for i := range bt.Items {
			if bt.Items[i].Variant == "plain" {
				edited = &bt.Items[i]
				break
			}
		}
		if edited == nil {
			t.Fatal("no plain note in anna's batch; change the seed")
		}
		nb, err := b.p.EditNote(ctx, edited.ID, bt.Proposal.Version, "U1", "Hi again, it's Anna!")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.p.Approve(ctx, bt.Proposal.ID, nb.Proposal.Version, "U1"); err != nil {
			t.Fatal(err)
		}
		// One invitation is under way: the runner holds it.
		var begun models.Action
		s.DB.Where("account_id = ? AND kind = ?", b.accounts["anna"], models.ActionInvite).Order("id").Take(&begun)
		s.DB.Model(&begun).Update("state", models.ActionInFlight)
		s.DB.Model(&models.Account{}).Where("id = ?", b.accounts["anna"]).Update("state", models.AccountRestricted)

		b.clock.Set(b.clock.Now().Add(time.Minute))
		res, err := b.p.Rehome(ctx, b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		var wantMoved, wantReturned int
		for _, it := range bt.Items {
			var acts []models.Action
			s.DB.Where("proposal_item_id = ?", it.ID).Find(&acts)
			if len(acts) != 1 {
				t.Fatalf("item %s has %d actions, want 1", it.Prospect.Slug, len(acts))
			}
			a := acts[0]
			state := enrollmentState(t, s, b.campaigns["team"], it.Prospect.Slug)
			switch {
			case a.ID == begun.ID:
				if a.AccountID != b.accounts["anna"] || a.State != models.ActionInFlight {
					t.Errorf("the invitation under way was touched: %+v", a)
				}
			case it.Variant == "plain" && it.ID != edited.ID:
				wantMoved++
				if a.AccountID != b.accounts["dana"] || a.State != models.ActionScheduled || a.Note != it.Note {
					t.Errorf("%s (plain) should move to dana, the most room, its note unchanged: %+v", it.Prospect.Slug, a)
				}
			default:
				wantReturned++
				if a.AccountID != b.accounts["anna"] || a.State != models.ActionCanceled || state != models.EnrollmentQueued {
					t.Errorf("%s (%s, edited %v) should go back to the queue: action %s for %d, enrollment %s",
						it.Prospect.Slug, it.Variant, it.ID == edited.ID, a.State, a.AccountID, state)
				}
			}
		}
		if len(res) != 1 || res[0].Moved != wantMoved || res[0].Returned != wantReturned || res[0].To["dana"] != wantMoved {
			t.Errorf("Rehome: %+v, want %d moved to dana and %d returned", res, wantMoved, wantReturned)
		}
		var moves, returns int64
		s.DB.Model(&models.Decision{}).Where("kind = ? AND user_id = ''", models.DecisionMove).Count(&moves)
		s.DB.Model(&models.Decision{}).Where("kind = ? AND user_id = ''", models.DecisionReturn).Count(&returns)
		if int(moves) != wantMoved || int(returns) != wantReturned {
			t.Errorf("audit: %d moves and %d returns, want %d and %d", moves, returns, wantMoved, wantReturned)
		}
		// The card says anna's batch is held while she holds the invitation
		// under way, and no longer once it ended: the rest went elsewhere.
		if r, err := ReadProposal(ctx, s, bt.Proposal.ID); err != nil || r.View.Progress == nil || r.View.Progress.Stopped == nil {
			t.Errorf("while anna holds an invitation, the card's batch is not stopped: %+v, %v", r.View.Progress, err)
		}
		s.DB.Model(&begun).Update("state", models.ActionFailed)
		if r, err := ReadProposal(ctx, s, bt.Proposal.ID); err != nil || r.View.Progress == nil || r.View.Progress.Stopped != nil {
			t.Errorf("with nothing left for anna, the card's batch is still stopped: %+v, %v", r.View.Progress, err)
		}
		// Again: nothing left to move.
		if res, err := b.p.Rehome(ctx, b.clock.Now()); err != nil || len(res) != 0 {
			t.Errorf("a second Rehome: %+v, %v; want nothing", res, err)
		}
		// The returned are proposed again, with their new sender's note.
		again, err := b.p.Propose(ctx, "team", 0)
		if err != nil {
			t.Fatal(err)
		}
		if again.Account == "anna" || len(again.Items) != wantReturned {
			t.Fatalf("proposed again: %d items for %s, want the %d returned, not for anna", len(again.Items), again.Account, wantReturned)
		}
		for _, it := range again.Items {
			if strings.Contains(it.Note, "Anna") {
				t.Errorf("%s is proposed again with anna's note %q", it.Prospect.Slug, it.Note)
			}
		}
	})
}

// TestASenderWithoutNotesIsPassedOver: a free sender whose notes ran out
// this month takes no batch of a campaign that does not send without its
// note, however much room it has; another sender does.
func TestASenderWithoutNotesIsPassedOver(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := teamConfig()
		cfg.Campaigns[2].Senders = []string{"bob", "carl"}
		b := setup(t, s, cfg)
		b.quota.setCapacity(b.accounts["bob"], 50)
		b.quota.setCapacity(b.accounts["carl"], 10)
		zero := 0
		s.DB.Model(&models.Account{}).Where("id = ?", b.accounts["bob"]).Updates(map[string]any{"notes_left": &zero, "notes_left_month": "2026-06"})
		b.importCSV(t, "team", prospectsCSV(1, 30, ""))
		bt, err := b.p.Propose(context.Background(), "team", 0)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Account != "carl" || len(bt.Items) != 10 {
			t.Errorf("proposed %d for %s, want carl's 10: bob has no notes left", len(bt.Items), bt.Account)
		}
	})
}

// TestProposeDueAsksEachSender: the minutely pass, on the normal pace's
// rules (working hours, a queue short of a day), proposes a batch for
// each sender of a shared campaign, each sized by its own room, and
// nothing more while they wait for a decision.
func TestProposeDueAsksEachSender(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		b := setup(t, s, teamConfig())
		b.quota.setCapacity(b.accounts["anna"], 10)
		b.quota.setCapacity(b.accounts["carl"], 20)
		b.quota.setCapacity(b.accounts["dana"], 5)
		b.importCSV(t, "team", prospectsCSV(1, 100, ""))
		res, err := b.p.ProposeDue(ctx, b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range res {
			if r.Campaign == "team" && r.Err == nil && r.Batch != nil {
				got[r.Batch.Account] = len(r.Batch.Items)
			}
		}
		if want := map[string]int{"anna": 10, "carl": 20, "dana": 5}; !maps.Equal(got, want) {
			t.Errorf("the pass proposed %v, want each sender's room %v", got, want)
		}
		if len(proposedSlugs(t, b, "team")) != 35 {
			t.Errorf("%d prospects proposed, want 35, none twice", len(proposedSlugs(t, b, "team")))
		}
		b.clock.Set(b.clock.Now().Add(time.Minute))
		again, err := b.p.ProposeDue(ctx, b.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range again {
			if r.Campaign == "team" && r.Batch != nil {
				t.Errorf("a second pass proposed %d more for %s while its batch waits", len(r.Batch.Items), r.Batch.Account)
			}
		}
	})
}
