package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a real clock under test control.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type client struct {
	t   *testing.T
	srv *httptest.Server
}

func newClient(t *testing.T, opts Options) (*Server, *client) {
	t.Helper()
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, &client{t: t, srv: srv}
}

// do sends a request as liAt ("" for none) without following redirects.
func (c *client) do(method, path, liAt, body string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if liAt != "" {
		req.AddCookie(&http.Cookie{Name: "li_at", Value: liAt})
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (c *client) received(query string) Received {
	c.t.Helper()
	_, body := c.do("GET", "/_sim/received"+query, "", "")
	var r Received
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		c.t.Fatalf("decode /_sim/received: %v: %s", err, body)
	}
	return r
}

func TestNewPersonaIsDeterministic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		slug       string
		wantName   string
		wantLayout Layout
		wantDegree int
		check      func(Persona) bool
	}{
		{"jane-doe-4f2a9c", "Jane Doe", "", 0, nil},
		{"ana-lima-direct", "Ana Lima", LayoutDirect, 0, nil},
		{"ana-lima-more", "Ana Lima", LayoutMore, 0, nil},
		{"dev-nyx-creator", "Dev Nyx", LayoutCreator, 0, nil},
		{"otto-fo-followonly", "Otto Fo", LayoutFollowOnly, 0, nil},
		{"kim-lee-connected", "Kim Lee", "", 1, func(p Persona) bool { return p.SharesEmail }},
		{"kim-lee-connected-noemail", "Kim Lee", "", 1, func(p Persona) bool { return !p.SharesEmail }},
		{"eva-roth-emailreq", "Eva Roth", "", 0, func(p Persona) bool { return p.EmailRequired }},
		{"eva-roth-third-more", "Eva Roth", LayoutMore, 3, nil},
		{"ida-pre-emailprefill", "Ida Pre", "", 0, func(p Persona) bool { return p.EmailRequired && p.EmailPrefill != "" }},
		{"una-pre-noteprefill", "Una Pre", "", 0, func(p Persona) bool { return p.NotePrefill != "" && !p.EmailRequired }},
		{"josé-müller", "José Müller", "", 0, func(p Persona) bool { return strings.HasPrefix(p.Email, "jose.mueller@") }},
		{"12345", "Member 1234", "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			p := NewPersona(tt.slug)
			if p != NewPersona(tt.slug) {
				t.Fatal("two derivations of the same slug differ")
			}
			if p.Name != tt.wantName {
				t.Errorf("Name = %q, want %q", p.Name, tt.wantName)
			}
			if tt.wantLayout != "" && p.Layout != tt.wantLayout {
				t.Errorf("Layout = %q, want %q", p.Layout, tt.wantLayout)
			}
			if tt.wantDegree != 0 && p.Degree != tt.wantDegree {
				t.Errorf("Degree = %d, want %d", p.Degree, tt.wantDegree)
			}
			if !strings.HasSuffix(p.Email, ".example") {
				t.Errorf("Email = %q, want a .example address", p.Email)
			}
			if tt.check != nil && !tt.check(p) {
				t.Errorf("persona %+v fails the case's check", p)
			}
		})
	}
}

func TestSideRailStrangersAreOthers(t *testing.T) {
	t.Parallel()
	p := NewPersona("jane-doe-namesake")
	rail := p.SideRail()
	if len(rail) != 4 {
		t.Fatalf("len(SideRail) = %d, want 4", len(rail))
	}
	if rail[0].Name != p.Name {
		t.Errorf("namesake rail[0].Name = %q, want %q", rail[0].Name, p.Name)
	}
	for _, st := range rail {
		if st.Slug == p.Slug || !validSlug(st.Slug) {
			t.Errorf("stranger slug %q is the target's or invalid", st.Slug)
		}
	}
}

func TestPagesNeedASession(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{RejectedSessions: []string{"expired"}})
	tests := []struct {
		name     string
		liAt     string
		path     string
		wantCode int
		wantLoc  string
	}{
		{"no cookie", "", "/in/jane-doe/", http.StatusFound, "/login?session_redirect=/in/jane-doe/"},
		{"rejected cookie", "expired", "/in/jane-doe/", http.StatusFound, "/login?"},
		{"any other cookie", "whatever", "/in/jane-doe/", http.StatusOK, ""},
		{"checkpoint account", "acct-checkpoint", "/feed/", http.StatusFound, "/checkpoint/challenge/"},
		{"checkpoint member", "a", "/in/bo-checkpoint/", http.StatusFound, "/checkpoint/challenge/"},
		{"unavailable member", "a", "/in/bo-unavailable/", http.StatusNotFound, ""},
		{"bad slug", "a", "/in/x%3Cscript%3E/", http.StatusNotFound, ""},
		{"no trailing slash", "a", "/in/jane-doe", http.StatusMovedPermanently, "/in/jane-doe/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := c.do("GET", tt.path, tt.liAt, "")
			if res.StatusCode != tt.wantCode {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantCode)
			}
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, tt.wantLoc) {
				t.Errorf("Location = %q, want prefix %q", loc, tt.wantLoc)
			}
		})
	}
}

func TestProfilePageStructure(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{})
	res, body := c.do("GET", "/in/bram-oster-more/", "a", "")
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	p := NewPersona("bram-oster-more")
	for _, want := range []string{
		`<meta charset="utf-8">`,
		`<main class="_6617e8b9" id="workspace"`,
		`componentkey="com.linkedin.sdui.profile.card.ref` + p.URN + `Topcard"`,
		`role="toolbar"`,
		`<div class="_6342547c" data-display-contents="true"><p class="_8d5be5b1 _12486a17">· 1st</p></div>`,
		`aria-label="Follow Bram Oster"`,
		`href="/messaging/compose/?profileUrn=urn%3Ali%3Afsd_profile%3A` + p.URN,
		`<template id="sim-more-menu">`,
		`href="/preload/custom-invite/?vanityName=bram-oster-more"`,
		`<div id="interop-outlet" data-testid="interop-shadowdom"`,
		`componentkey="profileAsideBrowsemapbram-oster-more"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("profile page lacks %s", want)
		}
	}
	// The menu exists only in the inert template until opened: no portal,
	// and the custom-invite link only inside the template.
	if strings.Contains(body, "data-floating-ui-portal") {
		t.Error("the page ships an open menu portal")
	}
	tpl := body[strings.Index(body, `<template id="sim-more-menu">`):]
	if strings.Count(body, "vanityName=bram-oster-more") != strings.Count(tpl, "vanityName=bram-oster-more") {
		t.Error("the custom-invite link appears outside the More menu template")
	}
}

func TestInvitationFlowOverTheAPI(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	s, c := newClient(t, Options{Now: clk.Now, WeeklyLimit: 2, AcceptRate: 1, AcceptAfter: 48 * time.Hour, Speed: 2})

	res, body := c.do("POST", "/voyager/api/invite/start", "acct", `{"slug":"ana-lima"}`)
	if res.StatusCode != 200 || !strings.Contains(body, `"note_limit":200`) || !strings.Contains(body, `"notes_remaining":5`) {
		t.Fatalf("start = %d %s", res.StatusCode, body)
	}
	_, body = c.do("POST", "/voyager/api/invite/send", "acct", `{"slug":"ana-lima","note":"Hi Ana"}`)
	if !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("send = %s", body)
	}
	_, body = c.do("POST", "/voyager/api/invite/send", "acct", `{"slug":"ana-lima","note":""}`)
	if !strings.Contains(body, "already invited") {
		t.Errorf("second send = %s, want already invited", body)
	}
	_, body = c.do("POST", "/voyager/api/invite/send", "acct", `{"slug":"bo-emailreq"}`)
	if !strings.Contains(body, `"email_required"`) {
		t.Errorf("send without email = %s", body)
	}
	_, body = c.do("POST", "/voyager/api/invite/send", "acct", `{"slug":"bo-emailreq","email":"bo@x.example"}`)
	if !strings.Contains(body, `"ok"`) {
		t.Errorf("send with email = %s", body)
	}
	_, body = c.do("POST", "/voyager/api/invite/start", "acct", `{"slug":"cy-third"}`)
	if !strings.Contains(body, `"weekly_limit"`) {
		t.Errorf("third start in a week = %s, want weekly_limit", body)
	}
	// A premium account has its own week and 300-character notes.
	_, body = c.do("POST", "/voyager/api/invite/start", "premium-1", `{"slug":"cy-third"}`)
	if !strings.Contains(body, `"note_limit":300`) || !strings.Contains(body, `"notes_remaining":-1`) {
		t.Errorf("premium start = %s", body)
	}

	// The simulated clock runs twice as fast: 24 real hours accept both.
	clk.Add(24 * time.Hour)
	_, body = c.do("GET", "/mynetwork/invite-connect/connections/", "acct", "")
	for _, want := range []string{"2 connections", `href="/in/ana-lima/"`, "Connected on March 4, 2026"} {
		if !strings.Contains(body, want) {
			t.Errorf("connections page lacks %q", want)
		}
	}
	// A week later the limit has passed.
	s.Advance(7 * 24 * time.Hour)
	_, body = c.do("POST", "/voyager/api/invite/start", "acct", `{"slug":"cy-third"}`)
	if !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("start a week later = %s", body)
	}

	got := c.received("?account=acct")
	if len(got.Invitations) != 2 || got.Invitations[0].Slug != "ana-lima" || got.Invitations[0].Note != "Hi Ana" || got.Invitations[1].Email != "bo@x.example" {
		t.Errorf("received invitations = %+v", got.Invitations)
	}
	if !got.Invitations[0].At.Equal(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("invitation at = %v", got.Invitations[0].At)
	}
}

func TestNotesQuotaAndToast(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{NotesPerMonth: 1})
	_, body := c.do("POST", "/voyager/api/invite/send", "a", `{"slug":"aa-bb","note":"one"}`)
	if !strings.Contains(body, `"ok"`) {
		t.Fatal(body)
	}
	_, body = c.do("POST", "/voyager/api/invite/start", "a", `{"slug":"cc-dd"}`)
	if !strings.Contains(body, `"notes_remaining":0`) {
		t.Errorf("start after the quota = %s", body)
	}
	_, body = c.do("POST", "/voyager/api/invite/send", "a", `{"slug":"cc-dd","note":"two"}`)
	if !strings.Contains(body, `"out_of_notes"`) {
		t.Errorf("send over the quota = %s", body)
	}
	_, body = c.do("POST", "/voyager/api/invite/send", "a", `{"slug":"ee-toast"}`)
	if !strings.Contains(body, "Something went wrong") {
		t.Errorf("first send to a toast member = %s", body)
	}
	_, body = c.do("POST", "/voyager/api/invite/send", "a", `{"slug":"ee-toast"}`)
	if !strings.Contains(body, `"ok"`) {
		t.Errorf("second send to a toast member = %s", body)
	}
	long := strings.Repeat("x", 201)
	_, body = c.do("POST", "/voyager/api/invite/send", "b", `{"slug":"ff-gg","note":"`+long+`"}`)
	if !strings.Contains(body, "too long") {
		t.Errorf("201-character note = %s", body)
	}
}

func TestSentPageAgesAndAdminAPI(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, Options{})
	for _, seed := range []struct{ slug, age string }{{"old-one", "504h"}, {"new-one", "1h"}, {"odd-noage", "900h"}, {"mid-one", "72h"}} {
		res, body := c.do("POST", "/_sim/seed", "", `{"account":"a","slug":"`+seed.slug+`","age":"`+seed.age+`"}`)
		if res.StatusCode != 200 {
			t.Fatalf("seed: %d %s", res.StatusCode, body)
		}
	}
	_, body := c.do("GET", "/mynetwork/invitation-manager/sent/", "a", "")
	for _, want := range []string{"People (4)", "Sent 3 weeks ago", "Sent today", "Sent 3 days ago", "Sent recently", `aria-label="Withdraw invitation sent to Old One"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sent page lacks %q", want)
		}
	}
	_, body = c.do("POST", "/voyager/api/invite/withdraw", "a", `{"slug":"old-one"}`)
	if !strings.Contains(body, `"ok"`) {
		t.Errorf("withdraw = %s", body)
	}
	_, body = c.do("POST", "/_sim/accept", "", `{"account":"a","slug":"new-one"}`)
	if !strings.Contains(body, `"accepted":1`) {
		t.Errorf("accept = %s", body)
	}
	_, body = c.do("GET", "/in/new-one/overlay/contact-info/", "a", "")
	if !strings.Contains(body, `href="mailto:`+NewPersona("new-one").Email+`"`) {
		t.Errorf("contact info of a fresh connection lacks the mailto link")
	}
	_, body = c.do("GET", "/in/mid-one/overlay/contact-info/", "a", "")
	if strings.Contains(body, "mailto:") {
		t.Error("contact info of a non-connection shows an email")
	}
	before := s.Now()
	_, body = c.do("POST", "/_sim/advance", "", `{"by":"72h"}`)
	if s.Now().Sub(before) < 72*time.Hour {
		t.Errorf("advance did not move the clock: %s", body)
	}
	if res, _ := c.do("POST", "/_sim/advance", "", `{"by":"soon"}`); res.StatusCode != 400 {
		t.Errorf("advance with a bad duration: status %d, want 400", res.StatusCode)
	}
	c.do("POST", "/_sim/reject", "", `{"li_at":"a"}`)
	if res, _ := c.do("GET", "/feed/", "a", ""); res.StatusCode != http.StatusFound {
		t.Errorf("rejected session: status %d, want a redirect", res.StatusCode)
	}
	got := c.received("")
	if len(got.Withdrawals) != 1 || len(got.Invitations) != 0 || len(got.Views) != 2 {
		t.Errorf("received = %+v; want 1 withdrawal, no invitation (seeds are not received), 2 views", got)
	}
	c.do("POST", "/_sim/reset", "", "")
	if got := c.received(""); len(got.Withdrawals)+len(got.Views) != 0 {
		t.Errorf("after reset, received = %+v", got)
	}
}

func TestLoginSetsASession(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{})
	form := url.Values{"session_key": {"anna@example.com"}, "session_password": {"x"}, "session_redirect": {"/in/jane-doe/"}}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).PostForm(c.srv.URL+"/checkpoint/lg/login-submit", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var liAt string
	for _, ck := range res.Cookies() {
		if ck.Name == "li_at" {
			liAt = ck.Value
		}
	}
	if liAt == "" || res.Header.Get("Location") != "/in/jane-doe/" {
		t.Fatalf("login: li_at %q, Location %q", liAt, res.Header.Get("Location"))
	}
	if res, _ := c.do("GET", "/in/jane-doe/", liAt, ""); res.StatusCode != 200 {
		t.Errorf("profile with the new session: %d", res.StatusCode)
	}
}

func TestLikeToggles(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, Options{})
	// Today's markup: no post marker, the state in the label alone.
	_, body := c.do("GET", "/in/pat-kay/recent-activity/all/", "a", "")
	if !strings.Contains(body, `aria-label="Reaction button state: no reaction"`) {
		t.Fatalf("activity page lacks an unliked Like: %s", body)
	}
	for _, old := range []string{"aria-pressed", "data-urn", "feed-shared-update-v2"} {
		if strings.Contains(body, old) {
			t.Errorf("today's activity page carries the older %s", old)
		}
	}
	// The older markup, for a member with -oldposts.
	_, body = c.do("GET", "/in/pat-kay-oldposts/recent-activity/all/", "a", "")
	for _, want := range []string{`aria-pressed="false"`, `data-urn="urn:li:activity:`, "feed-shared-update-v2"} {
		if !strings.Contains(body, want) {
			t.Errorf("the older activity page lacks %s", want)
		}
	}
	c.do("POST", "/voyager/api/like", "a", `{"slug":"pat-kay","post":"1"}`)
	c.do("POST", "/voyager/api/like", "a", `{"slug":"pat-kay","post":"1"}`)
	got := c.received("")
	if len(got.Likes) != 1 || len(got.Unlikes) != 1 {
		t.Errorf("likes %d, unlikes %d; want 1 and 1", len(got.Likes), len(got.Unlikes))
	}
	// A like from before: the label names the reaction, nothing received.
	s.Like("a", "pat-kay")
	if _, body = c.do("GET", "/in/pat-kay/recent-activity/all/", "a", ""); !strings.Contains(body, `aria-label="Reaction button state: Like"`) {
		t.Errorf("a liked post's label does not name the reaction")
	}
	if got := c.received(""); len(got.Likes) != 1 {
		t.Errorf("Like was received as %d likes, want it unrecorded", len(got.Likes)-1)
	}
	_, body = c.do("GET", "/in/pat-kay-noposts/recent-activity/all/", "a", "")
	if !strings.Contains(body, "hasn’t posted yet") {
		t.Error("a member without posts shows posts")
	}
}

func TestConnectionsPageShowsTheCount(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, Options{BaseConnections: 1232})
	s.Connect("a", "new-one")
	s.Connect("a", "new-two")
	tests := []struct {
		name, account string
		want          string
	}{
		{"the option's base plus the simulation's connections", "a", "1,234 connections"},
		{"an account with no connection of its own", "b", "1,232 connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := c.do("GET", "/mynetwork/invite-connect/connections/", tt.account, "")
			if !strings.Contains(body, tt.want) {
				t.Errorf("connections page lacks %q", tt.want)
			}
		})
	}
	if res, body := c.do("POST", "/_sim/connections", "", `{"account":"b","count":29999}`); res.StatusCode != 200 {
		t.Fatalf("POST /_sim/connections: %d %s", res.StatusCode, body)
	}
	s.SetBaseConnections("c", 0)
	s.Connect("c", "only-one")
	for account, want := range map[string]string{"b": "29,999 connections", "c": "1 connection<", "a": "1,234 connections"} {
		if _, body := c.do("GET", "/mynetwork/invite-connect/connections/", account, ""); !strings.Contains(body, want) {
			t.Errorf("%s: connections page lacks %q", account, want)
		}
	}
	for _, bad := range []string{`{"count":3}`, `{"account":"b","count":-1}`, `{"account":"b"}`} {
		if res, _ := c.do("POST", "/_sim/connections", "", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /_sim/connections %s: status %d, want 400", bad, res.StatusCode)
		}
	}
}

func TestInviteStartTellsThePrefills(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{})
	tests := []struct {
		slug string
		want []string
	}{
		{"ida-pre-emailprefill", []string{`"email_required":true`, `"email_prefill":"` + NewPersona("ida-pre-emailprefill").EmailPrefill + `"`}},
		{"una-pre-noteprefill", []string{`"note_prefill":"I’d like to add you to my professional network on LinkedIn."`}},
		{"ana-lima", []string{`"email_prefill":""`, `"note_prefill":""`}},
	}
	for _, tt := range tests {
		_, body := c.do("POST", "/voyager/api/invite/start", "a", `{"slug":"`+tt.slug+`"}`)
		for _, want := range tt.want {
			if !strings.Contains(body, want) {
				t.Errorf("start %s = %s, want %s", tt.slug, body, want)
			}
		}
	}
}

func TestStopsRightAfterSend(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, Options{})
	// A checkpoint: the send is refused and every page leads to the
	// checkpoint from then on.
	res, body := c.do("POST", "/voyager/api/invite/send", "a", `{"slug":"sam-sendcheckpoint"}`)
	if res.StatusCode != 200 || !strings.Contains(body, `"status":"checkpoint"`) || !strings.Contains(body, `"location":"/checkpoint/challenge/`) {
		t.Errorf("send to a checkpoint member = %d %s", res.StatusCode, body)
	}
	if res, _ := c.do("GET", "/feed/", "a", ""); res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/checkpoint/challenge/") {
		t.Errorf("after the checkpoint, /feed/ = %d %s; want the checkpoint", res.StatusCode, res.Header.Get("Location"))
	}
	// A sign-in wall: the session ends.
	if res, _ := c.do("POST", "/voyager/api/invite/send", "b", `{"slug":"sam-sendsignin"}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("send to a sign-in wall member: status %d, want 401", res.StatusCode)
	}
	if res, _ := c.do("GET", "/feed/", "b", ""); res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("after the sign-in wall, /feed/ = %d %s; want the login page", res.StatusCode, res.Header.Get("Location"))
	}
	// A restriction notice: the send is refused, and so is the next start.
	if _, body := c.do("POST", "/voyager/api/invite/send", "d", `{"slug":"sam-sendrestricted"}`); !strings.Contains(body, `"status":"restricted"`) {
		t.Errorf("send to a restriction member = %s", body)
	}
	if _, body := c.do("POST", "/voyager/api/invite/start", "d", `{"slug":"ana-lima"}`); !strings.Contains(body, `"status":"restricted"`) {
		t.Errorf("start after the restriction = %s", body)
	}
	if got := c.received(""); len(got.Invitations) != 0 {
		t.Errorf("received %+v; want nothing sent", got.Invitations)
	}
}

// Lose makes the Sent list disagree with what was received: the
// invitation vanishes as if it had never been delivered.
func TestLoseAnInvitation(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, Options{AcceptRate: 1, AcceptAfter: time.Hour})
	for _, slug := range []string{"lo-st", "ke-pt"} {
		if _, body := c.do("POST", "/voyager/api/invite/send", "a", `{"slug":"`+slug+`"}`); !strings.Contains(body, `"ok"`) {
			t.Fatalf("send %s = %s", slug, body)
		}
	}
	if _, body := c.do("POST", "/_sim/lose", "", `{"account":"a","slug":"lo-st"}`); !strings.Contains(body, `"lost":true`) {
		t.Errorf("POST /_sim/lose = %s", body)
	}
	if s.Lose("a", "lo-st") {
		t.Error("a second Lose found the invitation again")
	}
	_, body := c.do("GET", "/mynetwork/invitation-manager/sent/", "a", "")
	if !strings.Contains(body, "People (1)") || strings.Contains(body, `href="/in/lo-st/"`) || !strings.Contains(body, `href="/in/ke-pt/"`) {
		t.Errorf("the sent page still lists the lost invitation, or lost the other one")
	}
	if _, body := c.do("GET", "/in/lo-st/", "a", ""); strings.Contains(body, "Pending, click to withdraw") {
		t.Error("the lost invitation's profile shows Pending")
	}
	s.Advance(2 * time.Hour)
	if _, body := c.do("GET", "/mynetwork/invite-connect/connections/", "a", ""); strings.Contains(body, `href="/in/lo-st/"`) || !strings.Contains(body, `href="/in/ke-pt/"`) {
		t.Error("a lost invitation was accepted, or the kept one was not")
	}
	got := c.received("?account=a")
	if len(got.Invitations) != 2 {
		t.Errorf("received %d invitations, want both still listed as received", len(got.Invitations))
	}
	if len(got.Lost) != 1 || got.Lost[0].Slug != "lo-st" || got.Lost[0].Account != "a" {
		t.Errorf("lost = %+v, want lo-st", got.Lost)
	}
	for _, bad := range []string{`{"slug":"lo-st"}`, `{"account":"a","slug":"x/y"}`} {
		if res, _ := c.do("POST", "/_sim/lose", "", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /_sim/lose %s: status %d, want 400", bad, res.StatusCode)
		}
	}
}

// Every page a session loads is recorded with both clocks; the page's own
// re-rendering after an action is not a load.
func TestPageLoadsAreRecorded(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: start}
	s, c := newClient(t, Options{Now: clk.Now, Speed: 60})
	c.do("GET", "/in/jane-doe/", "a", "")
	clk.Add(2 * time.Second)
	c.do("GET", "/in/kim-lee/overlay/contact-info/", "a", "")
	c.do("GET", "/mynetwork/invitation-manager/sent/", "b", "")
	c.do("GET", "/feed/", "", "") // no session: sent to the login page, no account's load
	req, _ := http.NewRequest("GET", c.srv.URL+"/in/jane-doe/", nil)
	req.AddCookie(&http.Cookie{Name: "li_at", Value: "a"})
	req.Header.Set("X-Sim-Refresh", "1")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
	real2 := start.Add(2 * time.Second)
	want := []PageLoad{
		{Account: "a", Path: "/in/jane-doe/", Slug: "jane-doe", At: start, RealAt: start},
		{Account: "a", Path: "/in/kim-lee/overlay/contact-info/", Slug: "kim-lee", At: start.Add(2 * time.Minute), RealAt: real2},
		{Account: "b", Path: "/mynetwork/invitation-manager/sent/", At: start.Add(2 * time.Minute), RealAt: real2},
	}
	got := s.Received().PageLoads
	if len(got) != len(want) {
		t.Fatalf("page loads = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Account != want[i].Account || got[i].Path != want[i].Path || got[i].Slug != want[i].Slug ||
			!got[i].At.Equal(want[i].At) || !got[i].RealAt.Equal(want[i].RealAt) {
			t.Errorf("page load %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := c.received("?account=b").PageLoads; len(got) != 1 || got[0].Account != "b" {
		t.Errorf("page loads of b = %+v", got)
	}
}

// TestAcceptRatePerNote: each note variant is accepted with its own
// probability, recognised by a piece of its text; no note has its own.
func TestAcceptRatePerNote(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, Options{AcceptRate: 0.35, AcceptAfter: time.Hour, WeeklyLimit: -1, NotesPerMonth: -1,
		AcceptRates: []NoteAcceptRate{{Contains: "enjoyed", Rate: 0.8}, {Contains: "", Rate: 0.1}}})
	notes := map[string]string{"enj": "Hi, I enjoyed your talk", "non": "", "oth": "Hi there"}
	for prefix, note := range notes {
		for i := range 300 {
			body := fmt.Sprintf(`{"slug":"%s-%d","note":%q}`, prefix, i, note)
			if _, got := c.do("POST", "/voyager/api/invite/send", "premium-a", body); !strings.Contains(got, `"ok"`) {
				t.Fatalf("send %s: %s", body, got)
			}
		}
	}
	s.Advance(2 * time.Hour)
	_, page := c.do("GET", "/mynetwork/invite-connect/connections/", "premium-a", "")
	for prefix, want := range map[string]float64{"enj": 0.8, "non": 0.1, "oth": 0.35} {
		got := float64(strings.Count(page, `href="/in/`+prefix+"-")) / 300
		if math.Abs(got-want) > 0.08 {
			t.Errorf("note %q: %.2f accepted, want about %.2f", notes[prefix], got, want)
		}
	}
}

// TestAcceptDraw: AcceptDraw tells each invitation's fate in advance, for
// every seed: accepted exactly when its draw is below its note's rate.
func TestAcceptDraw(t *testing.T) {
	t.Parallel()
	for _, seed := range []string{"", "demo"} {
		s, c := newClient(t, Options{Seed: seed, AcceptAfter: time.Hour, WeeklyLimit: -1,
			AcceptRates: []NoteAcceptRate{{Contains: "talk", Rate: 0.7}, {Contains: "", Rate: 0.2}}})
		want := map[string]bool{}
		for i := range 60 {
			slug, note := fmt.Sprintf("draw-%d", i), ""
			rate := 0.2
			if i%2 == 0 {
				note, rate = "Hi, I liked your talk", 0.7
			}
			if _, got := c.do("POST", "/voyager/api/invite/send", "premium-a", fmt.Sprintf(`{"slug":%q,"note":%q}`, slug, note)); !strings.Contains(got, `"ok"`) {
				t.Fatalf("send to %s: %s", slug, got)
			}
			want[slug] = AcceptDraw(seed, "premium-a", slug) < rate
		}
		s.Advance(2 * time.Hour)
		_, page := c.do("GET", "/mynetwork/invite-connect/connections/", "premium-a", "")
		n := 0
		for slug, accepted := range want {
			got := strings.Contains(page, `href="/in/`+slug+`/"`)
			if got != accepted {
				t.Errorf("seed %q: %s accepted %t, AcceptDraw said %t", seed, slug, got, accepted)
			}
			if got {
				n++
			}
		}
		if n == 0 || n == len(want) {
			t.Errorf("seed %q: %d of %d accepted; the test needs both fates", seed, n, len(want))
		}
	}
}
