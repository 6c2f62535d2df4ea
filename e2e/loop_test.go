package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/integrations/hubspot"
	"github.com/pacerhq/pacer/integrations/hubspot/hubspottest"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// prospect is a row of the imported CSV.
type prospect struct {
	slug, first, last, company, email string
}

// The 27 prospects the CSV holds once (slugs without a sim marker are
// ordinary members; -namesake has a stranger of the same name in the side
// rail, -noemail does not share an email once connected).
var prospects = []prospect{
	{"ada-lovelace-e2e01", "Ada", "Lovelace", "Analytical Engines", ""},
	{"grace-hopper-e2e02", "Grace", "Hopper", "Navy Labs", ""},
	{"alan-turing-e2e03", "Alan", "Turing", "Bletchley", ""},
	{"margaret-hamilton-e2e04", "", "Hamilton", "Apollo Systems", ""},
	{"edsger-dijkstra-e2e05", "Edsger", "Dijkstra", "", ""},
	{"barbara-liskov-e2e06", "Barbara", "Liskov", "CLU Works", ""},
	{"donald-knuth-e2e07", "Donald", "Knuth", "TeX Press", ""},
	{"frances-allen-e2e08", "Frances", "Allen", "Compilers Inc", ""},
	{"john-backus-e2e09", "John", "Backus", "Fortran Group", ""},
	{"ken-thompson-e2e10", "Ken", "Thompson", "Bell Labs", ""},
	{"dennis-ritchie-e2e11", "Dennis", "Ritchie", "Bell Labs", ""},
	{"radia-perlman-e2e12", "Radia", "Perlman", "Spanning Trees", ""},
	{"leslie-lamport-e2e13", "Leslie", "Lamport", "Paxos Systems", ""},
	{"tony-hoare-e2e14", "Tony", "Hoare", "Quicksort Ltd", ""},
	{"niklaus-wirth-e2e15", "Niklaus", "Wirth", "ETH", ""},
	{"adele-goldberg-e2e16", "Adele", "Goldberg", "ParcPlace", ""},
	{"alan-kay-e2e17", "Alan", "Kay", "Viewpoints", ""},
	{"bjarne-stroustrup-e2e18", "Bjarne", "Stroustrup", "", ""},
	{"guido-rossum-e2e19", "Guido", "van Rossum", "Python Labs", ""},
	{"james-gosling-e2e20", "James", "Gosling", "Oak Systems", ""},
	{"linus-torvalds-e2e21", "Linus", "Torvalds", "Kernel Org", ""},
	{"rob-pike-namesake-e2e22", "Rob", "Pike", "Plan 9", ""},
	{"robert-griesemer-noemail-e2e23", "Robert", "Griesemer", "Go Team", ""},
	{"sophie-wilson-e2e24", "Sophie", "Wilson", "Acorn", "sophie.wilson@acorn.example"},
	{"john-mccarthy-e2e25", "John", "McCarthy", "Lisp Machines", ""},
	{"shafi-goldwasser-e2e26", "Shafi", "Goldwasser", "Zero Knowledge", ""},
	{"whitfield-diffie-e2e27", "Whitfield", "Diffie", "Key Exchange", ""},
}

// The prospects the test acts on.
const (
	editedSlug  = "grace-hopper-e2e02"     // its note is edited in the modal
	skippedSlug = "whitfield-diffie-e2e27" // skipped; in the proposal's thread
	editedNote  = "Hi Grace, your talk on compilers at the Berlin meetup stayed with me. Would you like to connect?"
)

// acceptedSlugs accept the invitation (the simulator's admin API): with
// and without a first name, the edited note, a namesake in the side rail,
// one who shares no email, one whose email came with the CSV.
var acceptedSlugs = []string{"ada-lovelace-e2e01", editedSlug, "margaret-hamilton-e2e04",
	"rob-pike-namesake-e2e22", "robert-griesemer-noemail-e2e23", "sophie-wilson-e2e24"}

// csvFile is the import: the 27 prospects, the first of them a second time
// in another URL form, a Sales Navigator URL and a company page (30 rows).
func csvFile() string {
	var b strings.Builder
	b.WriteString("LinkedIn URL,First Name,Last Name,Company,Email\r\n")
	for i, p := range prospects {
		fmt.Fprintf(&b, "https://www.linkedin.com/in/%s/,%s,%s,%s,%s\r\n", p.slug, p.first, p.last, p.company, p.email)
		switch i {
		case 5:
			b.WriteString("https://www.linkedin.com/sales/lead/ACwAAA1b2c3,Sam,Sales,Navigator Co,\r\n")
		case 12:
			b.WriteString("https://de.linkedin.com/in/Ada-Lovelace-E2E01?originalSubdomain=de,Ada,Lovelace,Analytical Engines,\r\n")
		case 20:
			b.WriteString("https://www.linkedin.com/company/northwind/,Northwind,,Northwind,\r\n")
		}
	}
	return b.String()
}

// noteFor is the template rendered for p, as the proposal must show it.
func noteFor(p prospect) string {
	first, company := p.first, p.company
	if first == "" {
		first = "there"
	}
	if company == "" {
		company = "your company"
	}
	return "Hi " + first + ", I am meeting engineering leaders at " + company + " this spring. Glad to connect!"
}

// hubspotEmailOf is the email an accepted prospect's contact must have:
// the CSV's, else the one the contact-info overlay shows (none for a
// member who does not share it).
func hubspotEmailOf(slug string) string {
	p, persona := bySlug(slug), sim.NewPersona(slug)
	switch {
	case p.email != "":
		return p.email
	case persona.SharesEmail:
		return strings.ToLower(persona.Email)
	}
	return ""
}

func bySlug(slug string) prospect {
	for _, p := range prospects {
		if p.slug == slug {
			return p
		}
	}
	panic("no prospect " + slug)
}

// TestLoop runs the whole loop, as a team meets it, on SQLite and on
// Postgres: import, proposal, edits and decisions in Slack, invitations in
// a real Chromium on the simulator, acceptances and emails into HubSpot and
// a signed webhook, the numbers Slack shows, the final progress card, and
// a clean stop.
func TestLoop(t *testing.T) {
	browsertest.Chrome(t)
	stores := []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"PACER_DATA_DIR=" + filepath.Join(t.TempDir(), "data")} }},
		{"postgres", func(t *testing.T) []string { return []string{"DATABASE_URL=" + storetest.EmptyPostgresDatabase(t)} }},
	}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			began := time.Now()
			w := newWorld(t, s.env(t))
			defer func() {
				if t.Failed() && w.serve != nil {
					t.Logf("serve's log:\n%s", tail(w.serve.out.String(), 300))
					t.Logf("what Slack received, last first:\n%s", w.slack.summary(40))
				}
				if dir := os.Getenv("E2E_LOG_DIR"); dir != "" && w.serve != nil {
					// Everything serve logged and Slack received, to read
					// after a run.
					_ = os.WriteFile(filepath.Join(dir, s.name+"-serve.log"), []byte(w.serve.out.String()), 0o644)
					calls, _ := json.MarshalIndent(w.slack.allCalls(), "", "  ")
					_ = os.WriteFile(filepath.Join(dir, s.name+"-slack.json"), calls, 0o644)
					var crm []any
					for _, c := range w.hubspot.Contacts() {
						crm = append(crm, map[string]any{"contact": c, "notes": w.hubspot.NotesFor(c.ID)})
					}
					for _, d := range w.hooks.Deliveries() {
						crm = append(crm, map[string]any{"webhook": d.ID, "body": json.RawMessage(d.Body)})
					}
					raw, _ := json.MarshalIndent(crm, "", "  ")
					_ = os.WriteFile(filepath.Join(dir, s.name+"-crm.json"), raw, 0o644)
				}
				t.Logf("the loop on %s took %s", s.name, time.Since(began).Round(time.Second))
			}()
			loop(t, w)
		})
	}
}

func loop(t *testing.T, w *world) {
	// The README's set-up: the database, the HubSpot property, then the
	// prospects.
	w.pacer("migrate")
	if out := w.pacer("hubspot", "setup"); !strings.Contains(out, "Created the contact property "+hubspot.DefaultProfileURLProperty) {
		t.Errorf("hubspot setup said %q", out)
	}
	w.openStore()

	// 1. Import: 30 rows, 27 prospects; the Sales Navigator URL and the
	// company page are refused, the second form of Ada's URL is a
	// duplicate.
	if err := os.WriteFile(filepath.Join(w.dir, "prospects.csv"), []byte(csvFile()), 0o600); err != nil {
		t.Fatal(err)
	}
	out := w.pacer("import", "prospects", "prospects.csv", "--campaign", campaignName)
	for _, want := range []string{
		"Imported 27 prospects into " + campaignName + ".",
		"Already in the campaign: 0. Duplicates within the file: 1. Invalid: 2.",
		"line 8: https://www.linkedin.com/sales/lead/ACwAAA1b2c3: a Sales Navigator URL",
		"line 25: https://www.linkedin.com/company/northwind/: a company page, not a member's profile",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the import summary lacks %q:\n%s", want, out)
		}
	}

	w.startSim()
	w.startServe()

	// 2. The proposal, posted in the campaign's channel: the first 22
	// prospects in the message, the other 5 in its thread.
	ack, proposeURL := w.command(anna, "propose "+campaignName+" 30")
	if ack != "" {
		t.Errorf("/pacer propose acked %q, want an empty 200", ack)
	}
	// The answer comes once the proposal and its thread are posted.
	answer := w.reply(proposeURL)
	var first slackMessage
	for _, m := range w.slack.channelMessages(channel) {
		if strings.Contains(blocksText(m.Blocks), "Proposal #") {
			first = m
		}
	}
	if first.TS == "" {
		t.Fatalf("no proposal in %s; /pacer propose answered %q", channel, answer)
	}
	var proposal models.Proposal
	if err := w.store.DB.Where("message_ts = ?", first.TS).Take(&proposal).Error; err != nil {
		t.Fatalf("the proposal message %s is no proposal's: %v", first.TS, err)
	}
	thread := w.slack.thread(channel, first.TS)
	shown := items(first)
	for _, m := range thread {
		shown = append(shown, items(m)...)
	}
	if len(shown) != len(prospects) || len(thread) != 1 {
		t.Fatalf("the proposal shows %d prospects in 1+%d messages, want %d in 1+1", len(shown), len(thread), len(prospects))
	}
	itemOf := map[string]shownItem{}
	for i, it := range shown {
		p := prospects[i]
		if it.Slug != p.slug {
			t.Errorf("prospect %d shown is %q, want %q (import order)", i+1, it.Slug, p.slug)
		}
		if !strings.Contains(unescape(it.Text), ">"+noteFor(p)) {
			t.Errorf("%s is shown with\n%s\nwant the note %q", p.slug, it.Text, noteFor(p))
		}
		itemOf[it.Slug] = it
	}
	if !strings.Contains(answer, fmt.Sprintf("Posted proposal #%d", proposal.ID)) || len(w.slack.responses(proposeURL)) != 1 {
		t.Errorf("/pacer propose answered %q (%d times), want one \"Posted proposal #%d\"", answer, len(w.slack.responses(proposeURL)), proposal.ID)
	}

	// Edit note: the modal opens on the item's note; its submission
	// closes it and the message shows the new note.
	edited := itemOf[editedSlug]
	trigger, _ := w.click(anna, first, "item.edit", edited.ID)
	var opened slackCall
	w.waitFor(20*time.Second, "views.open", func() bool {
		for _, c := range w.slack.callsTo("views.open") {
			if c.JSON["trigger_id"] == trigger {
				opened = c
				return true
			}
		}
		return false
	})
	if opened.Error != "" {
		t.Fatalf("views.open was refused: %s", opened.Error)
	}
	view := w.slack.view(opened.ViewID)
	if view["callback_id"] != "edit_note" {
		t.Fatalf("views.open opened %v, want the edit_note modal", view["callback_id"])
	}
	if note, _ := modalInput(view, "note"); note != noteFor(bySlug(editedSlug)) {
		t.Errorf("the modal opens on %q, want the item's note %q", note, noteFor(bySlug(editedSlug)))
	}
	if code, ack := w.submit(anna, view, map[string]string{"note": editedNote}); code != 200 || ack != "" {
		t.Fatalf("the note's submission answered %d %q, want an empty 200 (the modal closes)", code, ack)
	}

	// Skip: the last prospect, in the thread, from the message as it is
	// after the edit (a button of the message before it carries the
	// proposal's older version, and is refused as stale).
	w.waitFor(30*time.Second, "the message to show the edit", func() bool {
		m, _ := w.slack.message(channel, first.TS)
		return strings.Contains(unescape(blocksText(m.Blocks)), ">"+editedNote)
	})
	w.waitFor(30*time.Second, "the thread to carry the proposal's new version", func() bool {
		m, _ := w.slack.message(channel, thread[0].TS)
		if fmt.Sprint(m.Blocks) == fmt.Sprint(thread[0].Blocks) { // the button values carry the version
			return false
		}
		thread[0] = m
		return true
	})
	w.click(anna, thread[0], "item.skip", itemOf[skippedSlug].ID)
	w.waitFor(30*time.Second, "the message to show the edit and the skip", func() bool {
		m, _ := w.slack.message(channel, first.TS)
		first = m
		text := unescape(blocksText(m.Blocks))
		return strings.Contains(text, ">"+editedNote) && strings.Contains(text, "(1 skipped)")
	})
	if text := blocksText(first.Blocks); !strings.Contains(text, "edited by <@"+anna+">") || !strings.Contains(text, "Approve all 26") {
		t.Errorf("the updated proposal does not say who edited, or does not offer to approve 26:\n%s", text)
	}
	if m, _ := w.slack.message(channel, thread[0].TS); !strings.Contains(blocksText(m.Blocks), "~ skipped") {
		t.Errorf("the thread does not show the skip:\n%s", blocksText(m.Blocks))
	}

	// Approve as someone who is not an approver: refused in private,
	// nothing changes.
	if err := w.store.DB.Take(&proposal, proposal.ID).Error; err != nil {
		t.Fatal(err)
	}
	// The message may be rendered again with the same content (the edit's
	// and the skip's refreshes race), so what must not change is what it
	// shows.
	before := blocksJSON(first)
	w.click(intern, first, "proposal.approve", 0)
	var refusal slackCall
	w.waitFor(20*time.Second, "the refusal of the intern's approval", func() bool {
		for _, c := range w.slack.callsTo("chat.postEphemeral") {
			if c.Form.Get("user") == intern {
				refusal = c
				return true
			}
		}
		return false
	})
	if text := refusal.Form.Get("text"); !strings.Contains(text, "nothing changed") || refusal.Form.Get("channel") != channel {
		t.Errorf("the intern was told %q in %s", text, refusal.Form.Get("channel"))
	}
	var after models.Proposal
	if err := w.store.DB.Take(&after, proposal.ID).Error; err != nil {
		t.Fatal(err)
	}
	var decisions int64
	w.store.DB.Model(&models.Decision{}).Where("user_id = ?", intern).Count(&decisions)
	if after.State != models.ProposalOpen || after.Version != proposal.Version || decisions != 0 {
		t.Errorf("after the intern's click: proposal %s v%d (was v%d), %d decisions by the intern; want it open and unchanged",
			after.State, after.Version, proposal.Version, decisions)
	}
	if m, _ := w.slack.message(channel, first.TS); blocksJSON(m) != before {
		t.Errorf("the intern's click changed the proposal message:\n%s\nwas\n%s", blocksJSON(m), before)
	}

	// The same approval forged (another secret) or replayed (signed six
	// minutes ago) is refused before anything reads it.
	forged, _, _ := w.clickBody(lead, first, "proposal.approve", 0)
	for name, h := range map[string]http.Header{
		"forged":   slackSign("not-the-signing-secret", time.Now(), forged),
		"replayed": slackSign(signingSecret, time.Now().Add(-6*time.Minute), forged),
	} {
		if code := w.postSigned("/slack/interactivity", forged, h); code != http.StatusUnauthorized {
			t.Errorf("a %s approval: HTTP %d, want 401", name, code)
		}
	}

	// Approve as a member of the approvers' user group.
	w.click(lead, first, "proposal.approve", 0)
	w.waitFor(20*time.Second, "the message to show the approval", func() bool {
		m, _ := w.slack.message(channel, first.TS)
		return strings.Contains(blocksText(m.Blocks), "Approved by <@"+lead+">")
	})
	// A second click on the Approve the lead still sees (a slow client) is
	// told it is done, and settles nothing again.
	w.click(lead, first, "proposal.approve", 0)
	w.waitFor(20*time.Second, "the answer to the second approval", func() bool {
		for _, c := range w.slack.callsTo("chat.postEphemeral") {
			if c.Form.Get("user") == lead && strings.Contains(c.Form.Get("text"), fmt.Sprintf("You already approved proposal #%d", proposal.ID)) {
				return true
			}
		}
		return false
	})
	var approvals int64
	w.store.DB.Model(&models.Decision{}).Where("kind = ?", models.DecisionApprove).Count(&approvals)
	if approvals != 1 {
		t.Errorf("%d approvals recorded, want 1", approvals)
	}
	// The approved card offers Undo while the 20-second undo window is
	// open, and nothing is sent before it closes.
	if m, _ := w.slack.message(channel, first.TS); !strings.Contains(blocksJSON(m), "proposal.undo") {
		t.Errorf("the approved card offers no Undo:\n%s", blocksText(m.Blocks))
	}
	if err := w.store.DB.Take(&after, proposal.ID).Error; err != nil || after.UndoUntil == nil {
		t.Fatalf("the approval set no undo window: %v", err)
	}
	if time.Now().Before(*after.UndoUntil) {
		if n := len(w.received().Invitations); n != 0 {
			t.Errorf("%d invitations were sent within the undo window", n)
		}
	}

	// 3. The runner sends the 26 approved invitations in Chromium. Ada
	// accepts as soon as the simulator has her invitation (often before
	// the adapter has read Pending back); the others once all are sent.
	approved := map[string]string{} // slug → the approved note
	for _, p := range prospects {
		if p.slug != skippedSlug {
			approved[p.slug] = noteFor(p)
		}
	}
	approved[editedSlug] = editedNote
	accept := func(inv sim.Invitation) {
		if n := w.simAdmin("/_sim/accept", map[string]string{"account": inv.Account, "slug": inv.Slug})["accepted"]; n != 1.0 {
			t.Errorf("the simulator accepted %v invitations to %s, want 1", n, inv.Slug)
		}
	}
	quick := acceptedSlugs[0]
	sendStart := time.Now()
	w.waitFor(3*time.Minute, "the simulator to receive the 26 invitations", func() bool {
		rec := w.received()
		for _, inv := range rec.Invitations {
			if inv.Slug == quick {
				accept(inv)
				quick = ""
			}
		}
		return len(rec.Invitations) >= len(approved)
	})
	t.Logf("26 invitations sent in %s", time.Since(sendStart).Round(time.Second))
	for _, inv := range w.received().Invitations {
		if slices.Contains(acceptedSlugs[1:], inv.Slug) {
			accept(inv)
		}
	}
	rec := w.received()
	got := map[string][]string{}
	for _, inv := range rec.Invitations {
		got[inv.Slug] = append(got[inv.Slug], inv.Note)
	}
	for slug, note := range approved {
		if notes := got[slug]; len(notes) != 1 || notes[0] != note {
			t.Errorf("%s received %q, want exactly one invitation with %q", slug, notes, note)
		}
		delete(got, slug)
	}
	if len(got) > 0 {
		t.Errorf("invitations nobody approved (the skipped prospect, side-rail strangers): %v", got)
	}
	if rec.AIClicks != 0 || len(rec.Follows) != 0 || len(rec.Likes) != 0 || len(rec.Withdrawals) != 0 {
		t.Errorf("the simulator received %d Write with AI clicks, %d follows, %d likes, %d withdrawals; the campaign asks for none",
			rec.AIClicks, len(rec.Follows), len(rec.Likes), len(rec.Withdrawals))
	}

	// 4. The acceptance scan finds the six connections, the contact-info
	// reads find their emails, HubSpot and the webhook get them.
	hubspotEmail := map[string]string{} // slug → the email HubSpot must hold
	emailsFound := 0
	for _, slug := range acceptedSlugs {
		hubspotEmail[slug] = hubspotEmailOf(slug)
		if bySlug(slug).email == "" && hubspotEmail[slug] != "" {
			emailsFound++
		}
	}
	w.waitFor(3*time.Minute, "HubSpot to hold the six contacts with their emails and notes", func() bool {
		for slug, email := range hubspotEmail {
			c, ok := w.hubspot.ContactBy(hubspot.DefaultProfileURLProperty, campaign.ProfileURL(slug))
			if !ok || c.Properties["email"] != email || len(w.hubspot.NotesFor(c.ID)) == 0 {
				return false
			}
		}
		return true
	})
	w.waitFor(time.Minute, "the webhook to receive the acceptances and emails", func() bool {
		return len(deliveries(w, "invite.accepted")) >= len(acceptedSlugs) && len(deliveries(w, "email.found")) >= emailsFound
	})
	if n := len(w.hubspot.Contacts()); n != len(acceptedSlugs) {
		t.Errorf("HubSpot holds %d contacts, want the %d accepted connections", n, len(acceptedSlugs))
	}
	for slug := range hubspotEmail {
		c, _ := w.hubspot.ContactBy(hubspot.DefaultProfileURLProperty, campaign.ProfileURL(slug))
		p := bySlug(slug)
		if c.Properties["firstname"] != p.first || c.Properties["lastname"] != p.last {
			t.Errorf("HubSpot holds %s as %q %q, want %q %q", slug, c.Properties["firstname"], c.Properties["lastname"], p.first, p.last)
		}
		if notes := w.hubspot.NotesFor(c.ID); len(notes) != 1 || !strings.Contains(notes[0].Properties["hs_note_body"], campaignName) {
			t.Errorf("%s has %d notes in HubSpot, want one naming the campaign: %v", slug, len(notes), notes)
		}
	}
	updates := len(acceptedSlugs) + emailsFound
	if calls := w.hubspot.CallsTo(hubspottest.RouteUpsertContacts); calls == 0 || calls >= updates {
		t.Errorf("HubSpot got %d batch upserts for %d contact updates, want them batched", calls, updates)
	}
	checkWebhooks(t, w, emailsFound)
	for slug := range hubspotEmail {
		c, _ := w.hubspot.ContactBy(hubspot.DefaultProfileURLProperty, campaign.ProfileURL(slug))
		if notes := w.hubspot.NotesFor(c.ID); len(notes) > 0 && !strings.HasPrefix(notes[0].Properties["hs_note_body"], "Connected on LinkedIn on ") {
			t.Errorf("the note on %s reads %q", slug, notes[0].Properties["hs_note_body"])
		}
	}

	// 5. /pacer quota and /pacer digest agree with the simulator and the
	// ledger.
	var used, done, sentEvents int64
	w.store.DB.Model(&models.QuotaEntry{}).Where("kind = ? AND state = ?", quota.KindInvite, models.QuotaUsed).Count(&used)
	w.store.DB.Model(&models.Action{}).Where("kind = ? AND state = ?", models.ActionInvite, models.ActionDone).Count(&done)
	w.store.DB.Model(&models.Event{}).Where("type = ?", "invite.sent").Count(&sentEvents)
	simSent := int64(len(w.received().Invitations))
	if used != simSent || done != simSent || sentEvents != simSent {
		t.Errorf("ledger: %d used invitations, %d done, %d invite.sent; the simulator received %d", used, done, sentEvents, simSent)
	}
	// The day's figures move while the commands run (an acceptance scan
	// every minute is an action): what Slack shows must lie between the
	// ledger before the command and after its answer.
	type today struct{ invites, views, actions int64 }
	ledgerToday := func() today {
		midnight := localMidnight(t, time.Now())
		var d today
		counted := func(kinds ...string) int64 {
			q := w.store.DB.Model(&models.QuotaEntry{}).Where("state <> ? AND at >= ? AND kind <> ?", models.QuotaReleased, midnight, quota.KindNote)
			if len(kinds) > 0 {
				q = q.Where("kind IN ?", kinds)
			}
			var n int64
			if err := q.Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Every action that opens a profile counts as a profile view, the
		// invitations' among them.
		d.invites = counted(quota.KindInvite)
		d.views = counted(quota.KindView, quota.KindReadEmail, quota.KindInvite, quota.KindUnsentInvite, quota.KindFollow, quota.KindLike)
		d.actions = counted()
		return d
	}
	checkToday := func(what, text string, lo, hi today) {
		t.Helper()
		for _, f := range []struct {
			label  string
			lo, hi int64
			max    int
		}{
			{"Invitations today", lo.invites, hi.invites, 40},
			{"Profile views today", lo.views, hi.views, 100},
			{"Actions today", lo.actions, hi.actions, 100},
		} {
			got := usage(text, f.label)
			if got == "" && what == "/pacer digest" && f.label == "Actions today" {
				continue // the digest does not show it
			}
			var n, max int64
			if _, err := fmt.Sscanf(got, "%d/%d", &n, &max); err != nil || n < f.lo || n > f.hi || max != int64(f.max) {
				t.Errorf("%s shows %q %s; the ledger counts %d to %d of %d:\n%s", what, got, f.label, f.lo, f.hi, f.max, text)
			}
		}
	}
	from := ledgerToday()
	_, quotaURL := w.command(anna, "quota")
	quotaText := w.reply(quotaURL)
	checkToday("/pacer quota", quotaText, from, ledgerToday())
	if got := usage(quotaText, "Invitations (7 days)"); got != fmt.Sprintf("%d/150", simSent) {
		t.Errorf("/pacer quota shows %q invitations in 7 days, want %d/150:\n%s", got, simSent, quotaText)
	}
	from = ledgerToday()
	_, digestURL := w.command(anna, "digest")
	digestText := w.reply(digestURL)
	checkToday("/pacer digest", digestText, from, ledgerToday())
	if got := usage(digestText, "Invitations (7 days)"); got != fmt.Sprintf("%d/150", simSent) {
		t.Errorf("/pacer digest shows %q invitations in 7 days, want %d/150:\n%s", got, simSent, digestText)
	}
	pending := simSent - int64(len(acceptedSlugs))
	for _, want := range []string{
		fmt.Sprintf("*Pending invitations*\n%d", pending),
		fmt.Sprintf("*Acceptance (30 days)*\n100%% (%d of %d)", len(acceptedSlugs), len(acceptedSlugs)),
		"*Queue*\n0 invitations",
	} {
		if !strings.Contains(digestText, want) {
			t.Errorf("the digest lacks %q:\n%s", want, digestText)
		}
	}
	if resp := w.slack.responses(digestURL); len(resp) != 1 || resp[0].JSON["response_type"] != "in_channel" {
		t.Errorf("the digest was not posted in the channel: %v", resp)
	}

	// 6. The proposal message ends as a progress card with the final
	// counts.
	// It counts the acceptances too, which may come after the last
	// invitation.
	finished := fmt.Sprintf("*Finished:* sent 26/26 · %d accepted · done ", len(acceptedSlugs))
	w.waitFor(time.Minute, "the final progress card", func() bool {
		m, _ := w.slack.message(channel, first.TS)
		return strings.Contains(blocksText(m.Blocks), finished)
	})
	final, _ := w.slack.message(channel, first.TS)
	// On its way, the card showed the batch going out.
	live := regexp.MustCompile(`\*Sent (\d+)/26\*`)
	var shownSent []string
	for _, c := range w.slack.callsTo("chat.update") {
		if c.Form.Get("ts") != first.TS {
			continue
		}
		if m := live.FindStringSubmatch(c.Form.Get("blocks")); m != nil {
			shownSent = append(shownSent, m[1])
		}
	}
	if len(shownSent) == 0 {
		t.Errorf("the card never showed the batch in progress (\"Sent n/26\")")
	}
	t.Logf("the card showed sent %s, then finished", strings.Join(shownSent, ", "))
	card := blocksText(final.Blocks)
	for _, want := range []string{"*26 prospects* from *anna* (1 skipped)", "Approved by <@" + lead + ">", finished} {
		if !strings.Contains(card, want) {
			t.Errorf("the final card lacks %q:\n%s", want, card)
		}
	}
	if _, button := findButton(final, "proposal.approve", 0); button != nil || strings.Contains(card, "failed") {
		t.Errorf("the final card shows failures or buttons:\n%s", card)
	}
	sentMarks := strings.Count(card, ":white_check_mark: *")
	for _, m := range w.slack.thread(channel, first.TS) {
		sentMarks += strings.Count(blocksText(m.Blocks), ":white_check_mark: *")
	}
	if sentMarks != 26 {
		t.Errorf("the card and its thread mark %d prospects sent, want 26", sentMarks)
	}
	for _, c := range w.slack.refused() {
		t.Errorf("Slack refused %s: %s", c.Method, c.Error)
	}
	// Nothing was posted but the proposal, its thread and the history of
	// its decisions: no alert, and the digest went through the command's
	// response_url.
	if posts := w.slack.callsTo("chat.postMessage"); len(posts) != 3 {
		for _, c := range posts {
			t.Logf("chat.postMessage to %s: %s", c.Form.Get("channel"), c.Form.Get("text"))
		}
		t.Errorf("%d chat.postMessage calls, want 3 (the proposal, its thread and its history)", len(posts))
	}
	// The history lists the edit, the skip and the approval, in order.
	var history string
	for _, m := range w.slack.thread(channel, first.TS) {
		if text := unescape(blocksText(m.Blocks)); strings.Contains(text, "history of its decisions") {
			history = text
		}
	}
	editAt, skipAt, approvedAt := strings.Index(history, "<@"+anna+"> edited the note to"), strings.Index(history, "<@"+anna+"> skipped"), strings.Index(history, "<@"+lead+"> approved the batch: approved 26 items")
	if editAt < 0 || skipAt < 0 || approvedAt < max(editAt, skipAt) {
		t.Errorf("the thread's history does not list the edit, the skip and then the approval:\n%s", history)
	}

	followUps(t, w)

	// A clean stop: exit 0 within 10 s of SIGTERM, no Chromium left.
	took, err := w.serve.stop(10 * time.Second)
	if err != nil {
		t.Errorf("serve after SIGTERM: %v (after %s)", err, took)
	}
	if left, err := browsertest.WaitNoSurvivors(w.tmp, 5*time.Second); err != nil || len(left) > 0 {
		t.Errorf("%d Chromium processes outlived serve (%v): %v", len(left), err, left)
	}
	if _, err := w.sim.stop(10 * time.Second); err != nil {
		t.Errorf("pacer sim after SIGTERM: %v", err)
	}
}

// reply waits for the one answer posted to a command's response_url and
// returns its text and blocks.
func (w *world) reply(responseURL string) string {
	w.t.Helper()
	var got []slackCall
	w.waitFor(30*time.Second, "the answer to a command", func() bool {
		got = w.slack.responses(responseURL)
		return len(got) > 0
	})
	raw, _ := json.Marshal(got[0].JSON["blocks"])
	var blocks []map[string]any
	_ = json.Unmarshal(raw, &blocks)
	return fmt.Sprint(got[0].JSON["text"]) + "\n" + blocksText(blocks)
}

// usage reads "12/150" from a field such as "*Invitations (7 days)*\n▓░░░░░ 12/150".
func usage(text, label string) string {
	m := regexp.MustCompile(regexp.QuoteMeta("*"+label+"*") + `\n[▓░]* ?(\d+/\d+)`).FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

// deliveries are the webhook deliveries of one type, one per webhook-id.
func deliveries(w *world, typ string) []string {
	var out []string
	for _, d := range w.hooks.Deliveries() {
		if d.Type == typ {
			out = append(out, d.ID)
		}
	}
	return out
}

// checkWebhooks checks that the receiver verified one delivery per event:
// each acceptance and each found email once, under its own webhook-id,
// duplicates only with the same id and body.
func checkWebhooks(t *testing.T, w *world, emailsFound int) {
	t.Helper()
	stats := w.hooks.Stats()
	if stats.Rejected != 0 || stats.Mismatched != 0 {
		t.Errorf("webhook receiver: %d rejected, %d duplicates with another body; want none", stats.Rejected, stats.Mismatched)
	}
	accepted := map[string]int{}
	ids := map[string]bool{}
	emails := 0
	for _, d := range w.hooks.Deliveries() {
		var body struct {
			Type string `json:"type"`
			Data struct {
				Prospect struct {
					Slug  string `json:"slug"`
					Email string `json:"email"`
				} `json:"prospect"`
			} `json:"data"`
		}
		if err := json.Unmarshal(d.Body, &body); err != nil {
			t.Errorf("webhook %s: %v", d.ID, err)
		}
		if ids[d.ID] {
			t.Errorf("webhook-id %s delivered as two deliveries", d.ID)
		}
		ids[d.ID] = true
		switch d.Type {
		case "invite.accepted":
			accepted[body.Data.Prospect.Slug]++
		case "email.found":
			emails++
			if want := hubspotEmailOf(body.Data.Prospect.Slug); body.Data.Prospect.Email != want || want == "" {
				t.Errorf("email.found for %s carries %q, want %q", body.Data.Prospect.Slug, body.Data.Prospect.Email, want)
			}
		default:
			t.Errorf("webhook of type %s, which the endpoint is not subscribed to", d.Type)
		}
	}
	for _, slug := range acceptedSlugs {
		if accepted[slug] != 1 {
			t.Errorf("%s: %d invite.accepted webhooks, want 1", slug, accepted[slug])
		}
	}
	if len(accepted) != len(acceptedSlugs) || emails != emailsFound {
		t.Errorf("webhooks: invite.accepted for %v, %d email.found; want the %d accepted, %d emails", accepted, emails, len(acceptedSlugs), emailsFound)
	}
	// One webhook-id per event: the ids are the recorded events'.
	for _, typ := range []string{"invite.accepted", "email.found"} {
		var events []string
		if err := w.store.DB.Model(&models.Event{}).Where("type = ?", typ).Order("id").Pluck("id", &events).Error; err != nil {
			t.Fatal(err)
		}
		got := deliveries(w, typ)
		slices.Sort(got)
		if !slices.Equal(got, events) {
			t.Errorf("%s: webhook-ids %v, want the events' ids %v", typ, got, events)
		}
	}
}

// localMidnight is the start of the team's day (Europe/Berlin) at now.
func localMidnight(t *testing.T, now time.Time) time.Time {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).UTC()
}
