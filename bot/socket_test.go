package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
)

// TestSocketMode drives the bot over a real Socket Mode connection to the
// fake Slack: apps.connections.open, the WebSocket hello, then envelopes of
// each kind; each is acknowledged with the same answer HTTP mode gives.
func TestSocketMode(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b = b.withSocketMode(t)
		p := b.proposeFor(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.bot.RunSocketMode(ctx) }()
		t.Cleanup(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("RunSocketMode() = %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("RunSocketMode did not return after its context ended")
			}
		})

		// A slash command: the help comes back in the ack's payload.
		ack := b.sendEnvelope(t, "e-help", "slash_commands", true, socketCommand(testTeam, stranger, "help"))
		if !strings.Contains(string(ack.Payload), "/pacer quota [account]") {
			t.Errorf("help ack payload = %s", ack.Payload)
		}

		// A payload slack-go cannot read (a field of an unexpected type) is
		// still read, answered and acknowledged.
		odd := strings.Replace(socketCommand(testTeam, stranger, "help"), `"is_enterprise_install":"false"`, `"is_enterprise_install":5`, 1)
		ack = b.sendEnvelope(t, "e-odd", "slash_commands", true, odd)
		if !strings.Contains(string(ack.Payload), "/pacer quota [account]") {
			t.Errorf("odd payload ack = %s", ack.Payload)
		}

		// A command whose answer comes after the ack.
		ack = b.sendEnvelope(t, "e-quota", "slash_commands", true, socketCommand(testTeam, stranger, "quota anna"))
		if len(ack.Payload) != 0 && string(ack.Payload) != "null" {
			t.Errorf("quota ack payload = %s, want none", ack.Payload)
		}
		b.bot.tasks.wait()
		if got := b.lastEphemeral(stranger); !strings.Contains(got, "*anna*") {
			t.Errorf("quota over Socket Mode answered %q", got)
		}

		// A non-approver's click changes nothing.
		value := buttonValue{ProposalID: p.ID, Version: p.Version}.String()
		b.sendEnvelope(t, "e-stranger", "interactive", false, blockActionJSON(testTeam, stranger, p.Channel, p.MessageTS, ActionApprove, value, ""))
		b.bot.tasks.wait()
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
			t.Fatalf("a stranger approved over Socket Mode: %s", got.State)
		}

		// An edit with a link is answered inline, in the ack.
		item := b.items(t, p.ID)[0]
		meta := noteMeta{ProposalID: p.ID, ItemID: item.ID, Version: p.Version, Account: "anna", Channel: ctoChannel}.String()
		ack = b.sendEnvelope(t, "e-edit", "interactive", true, viewSubmissionPayload(testTeam, approver, meta, "See www.acme.io"))
		if !strings.Contains(string(ack.Payload), `"response_action":"errors"`) || !strings.Contains(string(ack.Payload), "holds a link") {
			t.Errorf("edit ack payload = %s", ack.Payload)
		}

		// An approver's click decides; the same click delivered twice
		// (Slack retries envelopes) decides once.
		b.sendEnvelope(t, "e-approve", "interactive", false, blockActionJSON(testTeam, approver, p.Channel, p.MessageTS, ActionApprove, value, ""))
		b.sendEnvelope(t, "e-approve", "interactive", false, blockActionJSON(testTeam, approver, p.Channel, p.MessageTS, ActionApprove, value, ""))
		b.bot.tasks.wait()
		if got := b.proposal(t, p.ID); got.State != models.ProposalApproved {
			t.Fatalf("approval over Socket Mode: %s", got.State)
		}
		var n int64
		b.store.DB.Model(&models.Decision{}).Where("proposal_id = ? AND kind = ?", p.ID, models.DecisionApprove).Count(&n)
		if n != 1 {
			t.Errorf("approvals recorded = %d, want 1", n)
		}

		// Events API: the App Home.
		b.sendEnvelope(t, "e-home", "events_api", false, homeOpenedBody(testTeam, stranger))
		b.bot.tasks.wait()
		if pubs := b.slack.recorded("views.publish"); len(pubs) != 1 {
			t.Errorf("views.publish calls = %d, want 1", len(pubs))
		}

		// Another workspace and malformed payloads are acknowledged and
		// dropped.
		b.slack.reset()
		b.sendEnvelope(t, "e-other", "slash_commands", true, socketCommand("T0OTHER", approver, "pause anna"))
		b.sendEnvelope(t, "e-bad", "interactive", false, `{"type":"block_actions","team":{"id":"T0PACER"},"user":{"id":"U0APPROVER"},"actions":[]}`)
		b.bot.tasks.wait()
		var anna models.Account
		b.store.DB.Where("name = ?", "anna").First(&anna)
		if anna.State != models.AccountActive {
			t.Errorf("another workspace paused anna over Socket Mode")
		}
		if calls := b.slack.recorded(); len(calls) != 0 {
			t.Errorf("dropped envelopes caused Slack calls: %+v", calls)
		}
	})
}

// withSocketMode rebuilds the bundle's bot with an app token and no
// signing secret: Socket Mode only.
func (b *bundle) withSocketMode(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, b.store, b.slack, map[string]string{"SLACK_APP_TOKEN": "xapp-1-A0PACER-test", "SLACK_SIGNING_SECRET": ""})
}

// sendEnvelope sends one Socket Mode envelope and returns its ack.
func (b *bundle) sendEnvelope(t *testing.T, id, kind string, acceptsPayload bool, payload string) socketAck {
	t.Helper()
	env := fmt.Sprintf(`{"envelope_id":%q,"type":%q,"accepts_response_payload":%t,"retry_attempt":0,"retry_reason":"","payload":%s}`,
		id, kind, acceptsPayload, payload)
	select {
	case b.slack.envelopes <- env:
	case <-time.After(10 * time.Second):
		t.Fatal("the Socket Mode connection did not take the envelope")
	}
	select {
	case ack := <-b.slack.acks:
		if ack.EnvelopeID != id {
			t.Fatalf("ack for %q, want %q", ack.EnvelopeID, id)
		}
		return ack
	case <-time.After(10 * time.Second):
		t.Fatalf("envelope %s was not acknowledged", id)
	}
	return socketAck{}
}

// socketCommand is a slash command as Socket Mode carries it: JSON, with
// is_enterprise_install as a string.
func socketCommand(team, user, text string) string {
	raw, _ := json.Marshal(map[string]any{
		"token": "deprecated", "team_id": team, "team_domain": "pacer-test", "channel_id": ctoChannel, "channel_name": "cto",
		"user_id": user, "user_name": "someone", "command": "/pacer", "text": text, "api_app_id": "A0PACER",
		"is_enterprise_install": "false", "response_url": "", "trigger_id": "1.2.3",
	})
	return string(raw)
}

// viewSubmissionPayload is viewSubmissionBody's JSON alone.
func viewSubmissionPayload(team, user, meta, note string) string {
	form := viewSubmissionBody(team, user, meta, note)
	v, _ := parseForm(form)
	return v
}

func parseForm(form string) (string, error) {
	vals, err := url.ParseQuery(form)
	if err != nil {
		return "", err
	}
	return vals.Get("payload"), nil
}
