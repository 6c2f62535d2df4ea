package console

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/executor/browser/browsertest"
)

// openPage opens the console's page in a real Chromium.
func openPage(t *testing.T, b *bundle) *rod.Page {
	t.Helper()
	br := browsertest.Launch(t, "")
	page := br.Rod().MustPage(b.page.URL + Path).Timeout(time.Minute)
	t.Cleanup(func() { _ = page.Close() })
	return page
}

// TestPageRendersBlockKit checks the page against the Block Kit and mrkdwn
// the bot uses, and that nothing a message carries becomes HTML.
func TestPageRendersBlockKit(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	text := "*bold* _italic_ ~struck~ `code` <https://example.com/in/ada|Ada &amp; co> <@" + DefaultUser + "> <#C0DEMO> " +
		"<!date^1780300000^{date_num} at {time}|Mon 1 Jun> :white_check_mark: " +
		"&lt;script&gt;window.pwned=1&lt;/script&gt; <javascript:window.pwned=2|click me>\n>quoted line"
	ts := b.post(t, "C0DEMO",
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Proposal #1 · demo", true, false)),
		section("body", text),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			slack.NewTextBlockObject(slack.MarkdownType, "*Invitations today*\n▓░ 1/20", false, false),
			slack.NewTextBlockObject(slack.MarkdownType, "*Notes*\n0/5", false, false)}, nil, slack.SectionBlockOptionBlockID("fields")),
		slack.NewDividerBlock(),
		slack.NewContextBlock("ctx", slack.NewTextBlockObject(slack.MarkdownType, ":warning: small print", false, false)),
		buttons("acts", button("proposal.approve", "1:1", "Approve 1").WithStyle(slack.StylePrimary)),
	)
	if _, _, err := b.api.PostMessageContext(context.Background(), "C0DEMO", slack.MsgOptionTS(ts),
		slack.MsgOptionBlocks(section("item:99", "*Zoe*, in the thread"))); err != nil {
		t.Fatal(err)
	}
	if _, err := b.api.PostEphemeralContext(context.Background(), "C0DEMO", DefaultUser, slack.MsgOptionText("for your eyes", false)); err != nil {
		t.Fatal(err)
	}
	page := openPage(t, b)
	page.MustElementR(".message .header", "Proposal #1 · demo")
	page.MustElementR(".message.ephemeral", "Only visible to you")
	if n := len(page.MustElements(`[data-block-id="item:99"]`)); n != 0 {
		t.Errorf("a reply shows before its thread is opened")
	}
	page.MustElementR(".thread-toggle", "^1 reply$").MustClick()
	page.MustElementR(`.thread [data-block-id="item:99"]`, "Zoe, in the thread")

	body := page.MustElement(`[data-block-id="body"]`)
	checks := map[string]string{
		"strong": "bold", "em": "italic", "s": "struck", "code": "code", "blockquote": "quoted line",
		`a[href="https://example.com/in/ada"]`: "Ada & co",
	}
	for sel, want := range checks {
		if got := body.MustElement(sel).MustText(); got != want {
			t.Errorf("%s: got %q, want %q", sel, got, want)
		}
	}
	mentions := body.MustElements(".mention")
	if len(mentions) != 2 || mentions[0].MustText() != "@you" || mentions[1].MustText() != "#demo" {
		t.Errorf("mentions: %v", mentions)
	}
	whole := body.MustText()
	for _, want := range []string{"2026-06-01 at", "✅", "<script>window.pwned=1</script>", "click me"} {
		if !strings.Contains(whole, want) {
			t.Errorf("the section lacks %q:\n%s", want, whole)
		}
	}
	if n := len(page.MustElements("#timeline script")); n != 0 {
		t.Errorf("%d script elements came from a message", n)
	}
	if n := len(page.MustElements(`a[href^="javascript"]`)); n != 0 {
		t.Errorf("a javascript: link was made clickable")
	}
	if got := page.MustEval(`() => String(window.pwned)`).Str(); got != "undefined" {
		t.Errorf("a message ran script: window.pwned = %s", got)
	}
	if got := page.MustElement(`[data-block-id="fields"] .fields`).MustText(); !strings.Contains(got, "Invitations today") || !strings.Contains(got, "0/5") {
		t.Errorf("fields: %q", got)
	}
	if got := page.MustElement(`[data-block-id="ctx"]`).MustText(); !strings.Contains(got, "⚠️ small print") {
		t.Errorf("context: %q", got)
	}
	if n := len(page.MustElements("hr.block")); n != 1 {
		t.Errorf("%d dividers, want 1", n)
	}
	approve := page.MustElement(`button[data-action-id="proposal.approve"]`)
	if cls := approve.MustProperty("className").Str(); !strings.Contains(cls, "primary") {
		t.Errorf("the Approve button's class is %q, want the primary style", cls)
	}

	// A permalink in a direct message (a reminder's) opens the channel of
	// the message it points at, here.
	link, err := b.api.GetPermalinkContext(context.Background(), &slack.PermalinkParameters{Channel: "C0DEMO", Ts: ts})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.api.PostMessageContext(context.Background(), DefaultUser,
		slack.MsgOptionBlocks(section("dm", "Proposal #1 waits: <"+link+"|Open the proposal>"))); err != nil {
		t.Fatal(err)
	}
	// The page draws the channel list again on every change: click what is
	// there when the click happens.
	click := func(selector string) {
		t.Helper()
		page.MustElement(selector)
		page.MustEval(`(sel) => document.querySelector(sel).click()`, selector)
	}
	click(`.nav-item[data-channel="` + dmChannel(DefaultUser) + `"]`)
	page.MustElementR("#title", "direct messages")
	click(`[data-block-id="dm"] a.permalink[data-channel="C0DEMO"]`)
	page.MustElementR("#title", "^#demo$")
	page.MustElementR(".message .header", "Proposal #1 · demo")
}

// TestPageActsAsThePerson: typing a command, clicking a button and
// submitting a modal in the page reach the bot as Slack would send them.
func TestPageActsAsThePerson(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	ts := b.post(t, "C0DEMO", section("item:7", "*Ada*"), buttons("item_actions:7", button("item.edit", "1:1:7", "Edit note")))
	page := openPage(t, b)

	page.MustElement("#command").MustInput("/pacer help").MustType(input.Enter)
	waitApp(t, b, func(r appRequest) bool { return r.Form.Get("command") == "/pacer" && r.Form.Get("text") == "help" })

	page.MustElement(`[data-block-id="item_actions:7"] button[data-action-id="item.edit"]`).MustClick()
	click := waitApp(t, b, func(r appRequest) bool { return dig(r.Payload, "type") == "block_actions" })
	if dig(click.Payload, "container", "message_ts") != ts || dig(click.Payload, "actions", 0, "value") != "1:1:7" {
		t.Errorf("the click's payload: %v", click.Payload)
	}

	// The bot answers the click with a modal, as views.open.
	note := slack.NewPlainTextInputBlockElement(nil, "note_input")
	note.Multiline, note.InitialValue = true, "Hi Ada"
	if _, err := b.api.OpenViewContext(context.Background(), dig(click.Payload, "trigger_id").(string), slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: "edit_note",
		Title:  slack.NewTextBlockObject(slack.PlainTextType, "Edit note", false, false),
		Submit: slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Close:  slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("note", slack.NewTextBlockObject(slack.PlainTextType, "Note", false, false), nil, note)}},
	}); err != nil {
		t.Fatal(err)
	}
	area := page.MustElement(".modal textarea")
	if got := area.MustProperty("value").Str(); got != "Hi Ada" {
		t.Errorf("the note field holds %q, want the initial value", got)
	}
	b.app.answer(func(r appRequest) (int, string) {
		if dig(r.Payload, "type") != "view_submission" {
			return http.StatusOK, ""
		}
		return http.StatusOK, `{"response_action":"errors","errors":{"note":"The note cannot be sent: it holds a link."}}`
	})
	area.MustSelectAllText().MustInput("Hi Ada, see acme.com")
	page.MustElement(`.modal [data-role="submit"]`).MustClick()
	page.MustElementR(`[data-error-for="note"]`, "it holds a link")
	submitted := waitApp(t, b, func(r appRequest) bool { return dig(r.Payload, "type") == "view_submission" })
	if got := dig(submitted.Payload, "view", "state", "values", "note", "note_input", "value"); got != "Hi Ada, see acme.com" {
		t.Errorf("the submitted note: %v", got)
	}

	b.app.answer(nil)
	area.MustSelectAllText().MustInput("Hi Ada, glad to connect")
	page.MustElement(`.modal [data-role="submit"]`).MustClick()
	page.MustElement("#overlay[hidden]")
	if b.ws.state().Modal != nil {
		t.Error("the modal is still open after an empty ack")
	}
}

// waitApp waits until the bot received a request that match accepts.
func waitApp(t *testing.T, b *bundle, match func(appRequest) bool) appRequest {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		b.app.mu.Lock()
		for _, r := range b.app.requests {
			if match(r) {
				b.app.mu.Unlock()
				return r
			}
		}
		b.app.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("the bot did not receive the expected request")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
