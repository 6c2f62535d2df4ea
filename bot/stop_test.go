package bot

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// accountStates reads every account's state, "name=state" in name order.
func (b *bundle) accountStates(t testing.TB) string {
	t.Helper()
	var accounts []models.Account
	if err := b.store.DB.Order("name").Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range accounts {
		out = append(out, a.Name+"="+a.State)
	}
	return strings.Join(out, " ")
}

// findButton returns the button actionID of the blocks, nil when none.
func findButton(blocks []map[string]any, actionID string) map[string]any {
	for _, b := range blocks {
		elems, _ := b["elements"].([]any)
		for _, e := range elems {
			if m, ok := e.(map[string]any); ok && m["action_id"] == actionID {
				return m
			}
		}
	}
	return nil
}

// clickStop clicks a stop-switch button (stop.all, resume.all) as user,
// on an ephemeral message in channel, as Slack sends it.
func (b *bundle) clickStop(t testing.TB, user, channel, actionID string) {
	t.Helper()
	raw := blockActionJSON(testTeam, user, channel, "", actionID, "all", b.slack.responseURLFor("stop"))
	var p map[string]any
	_ = json.Unmarshal([]byte(raw), &p)
	p["container"] = map[string]any{"type": "message", "message_ts": "1780300000.000900", "channel_id": channel, "is_ephemeral": true}
	delete(p, "message") // Slack sends no message with a click on an ephemeral one
	body, _ := json.Marshal(p)
	b.post(t, PathInteractivity, url.Values{"payload": {string(body)}}.Encode())
}

// clickHome clicks a button of user's App Home tab, as Slack sends it: a
// view container, no channel and no response_url.
func (b *bundle) clickHome(t testing.TB, user, actionID string) {
	t.Helper()
	p := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "username": "someone", "team_id": testTeam},
		"api_app_id": "A0PACER", "token": "deprecated-verification-token", "trigger_id": "12466734323.1395872398.ac6f7e0b5cfa6c3e8e0e6ff8d8a4e20c",
		"team":      map[string]any{"id": testTeam, "domain": "pacer-test"},
		"container": map[string]any{"type": "view", "view_id": "V0HOME"},
		"view":      map[string]any{"id": "V0HOME", "type": "home", "callback_id": "pacer_home", "team_id": testTeam},
		"actions": []any{map[string]any{"action_id": actionID, "block_id": "stop", "type": "button", "value": "all",
			"text": map[string]any{"type": "plain_text", "text": "Stop"}, "action_ts": "1780300000.000002"}},
	}
	body, _ := json.Marshal(p)
	b.post(t, PathInteractivity, url.Values{"payload": {string(body)}}.Encode())
}

// TestStopAllAsksThenPausesEveryAccount: `/pacer stop all` changes nothing
// but answers, privately, with a button behind a confirm dialog; its click
// pauses every account, and `/pacer resume all` undoes it. Approvers only.
func TestStopAllAsksThenPausesEveryAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "stop all"))
		if got := b.lastEphemeral(stranger); !strings.Contains(got, "Only approvers can stop every account") {
			t.Errorf("a stranger's stop all: told %q", got)
		}

		b.slack.reset()
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "stop all"))
		if s := b.accountStates(t); s != "anna=active bob=active" {
			t.Fatalf("before the confirmation: %s", s)
		}
		replies := b.slack.recorded("response_url")
		if len(replies) != 1 || replies[0].JSON["response_type"] != "ephemeral" {
			t.Fatalf("stop all answered %+v, want one ephemeral reply", replies)
		}
		button := findButton(replies[0].blocks(t), ActionStopAll)
		if button == nil || button["style"] != "danger" {
			t.Fatalf("the reply has no danger %s button:\n%s", ActionStopAll, replies[0].text())
		}
		confirm, _ := button["confirm"].(map[string]any)
		for _, k := range []string{"title", "text", "confirm", "deny"} {
			if confirm[k] == nil {
				t.Errorf("the button's confirm object lacks %s: %v", k, button["confirm"])
			}
		}

		b.clickStop(t, stranger, ctoChannel, ActionStopAll)
		if s := b.accountStates(t); s != "anna=active bob=active" {
			t.Errorf("after a stranger's click: %s", s)
		}
		b.clickStop(t, groupMember, ctoChannel, ActionStopAll)
		if s := b.accountStates(t); s != "anna=paused bob=paused" {
			t.Fatalf("after the confirmed stop: %s", s)
		}
		var anna models.Account
		b.store.DB.Where("name = ?", "anna").Take(&anna)
		if anna.PausedBy != groupMember || anna.StateReason != quota.StopReason {
			t.Errorf("anna is paused by %q for %q", anna.PausedBy, anna.StateReason)
		}
		if got := b.lastEphemeral(groupMember); !strings.Contains(got, "<@"+groupMember+"> stopped every account: *anna*, *bob*") ||
			!strings.Contains(got, "/pacer resume all") {
			t.Errorf("the stopper was told %q", got)
		}
		// The whole team hears of it, in each campaign's channel.
		b.checkAnnounced(t, "<@"+groupMember+"> stopped every account: *anna*, *bob*", ctoChannel, opsChannel)
		var pauses int64
		b.store.DB.Model(&models.Decision{}).Where("kind = ? AND user_id = ?", models.DecisionPause, groupMember).Count(&pauses)
		if pauses != 2 {
			t.Errorf("%d pause decisions recorded, want 2", pauses)
		}

		b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, "resume all"))
		if s := b.accountStates(t); s != "anna=paused bob=paused" {
			t.Errorf("after a stranger's resume all: %s", s)
		}
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "resume all"))
		if s := b.accountStates(t); s != "anna=active bob=active" {
			t.Errorf("after resume all: %s", s)
		}
		b.checkAnnounced(t, "<@"+approver+"> resumed every account stop all had stopped: *anna*, *bob*", ctoChannel, opsChannel)
		if got := b.lastEphemeral(approver); !strings.Contains(got, "resumed every account stop all had stopped: *anna*, *bob*") {
			t.Errorf("the resumer was told %q", got)
		}
	})
}

// TestStopSwitchInAppHome: an approver's App Home carries the stop switch
// (behind a confirm dialog), a stranger's does not; clicked there, it stops
// every account and the tab then offers to resume them.
func TestStopSwitchInAppHome(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		home := func(user string) apiCall {
			t.Helper()
			b.slack.reset()
			b.post(t, PathEvents, homeOpenedBody(testTeam, user))
			pubs := b.slack.recorded("views.publish")
			if len(pubs) != 1 {
				t.Fatalf("views.publish calls = %d, want 1", len(pubs))
			}
			return pubs[0]
		}
		if findButton(home(stranger).blocks(t), ActionStopAll) != nil {
			t.Error("a stranger's App Home offers the stop switch")
		}
		stop := findButton(home(approver).blocks(t), ActionStopAll)
		if stop == nil || stop["confirm"] == nil {
			t.Fatalf("the approver's App Home has no stop switch behind a confirm dialog: %v", stop)
		}

		b.slack.reset()
		b.clickHome(t, approver, ActionStopAll)
		if s := b.accountStates(t); s != "anna=paused bob=paused" {
			t.Fatalf("after the App Home's stop: %s", s)
		}
		pubs := b.slack.recorded("views.publish")
		if len(pubs) != 1 || findButton(pubs[0].blocks(t), ActionResumeAll) == nil || !strings.Contains(pubs[0].text(), "Stopped") {
			t.Fatalf("after the stop, the App Home was published %d times, without a resume switch:\n%+v", len(pubs), pubs)
		}

		b.checkAnnounced(t, "<@"+approver+"> stopped every account: *anna*, *bob*", ctoChannel, opsChannel)
		b.slack.reset()
		b.clickHome(t, stranger, ActionResumeAll)
		if s := b.accountStates(t); s != "anna=paused bob=paused" {
			t.Errorf("after a stranger's resume from the App Home: %s", s)
		}
		dms := b.slack.recorded("chat.postMessage")
		if len(dms) != 1 || dms[0].Form.Get("channel") != stranger || !strings.Contains(dms[0].text(), "Only approvers can resume every account") {
			t.Errorf("the stranger was told %+v, want one direct message", dms)
		}
		b.clickHome(t, approver, ActionResumeAll)
		if s := b.accountStates(t); s != "anna=active bob=active" {
			t.Errorf("after the App Home's resume: %s", s)
		}
	})
}

// checkAnnounced checks that each channel received one message, not
// ephemeral, holding text.
func (b *bundle) checkAnnounced(t *testing.T, text string, channels ...string) {
	t.Helper()
	for _, ch := range channels {
		n := 0
		for _, c := range b.slack.recorded("chat.postMessage") {
			if c.Form.Get("channel") == ch && strings.Contains(c.text(), text) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s received %d messages saying %q, want 1", ch, n, text)
		}
	}
}
