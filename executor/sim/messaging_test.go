package sim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// composePath is the profile's Message link of p.
func composePath(p Persona) string {
	return "/messaging/compose/?profileUrn=" + url.QueryEscape("urn:li:fsd_profile:"+p.URN) + "&recipient=" + p.URN + "&screenContext=NON_SELF_PROFILE_VIEW&interop=msgOverlay"
}

func TestMessagingOverHTTP(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{})
	kim := NewPersona("kim-lee-connected")
	// The Message link is followed from the profile, which is how the
	// simulator learns the URN the link names.
	if res, _ := c.do("GET", composePath(kim), "a", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("compose before the profile was seen: status %d, want 404", res.StatusCode)
	}
	c.do("GET", "/in/kim-lee-connected/", "a", "")
	_, body := c.do("GET", composePath(kim), "a", "")
	for _, want := range []string{
		`<form class="msg-form">`,
		`class="msg-form__contenteditable" contenteditable="true" role="textbox"`,
		`<p><br></p>`,
		`class="msg-form__send-button sim-primary" type="submit" disabled`,
		`<a class="msg-thread__link-to-profile" href="/in/` + kim.URN + `/"`,
		`<ul class="msg-s-message-list-content">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("compose page lacks %s", want)
		}
	}

	text := "Hi Kim,\nthanks for connecting"
	_, body = c.do("POST", "/voyager/api/messaging/send", "a", `{"slug":"kim-lee-connected","text":"Hi Kim,\nthanks for connecting"}`)
	if !strings.Contains(body, `"status":"ok"`) || !strings.Contains(body, `"thread":"/messaging/thread/2-`) {
		t.Fatalf("send = %s", body)
	}
	// Message now leads to the existing conversation.
	res, _ := c.do("GET", composePath(kim), "a", "")
	thread := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(thread, "/messaging/thread/2-") {
		t.Fatalf("compose with a conversation: %d → %q, want a redirect to the thread", res.StatusCode, thread)
	}
	_, body = c.do("GET", thread, "a", "")
	if !strings.Contains(body, `<p class="msg-s-event-listitem__body">Hi Kim,<br>thanks for connecting</p>`) {
		t.Errorf("thread lacks the message")
	}
	if strings.Contains(body, "msg-s-event-listitem--other") {
		t.Error("the account's own message is marked as the other member's")
	}

	c.do("POST", "/_sim/reply", "", `{"account":"a","slug":"kim-lee-connected","text":"Thanks!"}`)
	_, body = c.do("GET", "/messaging/", "a", "")
	for _, want := range []string{
		`<ul class="msg-conversations-container__conversations-list" aria-label="Conversation List">`,
		`<a class="msg-selectable-entity" href="/in/kim-lee-connected/"`,
		`<a class="msg-conversation-listitem__link msg-conversations-container__convo-item-link" href="` + thread + `">`,
		`<p class="msg-conversation-card__message-snippet">Thanks!</p>`,
		`aria-label="Select conversation with Kim Lee"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("messaging list lacks %s", want)
		}
	}
	_, body = c.do("GET", thread, "a", "")
	if !strings.Contains(body, `msg-s-event-listitem msg-s-event-listitem--other`) {
		t.Error("the reply is not marked as the other member's")
	}
	got := c.received("?account=a")
	if len(got.Messages) != 1 || got.Messages[0].Text != text || got.Messages[0].Slug != "kim-lee-connected" || got.Messages[0].InMail {
		t.Errorf("received messages = %+v, want the one sent, exactly", got.Messages)
	}
	if got := c.received("?account=b"); len(got.Messages) != 0 {
		t.Errorf("another account's messages = %+v", got.Messages)
	}
}

func TestMessagingNotConnected(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{})
	jane := NewPersona("jane-doe-more")
	c.do("GET", "/in/jane-doe-more/", "free", "")
	_, body := c.do("GET", composePath(jane), "free", "")
	if !strings.Contains(body, `role="dialog" aria-labelledby="inmail-upsell-h"`) || !strings.Contains(body, "Try Premium") || strings.Contains(body, "msg-form") {
		t.Error("a free account's Message to a non-connection does not show the upsell alone")
	}
	_, body = c.do("GET", composePath(jane), "acct-premium", "")
	if !strings.Contains(body, `name="subject"`) || !strings.Contains(body, "InMail credits") {
		t.Error("a premium account's Message to a non-connection does not show the InMail composer")
	}
	_, body = c.do("POST", "/voyager/api/messaging/send", "free", `{"slug":"jane-doe-more","text":"Hello"}`)
	if !strings.Contains(body, `"status":"error"`) {
		t.Errorf("a message to a non-connection = %s, want refused", body)
	}
	_, body = c.do("POST", "/voyager/api/messaging/send", "acct-premium", `{"slug":"jane-doe-more","text":"Hello","inmail":"true"}`)
	if !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("an InMail = %s", body)
	}
	if got := c.received(""); len(got.Messages) != 1 || !got.Messages[0].InMail {
		t.Errorf("received messages = %+v, want the one InMail, marked", got.Messages)
	}
}

func TestMessagingDraftAndStops(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{})
	kim := NewPersona("kim-lee-connected")
	if res, body := c.do("POST", "/_sim/draft", "", `{"account":"a","slug":"kim-lee-connected","text":"Half a thought"}`); res.StatusCode != 200 {
		t.Fatalf("draft: %d %s", res.StatusCode, body)
	}
	_, body := c.do("GET", composePath(kim), "a", "")
	if !strings.Contains(body, `aria-label="Write a message…"><p>Half a thought</p></div>`) {
		t.Error("the composer does not open holding the draft")
	}
	if _, body = c.do("GET", "/messaging/", "a", ""); strings.Contains(body, "Kim Lee") {
		t.Error("a conversation holding only a draft is listed")
	}
	for _, bad := range []string{`{"account":"a","slug":"kim-lee-connected","text":"  "}`, `{"slug":"kim-lee-connected","text":"x"}`, `{"account":"a","slug":"x","text":"x"}`} {
		if res, _ := c.do("POST", "/_sim/reply", "", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("reply %s: status %d, want 400", bad, res.StatusCode)
		}
	}
	// LinkedIn stops a message at Send as it stops an invitation.
	_, body = c.do("POST", "/voyager/api/messaging/send", "a", `{"slug":"sam-stop-connected-sendcheckpoint","text":"Hello"}`)
	if !strings.Contains(body, `"status":"checkpoint"`) {
		t.Errorf("send to a -sendcheckpoint member = %s", body)
	}
	_, body = c.do("POST", "/voyager/api/messaging/send", "b", `{"slug":"tia-toast-connected","text":"Hello"}`)
	if !strings.Contains(body, `"status":"error"`) {
		t.Errorf("first send to a -toast member = %s, want an error", body)
	}
	if got := c.received(""); len(got.Messages) != 0 {
		t.Errorf("received messages = %+v, want none", got.Messages)
	}
	// A profile named by its URN id redirects to its vanity URL.
	if res, _ := c.do("GET", "/in/"+kim.URN+"/", "c", ""); res.Header.Get("Location") != "/in/kim-lee-connected/" {
		t.Errorf("URN profile: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestListStamp(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 12, 16, 0, 0, 0, time.Local) // a Thursday
	tests := []struct {
		at   time.Time
		want string
	}{
		{now.Add(-time.Hour), "3:00 PM"},
		{time.Date(2026, 3, 11, 23, 59, 0, 0, time.Local), "Yesterday"},
		{time.Date(2026, 3, 9, 8, 0, 0, 0, time.Local), "Mon"},
		{time.Date(2026, 3, 5, 8, 0, 0, 0, time.Local), "Mar 5"},
		{time.Date(2025, 12, 30, 8, 0, 0, 0, time.Local), "Dec 30, 2025"},
	}
	for _, tt := range tests {
		if got := listStamp(tt.at, now); got != tt.want {
			t.Errorf("listStamp(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}
