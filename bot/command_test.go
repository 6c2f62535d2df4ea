package bot

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// ackReply decodes a slash command's immediate answer.
func ackReply(t *testing.T, resp *http.Response) (responseType, text string) {
	t.Helper()
	raw := body(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if raw == "" {
		return "", ""
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("ack is not JSON: %q", raw)
	}
	rt, _ := m["response_type"].(string)
	return rt, raw
}

func TestCommandHelpAndUnknown(t *testing.T) {
	b := setupWith(t, storetest.SQLite(t), newFakeSlack(t), nil)
	for _, text := range []string{"", "help", "HELP"} {
		rt, got := ackReply(t, b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, text)))
		if rt != "ephemeral" || !strings.Contains(got, "/pacer quota [account]") || !strings.Contains(got, "/pacer propose [campaign] [n]") {
			t.Errorf("%q: ack = %s %s, want the ephemeral help", text, rt, got)
		}
	}
	rt, got := ackReply(t, b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "frobnicate <!channel>")))
	if rt != "ephemeral" || !strings.Contains(got, "Pacer has no command `frobnicate`") || !strings.Contains(got, "/pacer status") {
		t.Errorf("unknown command: ack = %s %s", rt, got)
	}
	if calls := b.slack.recorded(); len(calls) != 0 {
		t.Errorf("help called Slack: %+v", calls)
	}
}

func TestCommandQuota(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.approve(t, approver, p)
		rt, _ := ackReply(t, b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "quota")))
		if rt != "" {
			t.Errorf("quota acked with a message (%s); the reply comes after the ack", rt)
		}
		replies := b.slack.recorded("response_url")
		if len(replies) != 1 {
			t.Fatalf("response_url posts = %d, want 1", len(replies))
		}
		r := replies[0]
		if r.JSON["response_type"] != "ephemeral" {
			t.Errorf("quota reply is %v, want ephemeral", r.JSON["response_type"])
		}
		text := r.text()
		for _, want := range []string{"*anna* (premium)", "*bob* (free)", "Invitations (7 days)", "Invitations today", "Notes this month", "░", "/150", "(no limit)"} {
			if !strings.Contains(text, want) {
				t.Errorf("quota reply lacks %q:\n%s", want, text)
			}
		}

		b.slack.reset()
		b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "quota bob"))
		text = b.lastEphemeral(stranger)
		if !strings.Contains(text, "*bob*") || strings.Contains(text, "*anna*") {
			t.Errorf("quota bob shows other accounts:\n%s", text)
		}

		b.slack.reset()
		b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "quota carol"))
		text = b.lastEphemeral(stranger)
		if !strings.Contains(text, "There is no account called `carol`") || !strings.Contains(text, "`anna`, `bob`") {
			t.Errorf("unknown account: %s", text)
		}
	})
}

func TestCommandStatus(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		b.store.DB.Model(&models.Account{}).Where("name = ?", "bob").
			Updates(map[string]any{"state": models.AccountNeedsHuman, "state_reason": "LinkedIn shows a security check"})
		b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "status"))
		text := b.lastEphemeral(stranger)
		for _, want := range []string{"*Accounts*", "*Campaigns*", "*Open proposals*", "#" + itoa(p.ID), "cto-berlin", "Waiting for a person", "LinkedIn shows a security check", "waiting to be proposed"} {
			if !strings.Contains(text, want) {
				t.Errorf("status lacks %q:\n%s", want, text)
			}
		}
	})
}

func TestCommandPropose(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "cto-berlin", 1, 10)
		b.post(t, PathCommands, b.commandBody(approver, otherChannel, "propose cto-berlin 4"))
		posts := b.slack.recorded("chat.postMessage")
		if len(posts) != 1 || posts[0].Form.Get("channel") != ctoChannel {
			t.Fatalf("proposal posts = %+v, want one in %s", posts, ctoChannel)
		}
		var p models.Proposal
		b.store.DB.Where("state = ?", models.ProposalOpen).First(&p)
		if p.MessageTS == "" || p.MessageTS == postingMarker || p.Channel != ctoChannel {
			t.Errorf("the proposal's message is not recorded: %+v", p)
		}
		blocks := posts[0].blocks(t)
		if n := countActions(blocks, ActionSkip); n != 4 {
			t.Errorf("Skip buttons = %d, want 4", n)
		}
		if text := b.lastEphemeral(approver); !strings.Contains(text, "Posted proposal #"+itoa(p.ID)) {
			t.Errorf("reply = %q", text)
		}

		// A second proposal while one is open points at it.
		b.slack.reset()
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "propose"))
		if text := b.lastEphemeral(approver); !strings.Contains(text, "already has an open proposal (#"+itoa(p.ID)+")") {
			t.Errorf("second propose: %q", text)
		}
		if n := len(b.slack.recorded("chat.postMessage")); n != 0 {
			t.Errorf("the open proposal was posted again (%d posts)", n)
		}

		for text, want := range map[string]string{
			"propose nope 3":        "There is no campaign called `nope`; use one of `cto-berlin`, `ops`",
			"propose cto-berlin 0":  "is not a number of prospects",
			"propose cto-berlin xx": "is not a number of prospects",
			"propose":               "Name the campaign: use one of `cto-berlin`, `ops`",
		} {
			b.slack.reset()
			b.post(t, PathCommands, b.commandBody(approver, otherChannel, text))
			if got := b.lastEphemeral(approver); !strings.Contains(got, want) {
				t.Errorf("%q: reply %q, want %q", text, got, want)
			}
		}
		// Nothing left to propose is said plainly.
		b.slack.reset()
		b.post(t, PathCommands, b.commandBody(approver, opsChannel, "propose"))
		if got := b.lastEphemeral(approver); !strings.Contains(got, "No prospect is left to propose") {
			t.Errorf("empty campaign: %q", got)
		}
	})
}

func TestCommandPauseResume(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		state := func(name string) models.Account {
			var a models.Account
			b.store.DB.Where("name = ?", name).First(&a)
			return a
		}
		// Not an approver: refused, nothing changes.
		b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "pause anna"))
		if got := b.lastEphemeral(stranger); !strings.Contains(got, "Only approvers can pause accounts and campaigns (<@U0APPROVER>, <!subteam^S0APPROVERS>); nothing changed.") {
			t.Errorf("stranger's pause: %q", got)
		}
		if a := state("anna"); a.State != models.AccountActive {
			t.Fatalf("anna = %s after a stranger's pause", a.State)
		}
		// An approver by ID pauses the account.
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "pause anna"))
		if a := state("anna"); a.State != models.AccountPaused || a.PausedBy != approver {
			t.Errorf("anna = %s by %q, want paused by %s", a.State, a.PausedBy, approver)
		}
		var paused []models.Decision
		b.store.DB.Where("kind = ? AND detail = ?", models.DecisionPause, "account anna").Find(&paused)
		if len(paused) != 1 || paused[0].UserID != approver {
			t.Errorf("audit trail of anna's pause: %+v, want one by %s (none for the stranger's)", paused, approver)
		}
		// A member of the approvers' user group resumes it.
		b.post(t, PathCommands, b.commandBody(groupMember, ctoChannel, "resume anna"))
		if a := state("anna"); a.State != models.AccountActive {
			t.Errorf("anna = %s after the group member's resume (%s)", a.State, b.lastEphemeral(groupMember))
		}
		// The group's members were read once, for the stranger, and cached.
		if n := len(b.slack.recorded("usergroups.users.list")); n != 1 {
			t.Errorf("usergroups.users.list calls = %d, want 1", n)
		}
		// Campaigns too, by name or with the kind spelled out.
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "pause campaign ops"))
		var c models.Campaign
		b.store.DB.Where("name = ?", "ops").First(&c)
		if c.State != models.CampaignPaused || c.PausedBy != approver {
			t.Errorf("ops = %s by %q, want paused", c.State, c.PausedBy)
		}
		var d models.Decision
		b.store.DB.Where("kind = ?", models.DecisionPause).Last(&d)
		if d.UserID != approver || d.Detail != "campaign ops" {
			t.Errorf("audit trail: %+v", d)
		}
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "resume ops"))
		b.store.DB.Where("name = ?", "ops").First(&c)
		if c.State != models.CampaignActive {
			t.Errorf("ops = %s after resume", c.State)
		}
		// Unknown and missing names list the valid ones.
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "pause carol"))
		if got := b.lastEphemeral(approver); !strings.Contains(got, "There is no account or campaign called `carol`; use one of `anna`, `bob`, `cto-berlin`, `ops`") {
			t.Errorf("unknown name: %q", got)
		}
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "resume"))
		if got := b.lastEphemeral(approver); !strings.Contains(got, "Name the account or campaign") {
			t.Errorf("missing name: %q", got)
		}
		// Replies are ephemeral.
		for _, c := range b.slack.recorded("response_url") {
			if c.JSON["response_type"] != "ephemeral" {
				t.Errorf("a pause reply is %v", c.JSON["response_type"])
			}
		}
	})
}

func TestCommandDigest(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "digest"))
		replies := b.slack.recorded("response_url")
		if len(replies) != 1 || replies[0].JSON["response_type"] != "in_channel" {
			t.Fatalf("digest replies = %+v, want one in_channel", replies)
		}
		text := replies[0].text()
		if !strings.Contains(text, "Daily digest") || !strings.Contains(text, "*anna*") || strings.Contains(text, "*bob*") {
			t.Errorf("the digest of cto-berlin's channel should cover anna only:\n%s", text)
		}
	})
}

func TestAppHome(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.proposeFor(t)
		resp := b.post(t, PathEvents, homeOpenedBody(testTeam, stranger))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		pubs := b.slack.recorded("views.publish")
		if len(pubs) != 1 {
			t.Fatalf("views.publish calls = %d, want 1", len(pubs))
		}
		if pubs[0].JSON["user_id"] != stranger {
			t.Errorf("published for %v", pubs[0].JSON["user_id"])
		}
		text := pubs[0].text()
		for _, want := range []string{"home", "*anna* (premium)", "Open proposals", "cto-berlin", "Waiting for a person", "░"} {
			if !strings.Contains(text, want) {
				t.Errorf("home lacks %q:\n%s", want, text)
			}
		}
	})
}

func countActions(blocks []map[string]any, actionID string) int {
	n := 0
	for _, b := range blocks {
		elems, _ := b["elements"].([]any)
		for _, e := range elems {
			if m, ok := e.(map[string]any); ok && m["action_id"] == actionID {
				n++
			}
		}
	}
	return n
}

func itoa(n int64) string { return strings.TrimSpace(strings.ReplaceAll(jsonString(n), `"`, "")) }

// jsonString encodes v as Slack reads it (no HTML escaping).
func jsonString(v any) string {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(sb.String())
}

// TestSlackRefusalCarriesSlacksDetail: when Slack refuses a call, what it
// says beside the error code (response_metadata.messages, as it documents
// for invalid_blocks) reaches the person who asked and the log, escaped.
func TestSlackRefusalCarriesSlacksDetail(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "cto-berlin", 1, 3)
		detail := "[ERROR] must be more than 0 characters [json-pointer:/blocks/2/text/text]"
		b.slack.setFailWith("chat.postMessage", "invalid_blocks", detail, "[ERROR] <b> is not allowed [json-pointer:/blocks/3]")
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "propose cto-berlin 3"))
		told := b.lastEphemeral(approver)
		for _, want := range []string{"chat.postMessage answered invalid_blocks", detail, "&lt;b&gt; is not allowed"} {
			if !strings.Contains(told, want) {
				t.Errorf("told %q, want it to contain %q", told, want)
			}
		}
		if strings.Contains(told, "<b>") {
			t.Errorf("told %q: Slack's words are not escaped", told)
		}
		if logs := b.logs.String(); !strings.Contains(logs, "json-pointer:/blocks/2/text/text") {
			t.Errorf("the log lacks Slack's detail:\n%s", logs)
		}
	})
}
