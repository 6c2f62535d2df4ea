package bot

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with what the renderers produce")

// golden compares v, as indented JSON, with testdata/name.golden.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run `go test ./bot -run %s -update` to create it", err, t.Name())
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from %s; if the change is intended, run `go test ./bot -run %s -update` and review the diff.\ngot:\n%s",
			name, path, t.Name(), buf.String())
	}
}

func testRenderer(t *testing.T) renderer {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return renderer{loc: berlin, now: monday10}
}

func at(d time.Duration) *time.Time {
	t := monday10.Add(d)
	return &t
}

func sampleProposal() campaign.ProposalView {
	return campaign.ProposalView{
		ID: 12, Version: 3, Campaign: "cto-berlin", Account: "anna", State: models.ProposalOpen,
		Forecast: "sends Mon–Tue within quota",
		Items: []campaign.ItemView{
			{ID: 101, Position: 0, Name: "Ada Lovelace", ProfileURL: "https://www.linkedin.com/in/ada-lovelace/", Title: "CTO", Company: "Analytical Engines",
				Note: "Hi Ada, I enjoyed your talk at the meetup.", Variant: "short", State: models.ItemProposed},
			{ID: 102, Position: 1, Name: "Grace Hopper", ProfileURL: "https://www.linkedin.com/in/grace-hopper/", Title: "VP Engineering", Company: "Compilers & Co <Ltd>",
				Note: "Hi Grace, see www.compilers.io for our talk.", State: models.ItemProposed,
				Findings: []campaign.Finding{
					{Rule: campaign.RuleLink, Blocking: true, Message: "the note holds a link (www.compilers.io); LinkedIn flags invitations with links as spam, so remove it"},
				}},
			{ID: 103, Position: 2, Name: "Alan Turing", ProfileURL: "https://www.linkedin.com/in/alan-turing/", Title: "Head of Research", Company: "Bletchley",
				Note: "Hi Alan, I enjoyed your talk at the meetup.", State: models.ItemSkipped},
			{ID: 104, Position: 3, Name: "Katherine Johnson", ProfileURL: "https://www.linkedin.com/in/katherine-johnson/", Title: "", Company: "NASA",
				Note: "Hi Katherine,\nyour orbital work is inspiring.", Variant: "long", State: models.ItemProposed, EditedBy: "U0APPROVER",
				Findings: []campaign.Finding{campaign.NotesPerMonthFinding(5, "June 2026")}},
		},
	}
}

func sampleApproved(done bool) campaign.ProposalView {
	v := sampleProposal()
	v.State, v.Version, v.DecidedBy, v.DecidedAt = models.ProposalApproved, 4, "U0APPROVER", at(-2*time.Hour)
	v.Items[1].Note, v.Items[1].Findings = "Hi Grace, loved your talk.", nil
	v.Items[0].Outcome, v.Items[1].Outcome = campaign.ItemSent, campaign.ItemSkipped
	v.Progress = &campaign.Progress{Total: 3, Sent: 1, Skipped: 1, SkipReasons: []campaign.ReasonCount{{Reason: "already connected", Count: 1}}, NextAt: at(25 * time.Minute)}
	if done {
		v.Items[3].Outcome = campaign.ItemSent
		v.Progress = &campaign.Progress{Total: 3, Sent: 2, Skipped: 1, SkipReasons: []campaign.ReasonCount{{Reason: "already connected", Count: 1}}, Done: true, FinishedAt: at(3 * time.Hour)}
	}
	return v
}

func sampleQuota() QuotaView {
	return QuotaView{Accounts: []AccountQuota{
		{Name: "anna", Plan: "sales_navigator", State: models.AccountActive, NextReset: at(14 * time.Hour), Usage: []Usage{
			{Limit: LimitInvitesWeek, Label: "Invitations (7 days)", Used: 62, Max: 100, ResetAt: at(3 * 24 * time.Hour)},
			{Limit: LimitInvitesDay, Label: "Invitations today", Used: 12, Max: 20, ResetAt: at(14 * time.Hour)},
			{Limit: LimitNotesMonth, Label: "Notes this month", Used: 40, Max: -1},
			{Limit: LimitViewsDay, Label: "Profile views today", Used: 0, Max: 400},
			{Limit: LimitActionsDay, Label: "Actions today", Used: 100, Max: 100, ResetAt: at(14 * time.Hour)},
		}},
		{Name: "bob", Plan: "free", State: models.AccountRestricted, StateReason: "LinkedIn's weekly invitation limit", Until: at(50 * time.Hour), Usage: []Usage{
			{Limit: LimitInvitesWeek, Label: "Invitations (7 days)", Used: 100, Max: 100, ResetAt: at(50 * time.Hour)},
			{Limit: LimitNotesMonth, Label: "Notes this month", Used: 5, Max: 5, ResetAt: at(29 * 24 * time.Hour)},
		}},
	}}
}

func sampleDigest() DigestView {
	q := sampleQuota()
	return DigestView{Date: monday10, DeadLetters: 3, Accounts: []DigestAccount{
		{AccountQuota: q.Accounts[0], Pending: 412, Accepted: 17, Decided: 50, Queue: 40, Forecast: "sends Mon–Wed within quota",
			Delivery: DeliveryProof{Sent: 96, Confirmed: 80, Missing: 1}},
		{AccountQuota: q.Accounts[1], Pending: 98, Queue: 0},
	}}
}

func TestGoldenProposal(t *testing.T) {
	r := testRenderer(t)
	msgs := r.proposalMessages(sampleProposal())
	if len(msgs) != 1 {
		t.Fatalf("messages = %d, want 1", len(msgs))
	}
	checkLimits(t, msgs[0].Blocks)
	golden(t, "proposal", msgs[0])
}

func TestGoldenProgressCard(t *testing.T) {
	r := testRenderer(t)
	live := r.proposalMessages(sampleApproved(false))[0]
	final := r.proposalMessages(sampleApproved(true))[0]
	checkLimits(t, live.Blocks)
	checkLimits(t, final.Blocks)
	golden(t, "progress_card", live)
	golden(t, "progress_final", final)
	if s := jsonString(live.Blocks); !strings.Contains(s, "*Sent 1/3* · 1 skipped (already connected) · next at <!date^") {
		t.Errorf("live card: %s", s)
	}
}

func TestGoldenQuota(t *testing.T) {
	m := testRenderer(t).render(sampleQuota())
	checkLimits(t, m.Blocks)
	golden(t, "quota", m)
	s := jsonString(m.Blocks)
	for _, want := range []string{"▓▓▓▓░░ 62/100", "▓▓▓▓▓▓ 100/100", "40 (no limit)", "░░░░░░ 0/400"} {
		if !strings.Contains(strings.ReplaceAll(s, `\u0026`, "&"), want) {
			t.Errorf("quota reply lacks %q", want)
		}
	}
}

func TestGoldenDigest(t *testing.T) {
	m := testRenderer(t).render(sampleDigest())
	checkLimits(t, m.Blocks)
	golden(t, "digest", m)
}

func TestGoldenHomeAndAlert(t *testing.T) {
	r := testRenderer(t)
	open := OpenProposal{ID: 12, Campaign: "cto-berlin", Channel: "C0CTO", Items: 18, CreatedAt: *at(-time.Hour),
		Link: "https://pacer-test.slack.com/archives/C0CTO/p1780300000000001"}
	home := r.home(HomeView{Accounts: sampleQuota().Accounts, UpdatedAt: monday10,
		Waiting:       []OpenProposal{open, {ID: 14, Campaign: "ops <team>", Channel: "C0OPS", Items: 1, CreatedAt: *at(-30 * time.Minute)}},
		OpenProposals: []OpenProposal{open},
		NeedsHuman:    []AccountStatus{{Name: "carol", State: models.AccountNeedsHuman, StateReason: "LinkedIn shows a security check"}}})
	golden(t, "home", home)
	alert := r.alert(AlertView{Event: "account.restricted", Account: "bob", Serious: true, Until: at(50 * time.Hour),
		Title: ":no_entry: bob reached a LinkedIn limit or restriction", Body: "LinkedIn said: the weekly invitation limit is reached."})
	checkLimits(t, alert.Blocks)
	golden(t, "alert", alert)
}

func TestGoldenReminders(t *testing.T) {
	r := testRenderer(t)
	p := OpenProposal{ID: 12, Campaign: "cto-berlin", Channel: "C0CTO", MessageTS: "1780300000.000001", Items: 25,
		CreatedAt: *at(-4 * time.Hour), ExpiresAt: at(6*24*time.Hour + 20*time.Hour)}
	thread := r.reminder(ReminderView{Proposal: p, Waited: 4 * time.Hour, Mentions: "<@U0APPROVER>, <!subteam^S0APPROVERS>"})
	p.Link = "https://pacer-test.slack.com/archives/C0CTO/p1780300000000001"
	direct := r.reminder(ReminderView{Proposal: p, Waited: 24 * time.Hour, Direct: true})
	p.Link, p.ExpiresAt, p.Items = "", nil, 1
	unlinked := r.reminder(ReminderView{Proposal: p, Waited: 25 * time.Hour, Direct: true})
	for _, m := range []message{thread, direct, unlinked} {
		checkLimits(t, m.Blocks)
	}
	golden(t, "reminders", []message{thread, direct, unlinked})
}

func TestBar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		used, max int
		want      string
	}{
		{62, 100, "▓▓▓▓░░ 62/100"},
		{0, 100, "░░░░░░ 0/100"},
		{1, 100, "▓░░░░░ 1/100"},
		{99, 100, "▓▓▓▓▓░ 99/100"},
		{100, 100, "▓▓▓▓▓▓ 100/100"},
		{120, 100, "▓▓▓▓▓▓ 120/100"},
		{3, 5, "▓▓▓▓░░ 3/5"},
		{0, 0, "▓▓▓▓▓▓ 0/0"},
		{7, -1, "7 (no limit)"},
	}
	for _, tt := range tests {
		if got := bar(tt.used, tt.max); got != tt.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tt.used, tt.max, got, tt.want)
		}
	}
}

// TestProposalBlockLimits: however many prospects and however long their
// texts, every message stays within Block Kit's limits, and every item
// keeps its message from the open proposal to the final card.
func TestProposalBlockLimits(t *testing.T) {
	r := testRenderer(t)
	for _, n := range []int{1, itemsInFirst, itemsInFirst + 1, 47, 100, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			v := campaign.ProposalView{ID: 9, Version: 1, Campaign: strings.Repeat("c", 200), Account: "anna", State: models.ProposalOpen,
				Forecast: strings.Repeat("f", 500)}
			for i := range n {
				v.Items = append(v.Items, campaign.ItemView{ID: int64(1000 + i), Position: i, Name: strings.Repeat("N", 400),
					ProfileURL: "https://www.linkedin.com/in/x" + fmt.Sprint(i), Title: strings.Repeat("T", 800), Company: strings.Repeat("<&>", 300),
					Note: strings.Repeat("é", 2000), State: models.ItemProposed,
					Findings: []campaign.Finding{{Rule: "length", Blocking: true, Message: strings.Repeat("m", 900)}}})
			}
			open := r.proposalMessages(v)
			wantMsgs := len(proposalParts(n))
			if len(open) != wantMsgs {
				t.Fatalf("messages = %d, want %d", len(open), wantMsgs)
			}
			seen := 0
			for i, m := range open {
				checkLimits(t, m.Blocks)
				seen += countActionsIn(m.Blocks, ActionSkip)
				if i == 0 && countActionsIn(m.Blocks, ActionApprove) != 1 {
					t.Errorf("the first message has no Approve button")
				}
			}
			if seen != n {
				t.Errorf("Skip buttons over all messages = %d, want %d", seen, n)
			}
			v.State, v.Progress = models.ProposalApproved, &campaign.Progress{Total: n}
			if decided := r.proposalMessages(v); len(decided) != wantMsgs {
				t.Errorf("decided messages = %d, want %d (items keep their message)", len(decided), wantMsgs)
			}
		})
	}
}

// checkLimits fails the test when blocks break a Block Kit limit.
func checkLimits(t *testing.T, blocks []slack.Block) {
	t.Helper()
	if len(blocks) > maxBlocksPerMessage {
		t.Errorf("%d blocks, over %d", len(blocks), maxBlocksPerMessage)
	}
	ids := map[string]bool{}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > maxSectionText {
				t.Errorf("section of %d characters", utf8.RuneCountInString(b.Text.Text))
			}
			if len(b.Fields) > maxFields {
				t.Errorf("%d fields", len(b.Fields))
			}
			for _, f := range b.Fields {
				if utf8.RuneCountInString(f.Text) > maxFieldText {
					t.Errorf("field of %d characters", utf8.RuneCountInString(f.Text))
				}
			}
			if b.BlockID != "" && ids[b.BlockID] {
				t.Errorf("block_id %q twice", b.BlockID)
			}
			ids[b.BlockID] = true
		case *slack.HeaderBlock:
			if utf8.RuneCountInString(b.Text.Text) > maxHeaderText {
				t.Errorf("header of %d characters", utf8.RuneCountInString(b.Text.Text))
			}
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && len(btn.Value) > maxButtonValue {
					t.Errorf("button value of %d characters", len(btn.Value))
				}
			}
		}
	}
}

func countActionsIn(blocks []slack.Block, actionID string) int {
	n := 0
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					n++
				}
			}
		}
	}
	return n
}

func TestButtonValues(t *testing.T) {
	t.Parallel()
	for _, v := range []buttonValue{{ProposalID: 1, Version: 0}, {ProposalID: 123456789, Version: 42, ItemID: 987654321}} {
		got, err := parseButtonValue(v.String(), v.ItemID != 0)
		if err != nil || got != v {
			t.Errorf("round trip of %+v: %+v, %v", v, got, err)
		}
	}
	m := noteMeta{ProposalID: 3, ItemID: 9, Version: 2, Account: "anna", Channel: "C0CTO"}
	if got, err := parseNoteMeta(m.String()); err != nil || got != m {
		t.Errorf("note meta round trip: %+v, %v", got, err)
	}
}

// TestWordsPeopleRead: counts agree with their nouns, and names from a CSV
// file, the configuration or an error reach Slack's mrkdwn escaped, in the
// notification text as in the blocks.
func TestWordsPeopleRead(t *testing.T) {
	t.Parallel()
	r := testRenderer(t)
	forged := "<https://evil.example|Click> & <!channel>"
	escaped := "&lt;https://evil.example|Click&gt; &amp; &lt;!channel&gt;"
	one := campaign.ProposalView{ID: 7, Version: 1, Campaign: forged, Account: "anna", State: models.ProposalOpen, Forecast: forged,
		Items: []campaign.ItemView{{ID: 1, Name: forged, ProfileURL: "https://www.linkedin.com/in/ada/", Note: forged, State: models.ItemProposed}}}
	proposal := r.proposalMessages(one)[0]
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // read the blocks as Slack does
	if err := enc.Encode(proposal.Blocks); err != nil {
		t.Fatal(err)
	}
	blocks := buf.String()
	tests := []struct {
		name, got, want string
	}{
		{"status, one of each", r.status(StatusView{Accounts: []AccountStatus{{Name: "anna"}}, OpenProposals: []OpenProposal{{ID: 1, Items: 1}}}).Text,
			"Pacer status: 1 account, 1 open proposal"},
		{"status, none", r.status(StatusView{}).Text, "Pacer status: 0 accounts, 0 open proposals"},
		{"open proposals, one prospect", r.openProposals([]OpenProposal{{ID: 1, Campaign: "cto", Items: 1, CreatedAt: monday10}}), "· 1 prospect · proposed"},
		{"quota of one account", r.quota(QuotaView{Accounts: []AccountQuota{{Name: "anna"}}}).Text, "Quota of 1 LinkedIn account"},
		{"digest of one account", r.digest(DigestView{Date: monday10, Accounts: []DigestAccount{{AccountQuota: AccountQuota{Name: "anna"}}}}).Text, ": 1 account"},
		{"proposal of one prospect", proposal.Text, "Proposal #7 for " + escaped + ": 1 prospect from anna, " + escaped},
		{"reject confirmation of one prospect", blocks, "Its one prospect will not be invited"},
		{"alert fallback", r.alert(AlertView{Title: forged}).Text, escaped},
		{"an error told in Slack", userMessage("propose", &userError{msg: forged + " is restricted"}), escaped + " is restricted."},
	}
	for _, tc := range tests {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("%s: got %q, want it to contain %q", tc.name, tc.got, tc.want)
		}
	}
	// Plain-text objects (a header, a button) are shown as they are; the
	// fallback text and every mrkdwn object are parsed.
	texts := append([]string{proposal.Text, r.alert(AlertView{Title: forged}).Text}, mrkdwnTexts(t, blocks)...)
	for _, text := range texts {
		if strings.Contains(text, "<!channel>") || strings.Contains(text, "<https://evil.example|") {
			t.Errorf("raw mrkdwn reached Slack: %q", text)
		}
	}
}

// mrkdwnTexts returns the text of every mrkdwn object in blocks (JSON).
func mrkdwnTexts(t *testing.T, blocks string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(blocks), &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" {
				if s, ok := v["text"].(string); ok {
					out = append(out, s)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	if len(out) == 0 {
		t.Fatal("no mrkdwn text in the blocks")
	}
	return out
}

// TestItemBylineShowsComparedVariantsOnly: a card names the variant of a
// campaign that compares several, not the one variant of a single note.
func TestItemBylineShowsComparedVariantsOnly(t *testing.T) {
	tests := []struct {
		name string
		it   campaign.ItemView
		want string
	}{
		{"single note", campaign.ItemView{Variant: config.DefaultVariant}, ""},
		{"no variant", campaign.ItemView{}, ""},
		{"compared", campaign.ItemView{Variant: "short"}, "variant short"},
		{"compared and edited", campaign.ItemView{Variant: "<b>", EditedBy: "U1"}, "variant &lt;b&gt; · edited by <@U1>"},
	}
	for _, tt := range tests {
		if got := itemByline(tt.it); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestStatusShowsEachSendersPart: a campaign shared by three senders
// lists them, each one's part, and when the campaign is through at their
// pace; a campaign of one sender shows no parts.
func TestStatusShowsEachSendersPart(t *testing.T) {
	r := testRenderer(t)
	finish := monday10.Add(20 * 24 * time.Hour)
	m := r.status(StatusView{Campaigns: []CampaignStatus{
		{Name: "team", Senders: []string{"anna", "bob", "cleo"}, Channel: "C0TEAM", State: models.CampaignActive, Waiting: 300,
			Parts:    []SenderPart{{Account: "anna", Sent: 40, Waiting: 12}, {Account: "bob", Sent: 35, Waiting: 9}, {Account: "cleo", Sent: 2}},
			FinishAt: &finish, PerWeek: 105},
		{Name: "solo", Senders: []string{"anna"}, State: models.CampaignActive, Waiting: 10,
			Parts: []SenderPart{{Account: "anna", Sent: 3}}},
	}})
	s := jsonString(m.Blocks)
	for _, want := range []string{
		"*team* (anna, bob, cleo) in \u003c#C0TEAM\u003e · 300 waiting to be proposed · all invited around Sun 21 Jun at 105 a week across 3 senders",
		"• anna: 40 sent · 12 approved and waiting", "• bob: 35 sent · 9 approved and waiting", "• cleo: 2 sent · 0 approved and waiting",
		"*solo* (anna) · 10 waiting to be proposed · no sender has room to invite now",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("status lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "• anna: 3 sent") {
		t.Errorf("a campaign of one sender lists its part:\n%s", s)
	}
}
