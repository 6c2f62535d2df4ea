package linkedin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/pacertype"
)

// sentTexts returns the texts of the messages the simulator received.
func sentTexts(r sim.Received) []string {
	var out []string
	for _, m := range r.Messages {
		out = append(out, m.Slug+": "+m.Text)
	}
	return out
}

func TestSendMessage(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	first := "Hi Kim,\n\nthanks for connecting – great to meet you 👋\nTalk soon"
	second := "Did you get a chance to look?"
	for i, text := range []string{first, second} {
		o, err := ss.SendMessage(ctx, "kim-lee-connected", text)
		if err != nil || o != pacertype.OutcomeDone {
			t.Fatalf("SendMessage %d = %s, %v; want done", i, o, err)
		}
	}
	got := bd.sim.Received().Messages
	if len(got) != 2 {
		t.Fatalf("received %d messages, want 2: %+v", len(got), got)
	}
	for i, want := range []string{first, second} {
		if got[i].Text != want || got[i].Slug != "kim-lee-connected" || got[i].Account != "anna" || got[i].InMail {
			t.Errorf("message %d = %+v, want %q to kim-lee-connected from anna", i, got[i], want)
		}
	}
	// A retry of a message that went, unconfirmed, finds it in the
	// conversation and sends nothing again.
	if o, err := ss.SendMessage(ctx, "kim-lee-connected", second); err != nil || o != pacertype.OutcomeDone {
		t.Errorf("SendMessage again = %s, %v; want done", o, err)
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 2 {
		t.Errorf("after the retry the simulator received %q, want the 2 messages only", got)
	}
}

// Enter alone sends in the simulator's composer ("Press Enter to Send"):
// a message whose line breaks were typed with it would go in pieces.
func TestSendMessageKeepsLineBreaks(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	ss := bd.session(t, "anna")
	text := "Line one\nLine two\n\nLine four"
	if o, err := ss.SendMessage(testCtx(t), "lou-ray-connected", text); err != nil || o != pacertype.OutcomeDone {
		t.Fatalf("SendMessage = %s, %v", o, err)
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 1 || got[0] != "lou-ray-connected: "+text {
		t.Errorf("received %q, want exactly the one message", got)
	}
}

// A composer holding text nobody approved stops the message before
// anything is typed, and leaves the draft as it was.
func TestSendMessageStopsAtADraft(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	draft := "Hey, about Tuesday —"
	bd.sim.Draft("anna", "kim-lee-connected", draft)
	o, err := ss.SendMessage(ctx, "kim-lee-connected", "Hi Kim")
	if o != pacertype.OutcomeUnexpectedDraft || !errors.Is(err, executor.ErrUnexpectedDraft) || !strings.Contains(err.Error(), "about Tuesday") {
		t.Fatalf("SendMessage = %s, %v; want unexpected_draft quoting the draft", o, err)
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 0 {
		t.Errorf("received %q, want nothing", got)
	}
	p, err := ss.pageFor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.MustEval(`() => document.querySelector('.msg-form__contenteditable').innerText`).Str(); got != draft {
		t.Errorf("the composer holds %q, want the draft %q untouched", got, draft)
	}
}

func TestSendMessageNotConnected(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	bd.sim.Seed("anna", "pia-pend-more", "", 48*time.Hour)
	tests := []struct {
		account, slug string
		want          error
	}{
		{"anna", "jane-doe-more", executor.ErrNotConnected},
		{"anna", "eva-roth-third-more", executor.ErrNotConnected},
		{"anna", "pia-pend-more", executor.ErrNotConnected},
		{"anna", "otto-fo-followonly", executor.ErrNotConnected},
		{"anna-premium", "jane-doe-more", executor.ErrNotConnected},
		{"anna", "gone-person-unavailable", executor.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.account+"/"+tt.slug, func(t *testing.T) {
			ss := bd.session(t, tt.account)
			o, err := ss.SendMessage(testCtx(t), tt.slug, "Hello")
			if !errors.Is(err, tt.want) || o != executor.OutcomeOf(tt.want) {
				t.Errorf("SendMessage = %s, %v; want %v", o, err, tt.want)
			}
		})
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 0 {
		t.Errorf("received %q, want nothing", got)
	}
}

// Message to someone who is not a connection opens a Premium upsell (free
// accounts) or an InMail composer (premium ones): both mean not
// connected, whatever the profile showed, and nothing is typed.
func TestMessageOffersInMail(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	for _, account := range []string{"anna", "anna-premium"} {
		t.Run(account, func(t *testing.T) {
			ss := bd.session(t, account)
			ctx := testCtx(t)
			p, err := ss.pageFor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ss.openProfile(ctx, p, opMessage, "jane-doe-more"); err != nil {
				t.Fatal(err)
			}
			if err := ss.site.clickPick(p, "jane-doe-more", "message_link"); err != nil {
				t.Fatal(err)
			}
			_, err = ss.readConversation(ctx, p, member{Slug: "jane-doe-more", URN: sim.NewPersona("jane-doe-more").URN, Name: "Jane Doe"})
			if !errors.Is(err, executor.ErrNotConnected) {
				t.Errorf("readConversation err = %v, want not connected", err)
			}
		})
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 0 {
		t.Errorf("received %q, want nothing", got)
	}
}

// Another member's conversation bubble, with a composer of its own, sits
// before the target's in the page: the message goes to the target only.
func TestSendMessageIgnoresOtherConversations(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	p, err := ss.pageFor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.EvalOnNewDocument(`document.addEventListener('DOMContentLoaded', () => {
		if (!location.pathname.startsWith('/messaging/')) return;
		const b = document.createElement('div');
		b.className = 'msg-overlay-conversation-bubble';
		b.innerHTML = '<header class="msg-overlay-bubble-header"><a href="/in/omar-haddad-x1/"><h2 class="msg-overlay-bubble-header__title">Kim Lee</h2></a></header>' +
			'<form class="msg-form foreign"><div class="msg-form__contenteditable" contenteditable="true" role="textbox"><p><br></p></div>' +
			'<button class="msg-form__send-button" type="button">Send</button></form>';
		document.body.prepend(b);
	})`); err != nil {
		t.Fatal(err)
	}
	if o, err := ss.SendMessage(ctx, "kim-lee-connected", "Hi Kim"); err != nil || o != pacertype.OutcomeDone {
		t.Fatalf("SendMessage = %s, %v", o, err)
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 1 || got[0] != "kim-lee-connected: Hi Kim" {
		t.Errorf("received %q", got)
	}
	if got := p.MustEval(`() => document.querySelector('form.foreign [contenteditable]').innerText.trim()`).Str(); got != "" {
		t.Errorf("the other member's composer holds %q", got)
	}
}

// LinkedIn stopping the account at Send ends the message with its
// outcome, and an error toast is a transient failure whose retry sends the
// message once.
func TestSendMessageStops(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	tests := []struct {
		name, account, slug string
		want                error
	}{
		{"checkpoint at Send", "acct-a", "sam-stop-connected-sendcheckpoint", executor.ErrCheckpoint},
		{"sign-in wall at Send", "acct-b", "sam-stop-connected-sendsignin", executor.ErrSessionRejected},
		{"restriction at Send", "acct-c", "sam-stop-connected-sendrestricted", executor.ErrWeeklyLimit},
		{"checkpoint on every page", "acct-checkpoint", "kim-lee-connected", executor.ErrCheckpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := bd.session(t, tt.account)
			o, err := ss.SendMessage(testCtx(t), tt.slug, "Hello")
			if !errors.Is(err, tt.want) || o != executor.OutcomeOf(tt.want) {
				t.Errorf("SendMessage = %s, %v; want %v", o, err, tt.want)
			}
		})
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 0 {
		t.Fatalf("received %q, want nothing", got)
	}

	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	o, err := ss.SendMessage(ctx, "tia-toast-connected", "Hi Tia")
	if o != pacertype.OutcomeTransient || !strings.Contains(err.Error(), "Your message couldn") {
		t.Fatalf("SendMessage = %s, %v; want transient with the toast's text", o, err)
	}
	if o, err := ss.SendMessage(ctx, "tia-toast-connected", "Hi Tia"); err != nil || o != pacertype.OutcomeDone {
		t.Fatalf("retry = %s, %v; want done", o, err)
	}
	if got := sentTexts(bd.sim.Received()); len(got) != 1 || got[0] != "tia-toast-connected: Hi Tia" {
		t.Errorf("received %q, want the message once", got)
	}
}

func TestConversationsShowReplies(t *testing.T) {
	t.Parallel()
	opts := simOptions()
	opts.Start = time.Date(2026, 3, 12, 12, 0, 0, 0, time.Local) // midday: the stamps name today
	bd := setup(t, opts)
	// The list's stamps are read against the simulator's clock.
	site, err := New(browsertest.Shared(t), Options{BaseURL: bd.srv.URL, SettleTimeout: 5 * time.Second, Logger: discardLogger(), Now: bd.sim.Now})
	if err != nil {
		t.Fatal(err)
	}
	bd.site = site
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	for _, slug := range []string{"kim-lee-connected", "ola-nord-connected-nameonly"} {
		if o, err := ss.SendMessage(ctx, slug, "Hi, glad we connected."); err != nil {
			t.Fatalf("SendMessage %s = %s, %v", slug, o, err)
		}
	}
	bd.sim.Reply("anna", "kim-lee-connected", "Thanks Anna!\nLet’s talk next week.")
	start := bd.sim.Now()
	loads := len(bd.sim.Received().PageLoads)

	got, err := ss.Conversations(ctx, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(bd.sim.Received().PageLoads) - loads; n != 1 {
		t.Errorf("Conversations loaded %d pages, want 1", n)
	}
	if len(got) != 2 {
		t.Fatalf("Conversations = %+v, want 2", got)
	}
	kim, ola := got[0], got[1]
	if kim.Slug != "kim-lee-connected" || kim.Name != "Kim Lee" || kim.LastSender != executor.SenderThem ||
		kim.Excerpt != "Thanks Anna! Let’s talk next week." || !strings.Contains(kim.URL, "/messaging/thread/") {
		t.Errorf("the replied conversation = %+v", kim)
	}
	if d := kim.LastAt.Sub(start); d > time.Minute || d < -2*time.Minute {
		t.Errorf("LastAt = %v (%q), want the minute of the reply, about %v", kim.LastAt, kim.LastAtText, start)
	}
	if ola.Slug != "" || ola.Name != "Ola Nord" || ola.LastSender != executor.SenderUs || ola.Excerpt != "Hi, glad we connected." {
		t.Errorf("the conversation without a profile link = %+v", ola)
	}
	// Conversations whose last message is older than since are left out.
	if got, err := ss.Conversations(ctx, bd.sim.Now().Add(5*time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("Conversations since later = %+v, %v; want none", got, err)
	}
}

// The messaging list as a page that misses pieces: cards without a name,
// a stamp, a snippet or a link. Cards naming nobody are left out; the
// others keep what they show.
func TestConversationsFixture(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	p, err := ss.pageFor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join("testdata", "messaging-list.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := (proto.EmulationSetScriptExecutionDisabled{Value: true}).Call(p); err != nil {
		t.Fatal(err)
	}
	if err := p.SetDocumentContent(string(html)); err != nil {
		t.Fatal(err)
	}
	var r inboxReport
	if err := bd.site.probe(p, "", "inbox", &r); err != nil {
		t.Fatal(err)
	}
	if !r.List {
		t.Fatal("the list was not found")
	}
	now := time.Date(2026, 3, 12, 16, 0, 0, 0, time.FixedZone("browser", r.TZOffset*60)) // a Thursday
	got := bd.site.sel.conversations(r.Cards, now, time.Time{})
	want := []executor.Conversation{
		{Slug: "jane-doe-4f2a", Name: "Jane Doe", LastSender: executor.SenderThem, LastAt: time.Date(2026, 3, 12, 14, 15, 0, 0, now.Location()), LastAtText: "2:15 PM", Excerpt: "Sounds good, talk Friday", URL: "https://www.linkedin.com/messaging/thread/2-AAA/"},
		{Name: "Bo Berg", LastSender: executor.SenderUs, LastAt: time.Date(2026, 3, 11, 0, 0, 0, 0, now.Location()), LastAtText: "Yesterday", Excerpt: "Hi Bo, thanks for connecting", URL: "https://www.linkedin.com/messaging/thread/2-BBB/"},
		{Name: "Cleo Marsh", LastSender: executor.SenderThem, LastAt: time.Date(2026, 3, 9, 0, 0, 0, 0, now.Location()), LastAtText: "Mon", Excerpt: "Happy to chat"},
		{Slug: "dev-nyx", Name: "Dev Nyx", LastAtText: "sometime"},
		{Name: "Eva Roth", LastSender: executor.SenderThem, LastAt: time.Date(2025, 12, 30, 0, 0, 0, 0, now.Location()), LastAtText: "Dec 30", Excerpt: "See you"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d conversations, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.LastAt.Equal(w.LastAt) {
			t.Errorf("conversation %d: LastAt = %v, want %v", i, g.LastAt, w.LastAt)
		}
		g.LastAt, w.LastAt = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("conversation %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// An empty message is refused before any page opens.
func TestSendMessageRefusesAnEmptyMessage(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	ss := bd.session(t, "anna")
	o, err := ss.SendMessage(context.Background(), "kim-lee-connected", " \n ")
	if o != pacertype.OutcomeTransient || err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("SendMessage = %s, %v; want a transient failure naming the empty message", o, err)
	}
	if n := len(bd.sim.Received().PageLoads); n != 0 {
		t.Errorf("%d pages loaded for an empty message", n)
	}
}
