package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// The shared campaign: three senders, sixty prospects, two notes, one of
// which names its sender.
const (
	teamProspects = 60
	teamBatch     = 20
	teamPerDay    = 40
	namedMarker   = "here from the platform team"
	namedNote     = "Hi {{first_name|there}}, {{.Sender.FirstName}} " + namedMarker + ". Glad to connect!"
	plainTeamNote = "Hi {{first_name|there}}, I follow Berlin's engineering leaders. Glad to connect!"
)

// teamSenders are the senders, with the first name their notes carry.
var teamSenders = []struct{ name, first string }{{"anna", "Anna"}, {"bob", "Bob"}, {"cleo", "Cleo"}}

// TestSenders shares one campaign among three senders (issue 18), on
// Postgres. Five of the sixty prospects are already connected to bob or
// cleo (their LinkedIn export imported); the three
// senders propose their own batches, and cleo's session is refused by
// LinkedIn before her batch goes. Then: every other prospect is invited
// exactly once, by one sender, each within its own limits and pace; none
// of the five; cleo's invitations that read the same from anyone went to
// another sender, those that named her came back, were proposed and
// approved again, and went with their new sender's name; and every note
// the simulator received is the one approved for it, word for word.
func TestSenders(t *testing.T) {
	browsertest.Chrome(t)
	onPostgres(t, "the senders", senders)
}

func senders(t *testing.T, w *world) {
	w.writeSendersConfig()
	w.pacer("migrate")
	w.openStore()
	var csv strings.Builder
	csv.WriteString("LinkedIn URL,First Name\r\n")
	for i := range teamProspects {
		fmt.Fprintf(&csv, "https://www.linkedin.com/in/%s/,Member%d\r\n", teamSlug(i), i)
	}
	w.writeFile("team.csv", csv.String())
	w.pacer("import", "prospects", "team.csv", "--campaign", campaignName)

	// bob and cleo already know five of them, on LinkedIn and in their
	// data export.
	connected := map[string]string{teamSlug(3): "bob", teamSlug(17): "bob", teamSlug(41): "bob", teamSlug(8): "cleo", teamSlug(55): "cleo"}
	w.startSim("--weekly-limit", "-1")
	for _, sender := range []string{"bob", "cleo"} {
		export := "Notes:\r\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\r\n\r\n" +
			"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
		for slug, who := range connected {
			if who == sender {
				export += fmt.Sprintf("Known,Member,https://www.linkedin.com/in/%s,,Acme,CTO,03 Nov 2025\r\n", slug)
				w.simAdmin("/_sim/connect", map[string]string{"account": runner.SimulatedSession(sender, "premium"), "slug": slug})
			}
		}
		w.writeFile(sender+"-connections.csv", export)
		if out := w.pacer("import", "connections", sender+"-connections.csv", "--account", sender); !strings.Contains(out, "Imported") {
			t.Fatalf("import connections for %s: %s", sender, out)
		}
	}
	w.startServe()

	// Serve's pass proposes a batch for each sender, sized by its room.
	var first []models.Proposal
	w.waitFor(90*time.Second, "a posted proposal for each sender", func() bool {
		first = nil
		w.store.DB.Where("state = ? AND message_ts <> ''", models.ProposalOpen).Order("id").Find(&first)
		return len(first) == len(teamSenders)
	})
	// LinkedIn refuses cleo's session before her batch goes: she waits
	// for a person, and her approved invitations must leave her.
	w.simAdmin("/_sim/reject", map[string]string{"li_at": runner.SimulatedSession("cleo", "premium")})
	for _, p := range first {
		w.approveProposal(p.ID)
	}
	var cleo models.Account
	var stranded int64
	defer func() {
		if t.Failed() {
			var rows []struct {
				AccountID int64
				State     string
				N         int
			}
			w.store.DB.Raw("SELECT account_id, state, COUNT(*) AS n FROM actions GROUP BY account_id, state").Scan(&rows)
			t.Logf("cleo: %s (%s); %d scheduled; actions by account and state: %+v", cleo.State, cleo.StateReason, stranded, rows)
		}
	}()
	w.waitFor(2*time.Minute, "cleo to be stopped and her invitations to move or come back", func() bool {
		w.store.DB.Where("name = ?", "cleo").Take(&cleo)
		w.store.DB.Model(&models.Action{}).Where("account_id = ? AND kind = ? AND state = ?", cleo.ID, models.ActionInvite, models.ActionScheduled).Count(&stranded)
		return cleo.State == models.AccountNeedsHuman && stranded == 0
	})
	// Her card's thread says where each went.
	var cleoCard models.Proposal
	w.store.DB.Where("account_id = ? AND kind = ?", cleo.ID, models.ProposalInvites).Order("id").Take(&cleoCard)
	w.waitFor(30*time.Second, "cleo's thread to say where her invitations went", func() bool {
		text := ""
		for _, m := range w.slack.thread(channel, cleoCard.MessageTS) {
			text += blocksText(m.Blocks)
		}
		return strings.Contains(text, "moved from cleo") && strings.Contains(text, "back to the queue from cleo")
	})
	var moved, returned int64
	w.store.DB.Model(&models.Decision{}).Where("kind = ?", models.DecisionMove).Count(&moved)
	w.store.DB.Model(&models.Decision{}).Where("kind = ?", models.DecisionReturn).Count(&returned)
	t.Logf("cleo's invitations: %d moved, %d back to the queue", moved, returned)
	if moved == 0 || returned == 0 {
		t.Errorf("cleo's invitations: %d moved and %d returned; want both (her batch holds both notes)", moved, returned)
	}
	// What came back is proposed to a healthy sender and approved again.
	_, url := w.command(anna, "propose "+campaignName)
	m := proposalNumber.FindStringSubmatch(w.reply(url))
	if m == nil {
		t.Fatalf("/pacer propose after cleo stopped: %s", w.reply(url))
	}
	again, _ := strconv.ParseInt(m[1], 10, 64)
	w.approveProposal(again)

	want := teamProspects - len(connected)
	w.waitFor(4*time.Minute, fmt.Sprintf("the simulator to receive %d invitations", want), func() bool {
		return len(w.received().Invitations) >= want
	})
	time.Sleep(3 * time.Second) // anything extra would show now
	checkSenders(t, w, connected, want)
}

// checkSenders checks what the simulator received against what was
// approved and each sender's limits.
func checkSenders(t *testing.T, w *world, connected map[string]string, want int) {
	rec := w.received()
	if len(rec.Invitations) != want {
		t.Errorf("the simulator received %d invitations, want %d", len(rec.Invitations), want)
	}
	approved := approvedNotes(t, w)
	firstOf := map[string]string{}
	for _, s := range teamSenders {
		firstOf[runner.SimulatedSession(s.name, "premium")] = s.first
	}
	perSender := map[string]int{}
	seen := map[string]string{}
	for _, inv := range rec.Invitations {
		perSender[inv.Account]++
		if by, ok := seen[inv.Slug]; ok {
			t.Errorf("%s was invited twice: by %s and by %s", inv.Slug, by, inv.Account)
		}
		seen[inv.Slug] = inv.Account
		if who, ok := connected[inv.Slug]; ok {
			t.Errorf("%s, already connected to %s, was invited by %s", inv.Slug, who, inv.Account)
		}
		if inv.Note != approved[inv.Slug] {
			t.Errorf("%s received %q from %s; the note approved last was %q", inv.Slug, inv.Note, inv.Account, approved[inv.Slug])
		}
		if strings.Contains(inv.Note, namedMarker) && !strings.Contains(inv.Note, ", "+firstOf[inv.Account]+" "+namedMarker) {
			t.Errorf("%s received %q from %s, whose name is %s", inv.Slug, inv.Note, inv.Account, firstOf[inv.Account])
		}
	}
	if n := perSender[runner.SimulatedSession("cleo", "premium")]; n != 0 {
		t.Errorf("cleo, refused by LinkedIn, sent %d invitations", n)
	}
	t.Logf("invitations per sender: %v", perSender)
	// Each sender within its own limits and pace.
	loads := map[string][]time.Time{}
	for _, l := range rec.PageLoads {
		loads[l.Account] = append(loads[l.Account], l.RealAt)
	}
	for acct, n := range perSender {
		if n > teamPerDay {
			t.Errorf("%s sent %d invitations, above its %d a day", acct, n, teamPerDay)
		}
		ts := loads[acct]
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(ts); i++ {
			// The fast pace's gap, less a tenth for the page's own latency:
			// the runner keeps the gap between its requests, and the
			// simulator notes each when it arrives.
			if gap := ts[i].Sub(ts[i-1]); gap < quota.FastGap*9/10 {
				t.Errorf("%s loaded two pages %v apart, under the fast pace's gap of %v", acct, gap, quota.FastGap)
				break
			}
		}
	}
}

// approvedNotes maps each prospect to the note last approved for it, as
// the audit trail recorded it.
func approvedNotes(t *testing.T, w *world) map[string]string {
	var rows []struct{ Slug, Detail string }
	err := w.store.DB.Raw(`SELECT p.slug, d.detail FROM decisions d
		JOIN proposal_items i ON i.id = d.item_id JOIN prospects p ON p.id = i.prospect_id
		WHERE d.kind = ? ORDER BY d.id`, models.DecisionApproveItem).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Slug] = r.Detail
	}
	return out
}

// approveProposal approves a proposal as anna, once its card is posted.
func (w *world) approveProposal(id int64) {
	w.t.Helper()
	var card slackMessage
	w.waitFor(30*time.Second, fmt.Sprintf("proposal #%d in Slack", id), func() bool {
		var p models.Proposal
		if err := w.store.DB.Take(&p, id).Error; err != nil || p.MessageTS == "" {
			return false
		}
		var ok bool
		card, ok = w.slack.message(channel, p.MessageTS)
		return ok
	})
	w.click(anna, card, "proposal.approve", 0)
	w.waitFor(30*time.Second, fmt.Sprintf("proposal #%d to be approved", id), func() bool {
		var p models.Proposal
		return w.store.DB.Take(&p, id).Error == nil && p.State == models.ProposalApproved
	})
}

func teamSlug(i int) string { return fmt.Sprintf("team-member-%02d", i) }

// writeFile writes a file in the world's directory.
func (w *world) writeFile(name, text string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(text), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// writeSendersConfig writes the campaign shared by the three senders.
func (w *world) writeSendersConfig() {
	var accounts strings.Builder
	for _, s := range teamSenders {
		accounts.WriteString(accountYAML(s.name, s.first, teamPerDay))
	}
	cfg := fmt.Sprintf(`timezone: Europe/Berlin
accounts:
%scampaigns:
  - name: %s
    senders: [anna, bob, cleo]
    channel: %s
    notes:
      - {name: named, note: %q}
      - {name: plain, note: %q}
    batch_size: %d
    undo_window: "0"
    find_email: none
`, accounts.String(), campaignName, channel, namedNote, plainTeamNote, teamBatch)
	w.writeFile("pacer.yml", cfg)
}
