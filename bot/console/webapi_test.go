package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestWebAPIAsSlackGoMeetsIt(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	ctx := context.Background()

	auth, err := b.api.AuthTestContext(ctx)
	if err != nil || auth.TeamID != TeamID || auth.UserID != BotUserID {
		t.Fatalf("auth.test: %+v, %v; want team %s, user %s", auth, err, TeamID, BotUserID)
	}

	ts := b.post(t, "C0DEMO", section("s", "*hello*"))
	_, replyTS, err := b.api.PostMessageContext(ctx, "C0DEMO", slack.MsgOptionText("in the thread", false), slack.MsgOptionTS(ts))
	if err != nil {
		t.Fatalf("a reply in the thread: %v", err)
	}
	if _, _, _, err := b.api.UpdateMessageContext(ctx, "C0DEMO", ts, slack.MsgOptionText("changed", false), slack.MsgOptionBlocks(section("s", "*changed*"))); err != nil {
		t.Fatalf("chat.update: %v", err)
	}
	channel, _, err := b.api.PostMessageContext(ctx, DefaultUser, slack.MsgOptionText("a direct message", false))
	if err != nil || channel != dmChannel(DefaultUser) {
		t.Fatalf("a post to a user: channel %q, %v; want the DM channel %s", channel, err, dmChannel(DefaultUser))
	}
	if _, err := b.api.PostEphemeralContext(ctx, "C0DEMO", DefaultUser, slack.MsgOptionText("only you", false)); err != nil {
		t.Fatalf("chat.postEphemeral: %v", err)
	}
	if _, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: DefaultUser,
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{section("h", "home")}}}}); err != nil {
		t.Fatalf("views.publish: %v", err)
	}

	link, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C0DEMO", Ts: ts})
	if want := "https://pacer-console.slack.com/archives/C0DEMO/p" + strings.ReplaceAll(ts, ".", ""); err != nil || link != want {
		t.Errorf("chat.getPermalink: %q, %v; want %s", link, err, want)
	}

	s := b.ws.state()
	if len(s.Messages) != 3 {
		t.Fatalf("got %d messages, want 3 (a post, its reply, a DM)", len(s.Messages))
	}
	first := s.Messages[0]
	if first.TS != ts || first.Text != "changed" || !strings.Contains(string(first.Blocks), "*changed*") || first.Edited == "" {
		t.Errorf("the updated message reads %+v", first)
	}
	if s.Messages[1].ThreadTS != ts || s.Messages[1].TS != replyTS {
		t.Errorf("the reply is %+v, want it in the thread of %s", s.Messages[1], ts)
	}
	if len(s.Ephemerals) != 1 || s.Ephemerals[0].For != DefaultUser {
		t.Errorf("ephemerals: %+v", s.Ephemerals)
	}
	if !strings.Contains(string(s.Home), `"home"`) {
		t.Errorf("the App Home is %s", s.Home)
	}
	if !(ts < replyTS) {
		t.Errorf("timestamps do not grow: %s then %s", ts, replyTS)
	}
}

func TestWebAPIRefusesAsSlackDoes(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	ctx := context.Background()
	ts := b.post(t, "C0DEMO", section("s", "x"))
	tooMany := make([]slack.Block, 51)
	for i := range tooMany {
		tooMany[i] = slack.NewDividerBlock()
	}
	wrongToken := slack.New("xoxb-wrong", slack.OptionAPIURL(APIURL), slack.OptionHTTPClient(b.ws.HTTPClient()))
	tests := []struct {
		name string
		call func() error
		want string
		// detail is expected in response_metadata.messages.
		detail string
	}{
		{"wrong token", func() error { _, err := wrongToken.AuthTestContext(ctx); return err }, "invalid_auth", ""},
		{"51 blocks", func() error {
			_, _, err := b.api.PostMessageContext(ctx, "C0DEMO", slack.MsgOptionBlocks(tooMany...))
			return err
		}, "invalid_blocks", "must be less than 51 items"},
		{"a section too long", func() error {
			_, _, err := b.api.PostMessageContext(ctx, "C0DEMO", slack.MsgOptionBlocks(section("s", strings.Repeat("x", 3001))))
			return err
		}, "invalid_blocks", "must be less than 3001 characters"},
		{"twice the same block_id", func() error {
			_, _, err := b.api.PostMessageContext(ctx, "C0DEMO", slack.MsgOptionBlocks(section("s", "a"), section("s", "b")))
			return err
		}, "invalid_blocks", "duplicate block_id"},
		{"nothing to say", func() error { _, _, err := b.api.PostMessageContext(ctx, "C0DEMO"); return err }, "no_text", ""},
		{"a thread that is not there", func() error {
			_, _, err := b.api.PostMessageContext(ctx, "C0DEMO", slack.MsgOptionText("x", false), slack.MsgOptionTS("1.000001"))
			return err
		}, "thread_not_found", ""},
		{"an update of a message that is not there", func() error {
			_, _, _, err := b.api.UpdateMessageContext(ctx, "C0DEMO", ts+"9", slack.MsgOptionText("x", false))
			return err
		}, "message_not_found", ""},
		{"a link to a message that is not there", func() error {
			_, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C0DEMO", Ts: ts + "9"})
			return err
		}, "message_not_found", ""},
		{"a modal without a trigger", func() error {
			_, err := b.api.OpenViewContext(ctx, "not-a-trigger", slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "x", false, false)})
			return err
		}, "invalid_trigger_id", ""},
		{"user groups", func() error { _, err := b.api.GetUserGroupMembersContext(ctx, "S0LEADS"); return err }, "no_such_subteam", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var se slack.SlackErrorResponse
			if !errors.As(err, &se) || se.Err != tt.want {
				t.Fatalf("got %v, want Slack's error %q", err, tt.want)
			}
			if tt.detail != "" && !strings.Contains(strings.Join(se.ResponseMetadata.Messages, " "), tt.detail) {
				t.Errorf("response_metadata.messages %q lack %q", se.ResponseMetadata.Messages, tt.detail)
			}
		})
	}
	if got := len(b.ws.state().Messages); got != 1 {
		t.Errorf("refused calls left %d messages, want the 1 posted before", got)
	}
}

func TestModalOpensOnceWithItsTrigger(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	trigger := b.ws.newTrigger()
	modal := slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "edit_note", Title: slack.NewTextBlockObject(slack.PlainTextType, "Edit note", false, false)}
	resp, err := b.api.OpenViewContext(context.Background(), trigger, modal)
	if err != nil || resp.ID == "" || resp.CallbackID != "edit_note" {
		t.Fatalf("views.open: %+v, %v", resp, err)
	}
	if _, err := b.api.OpenViewContext(context.Background(), trigger, modal); err == nil || !strings.Contains(err.Error(), "invalid_trigger_id") {
		t.Errorf("a trigger_id used twice: got %v, want invalid_trigger_id", err)
	}
	if m := b.ws.state().Modal; m == nil || m["id"] != resp.ID {
		t.Errorf("the page shows modal %v, want %s", m, resp.ID)
	}
}

func TestResponseURL(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	ts := b.post(t, "C0DEMO", section("s", "original"))
	respond := func(url, body string) int {
		resp, err := b.ws.HTTPClient().Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	url := b.ws.newResponseURL("C0DEMO", DefaultUser, ts)
	if code := respond(url, `{"response_type":"ephemeral","text":"just you","replace_original":false}`); code != http.StatusOK {
		t.Fatalf("an ephemeral answer: HTTP %d", code)
	}
	if code := respond(url, `{"response_type":"in_channel","text":"everyone"}`); code != http.StatusOK {
		t.Fatalf("an answer in the channel: HTTP %d", code)
	}
	if code := respond(url, `{"replace_original":true,"text":"replaced"}`); code != http.StatusOK {
		t.Fatalf("replace_original: HTTP %d", code)
	}
	if code := respond(b.ws.newResponseURL("C0DEMO", DefaultUser, "")[:len(responseBase)]+"T0CONSOLE/nope", `{"text":"x"}`); code != http.StatusNotFound {
		t.Errorf("an unknown response_url: HTTP %d, want 404", code)
	}
	s := b.ws.state()
	if len(s.Ephemerals) != 1 || s.Ephemerals[0].Text != "just you" {
		t.Errorf("ephemerals: %+v", s.Ephemerals)
	}
	var texts []string
	for _, m := range s.Messages {
		texts = append(texts, m.Text)
	}
	if got := strings.Join(texts, "|"); got != "replaced|everyone" {
		t.Errorf("messages: %s, want replaced|everyone", got)
	}
}

func TestMessagesOutliveARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := setup(t, Options{Dir: dir})
	ts := b.post(t, "C0DEMO", section("s", "kept"))
	b.ws.Close() // serve stops

	again, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	api := slack.New(again.BotToken(), slack.OptionAPIURL(APIURL), slack.OptionHTTPClient(again.HTTPClient()))
	if _, _, _, err := api.UpdateMessageContext(context.Background(), "C0DEMO", ts, slack.MsgOptionText("still there", false)); err != nil {
		t.Fatalf("chat.update of a message posted before the restart: %v", err)
	}
	_, later, err := api.PostMessageContext(context.Background(), "C0DEMO", slack.MsgOptionText("after", false))
	if err != nil || !(later > ts) {
		t.Errorf("a post after the restart: ts %s, %v; want one after %s", later, err, ts)
	}
}

func TestBrokenStateFileIsReported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := writeFileAtomic(dir+"/"+stateFile, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("got %v, want an error saying what to do", err)
	}
}

func TestCheckBlocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		blocks string
		want   string
	}{
		{"none", ``, ""},
		{"a proposal's blocks", `[{"type":"header","text":{"type":"plain_text","text":"Proposal #1"}},{"type":"divider"},{"type":"actions","block_id":"a","elements":[{"type":"button","action_id":"x","value":"1:1","text":{"type":"plain_text","text":"Approve"}}]}]`, ""},
		{"not an array", `{"type":"divider"}`, "JSON array"},
		{"an unknown type", `[{"type":"marquee"}]`, "unsupported type: marquee"},
		{"an empty section", `[{"type":"section"}]`, "either text or fields"},
		{"a long header", fmt.Sprintf(`[{"type":"header","text":{"type":"plain_text","text":%q}}]`, strings.Repeat("h", 151)), "between 1 and 150"},
		{"a button value too long", fmt.Sprintf(`[{"type":"actions","elements":[{"type":"button","action_id":"x","value":%q,"text":{"type":"plain_text","text":"x"}}]}]`, strings.Repeat("v", 2001)), "less than 2001"},
		{"two buttons with one action_id", `[{"type":"actions","elements":[{"type":"button","action_id":"x","text":{"type":"plain_text","text":"a"}},{"type":"button","action_id":"x","text":{"type":"plain_text","text":"b"}}]}]`, "duplicate action_id"},
		{"eleven fields", `[{"type":"section","fields":[` + strings.TrimSuffix(strings.Repeat(`{"type":"mrkdwn","text":"f"},`, 11), ",") + `]}]`, "less than 11 items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := checkBlocks([]byte(tt.blocks), maxMessageBlocks)
			got := strings.Join(problems, "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNothingReachesTheWebAPIFromOutside: the Web API is served in the
// process only; the page's handler does not answer it.
func TestNothingReachesTheWebAPIFromOutside(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	for _, path := range []string{"/api/chat.postMessage", Path + "/api/chat.postMessage", "/response/x"} {
		resp, err := http.Post(b.page.URL+path, "application/x-www-form-urlencoded", bytes.NewReader([]byte("token="+b.ws.BotToken()+"&channel=C0DEMO&text=x")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("POST %s through the page's handler: HTTP 200, want a refusal", path)
		}
	}
	if n := len(b.ws.state().Messages); n != 0 {
		t.Errorf("%d messages were posted from outside", n)
	}
}
