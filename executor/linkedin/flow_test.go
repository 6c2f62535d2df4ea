package linkedin

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/pacertype"
)

// noAI fails the test if anything clicked Write with AI.
func noAI(t *testing.T, bd *bundle) {
	t.Helper()
	t.Cleanup(func() {
		if n := bd.sim.Received().AIClicks; n != 0 {
			t.Errorf("Write with AI was clicked %d times", n)
		}
	})
}

func invitedSlugs(r sim.Received) []string {
	var out []string
	for _, inv := range r.Invitations {
		out = append(out, inv.Slug)
	}
	return out
}

func TestReadState(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	bd.sim.Seed("anna", "pia-pend-more", "", 48*time.Hour)
	ss := bd.session(t, "anna")
	tests := []struct {
		slug       string
		want       executor.State
		wantDegree int
	}{
		{"ana-lima-direct", executor.StateConnect, 0},
		{"jane-doe-more", executor.StateConnectViaMore, 2},
		{"eva-roth-third-more", executor.StateConnectViaMore, 3},
		{"dev-nyx-creator", executor.StateConnectViaMore, 0},
		{"otto-fo-followonly", executor.StateFollowOnly, 0},
		{"kim-lee-connected", executor.StateConnected, 1},
		{"pia-pend-more", executor.StatePending, 0},
		{"gone-person-unavailable", executor.StateUnavailable, 0},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			got, err := ss.ReadState(testCtx(t), tt.slug)
			if err != nil {
				t.Fatalf("ReadState: %v", err)
			}
			if got.State != tt.want {
				t.Errorf("State = %q, want %q (anchors %v)", got.State, tt.want, got.Anchors)
			}
			if tt.wantDegree != 0 && got.Degree != tt.wantDegree {
				t.Errorf("Degree = %d, want %d", got.Degree, tt.wantDegree)
			}
		})
	}
	if got := bd.sim.Received().Invitations; len(got) != 0 {
		t.Errorf("reading states sent invitations: %+v", got)
	}
}

func TestInviteWithNoteUnderMore(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	note := "Hi Jane, great talk at the meetup."
	res, err := ss.Invite(ctx, "jane-doe-more", executor.InviteOptions{Note: note})
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if res.Outcome != pacertype.OutcomeDone || res.NoteLimit != 200 || res.NotesRemaining != 5 {
		t.Errorf("Invite = %+v, want done, limit 200, 5 notes remaining", res)
	}
	got := bd.sim.Received()
	if len(got.Invitations) != 1 || got.Invitations[0].Slug != "jane-doe-more" || got.Invitations[0].Note != note || got.Invitations[0].Account != "anna" {
		t.Errorf("received invitations = %+v", got.Invitations)
	}
	prof, err := ss.ReadState(ctx, "jane-doe-more")
	if err != nil || prof.State != executor.StatePending {
		t.Errorf("ReadState after Invite = %+v, %v; want pending", prof, err)
	}
	res, err = ss.Invite(ctx, "jane-doe-more", executor.InviteOptions{})
	if !errors.Is(err, executor.ErrAlreadyPending) || res.Outcome != pacertype.OutcomeAlreadyPending {
		t.Errorf("second Invite = %+v, %v; want already pending", res, err)
	}
	if n := len(bd.sim.Received().Invitations); n != 1 {
		t.Errorf("%d invitations received, want 1", n)
	}
}

func TestInviteLayouts(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	tests := []struct {
		slug, note string
	}{
		{"ana-lima-direct", ""},
		{"bo-berg-direct", "Hello Bo"},
		{"dev-nyx-creator", ""},
		{"eva-roth-third-more", "Hallo Eva – schön, dich kennenzulernen! 👋"},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			res, err := ss.Invite(testCtx(t), tt.slug, executor.InviteOptions{Note: tt.note})
			if err != nil || res.Outcome != pacertype.OutcomeDone {
				t.Fatalf("Invite = %+v, %v", res, err)
			}
		})
	}
	got := bd.sim.Received().Invitations
	if len(got) != len(tests) {
		t.Fatalf("received %d invitations, want %d: %+v", len(got), len(tests), got)
	}
	for i, tt := range tests {
		if got[i].Slug != tt.slug || got[i].Note != tt.note {
			t.Errorf("invitation %d = %+v, want slug %q note %q", i, got[i], tt.slug, tt.note)
		}
	}
}

// The side rail holds strangers' Invite buttons, one of them with the
// target's very name. Only the target may be invited.
func TestInviteNeverHitsTheSideRail(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	tests := []struct {
		slug        string
		wantOutcome pacertype.Outcome
		wantSent    []string
	}{
		{"jane-doe-namesake-more", pacertype.OutcomeDone, []string{"jane-doe-namesake-more"}},
		{"jane-doe-namesake-direct", pacertype.OutcomeDone, []string{"jane-doe-namesake-more", "jane-doe-namesake-direct"}},
		// No Connect for the target at all: the strangers' buttons are the
		// only Invite controls on the page.
		{"jane-doe-namesake-followonly", pacertype.OutcomeNotConnectable, []string{"jane-doe-namesake-more", "jane-doe-namesake-direct"}},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			res, err := ss.Invite(testCtx(t), tt.slug, executor.InviteOptions{Note: "Hi"})
			if res.Outcome != tt.wantOutcome {
				t.Errorf("Invite = %+v, %v; want %s", res, err, tt.wantOutcome)
			}
			if got := invitedSlugs(bd.sim.Received()); !slices.Equal(got, tt.wantSent) {
				t.Errorf("invited %v, want %v", got, tt.wantSent)
			}
		})
	}
}

func TestInviteEmailRequired(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	res, err := ss.Invite(ctx, "eva-roth-emailreq-more", executor.InviteOptions{Note: "Hi Eva"})
	if !errors.Is(err, executor.ErrEmailRequired) || res.Outcome != pacertype.OutcomeEmailRequired {
		t.Fatalf("Invite without email = %+v, %v; want email required", res, err)
	}
	if n := len(bd.sim.Received().Invitations); n != 0 {
		t.Fatalf("%d invitations sent without the email", n)
	}
	tests := []struct{ slug, note string }{{"eva-roth-emailreq-more", "Hi Eva"}, {"max-moe-emailreq-direct", ""}}
	for _, tt := range tests {
		res, err = ss.Invite(ctx, tt.slug, executor.InviteOptions{Note: tt.note, Email: "someone@example.org"})
		if err != nil || res.Outcome != pacertype.OutcomeDone {
			t.Errorf("Invite %s with email = %+v, %v; want done", tt.slug, res, err)
		}
	}
	got := bd.sim.Received().Invitations
	if len(got) != 2 || got[0].Email != "someone@example.org" || got[0].Note != "Hi Eva" || got[1].Note != "" {
		t.Errorf("received = %+v", got)
	}
}

// The email field must hold exactly the address before Send, whether it
// opens empty or already holding text (typing appends to what is there).
func TestInviteEmailFieldHoldsExactlyTheAddress(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	const email = "someone@example.org"
	tests := []struct {
		name, slug, note string
	}{
		{"empty field, with a note", "eva-roth-emailreq-more", "Hi Eva"},
		{"empty field, without a note", "max-moe-emailreq-direct", ""},
		{"field holding text, with a note", "ida-pre-emailprefill-more", "Hi Ida"},
		{"field holding text, without a note", "ole-pre-emailprefill-direct", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ss.Invite(testCtx(t), tt.slug, executor.InviteOptions{Note: tt.note, Email: email})
			if err != nil || res.Outcome != pacertype.OutcomeDone {
				t.Fatalf("Invite = %+v, %v; want done", res, err)
			}
			got := bd.sim.Received().Invitations
			i := slices.IndexFunc(got, func(inv sim.Invitation) bool { return inv.Slug == tt.slug })
			if i < 0 {
				t.Fatalf("no invitation to %s received: %+v", tt.slug, got)
			}
			if got[i].Email != email || got[i].Note != tt.note {
				t.Errorf("received email %q, note %q; want %q, %q", got[i].Email, got[i].Note, email, tt.note)
			}
		})
	}
}

// A field that does not hold the address as typed (here one too short for
// it) is a transient failure, and nothing is sent.
func TestInviteEmailMismatchSendsNothing(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	// The page's own script gives the email field room for 8 characters.
	bd.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/static/sim.js" {
			bd.sim.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		bd.sim.ServeHTTP(rec, r)
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write([]byte(strings.ReplaceAll(rec.Body.String(), `<input type="email"`, `<input type="email" maxlength="8"`)))
	})
	noAI(t, bd)
	ss := bd.session(t, "anna")
	for _, note := range []string{"Hi Eva", ""} {
		res, err := ss.Invite(testCtx(t), "eva-roth-emailreq-more", executor.InviteOptions{Note: note, Email: "someone@example.org"})
		if res.Outcome != pacertype.OutcomeTransient || err == nil || !strings.Contains(err.Error(), "email field") {
			t.Errorf("Invite (note %q) = %+v, %v; want transient, about the email field", note, res, err)
		}
	}
	if got := bd.sim.Received().Invitations; len(got) != 0 {
		t.Errorf("received %+v; want nothing sent", got)
	}
}

// An invitation approved without a note never goes with text it did not
// approve: a note field holding text stops it before Send.
func TestInviteNeverSendsAnUnapprovedNote(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	for _, slug := range []string{"una-pre-noteprefill-more", "ulf-pre-noteprefill-direct"} {
		t.Run(slug, func(t *testing.T) {
			res, err := ss.Invite(testCtx(t), slug, executor.InviteOptions{})
			if !errors.Is(err, executor.ErrUnexpectedNote) || res.Outcome != pacertype.OutcomeUnexpectedNote {
				t.Fatalf("Invite without a note = %+v, %v; want unexpected note", res, err)
			}
			if !strings.Contains(err.Error(), "professional network") {
				t.Errorf("error %q does not quote the text found", err)
			}
			if got := bd.sim.Received().Invitations; len(got) != 0 {
				t.Errorf("received %+v; want nothing sent", got)
			}
		})
	}
	// With an approved note, the field holds exactly that note at Send.
	const note = "Hi Uma, glad to connect."
	res, err := ss.Invite(testCtx(t), "uma-pre-noteprefill-more", executor.InviteOptions{Note: note})
	if err != nil || res.Outcome != pacertype.OutcomeDone {
		t.Fatalf("Invite with a note = %+v, %v; want done", res, err)
	}
	if got := bd.sim.Received().Invitations; len(got) != 1 || got[0].Note != note {
		t.Errorf("received %+v; want only the approved note", got)
	}
}

func TestInviteNotesQuota(t *testing.T) {
	t.Parallel()
	opts := simOptions()
	opts.NotesPerMonth = 1
	bd := setup(t, opts)
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	res, err := ss.Invite(ctx, "aa-one-more", executor.InviteOptions{Note: "first"})
	if err != nil || res.NotesRemaining != 1 {
		t.Fatalf("first Invite = %+v, %v; want done with 1 note remaining", res, err)
	}
	res, err = ss.Invite(ctx, "bb-two-more", executor.InviteOptions{Note: "second"})
	if !errors.Is(err, executor.ErrNoteQuotaExhausted) || res.Outcome != pacertype.OutcomeNoteQuotaExhausted || res.NotesRemaining != 0 {
		t.Fatalf("Invite over the quota = %+v, %v; want note quota exhausted, 0 remaining", res, err)
	}
	var e *executor.Error
	if !errors.As(err, &e) || e.NotesRemaining != 0 {
		t.Errorf("the error does not carry 0 notes remaining: %#v", err)
	}
	// Without a note the invitation goes.
	if res, err = ss.Invite(ctx, "bb-two-more", executor.InviteOptions{}); err != nil {
		t.Fatalf("Invite without a note = %+v, %v", res, err)
	}
	got := bd.sim.Received().Invitations
	if len(got) != 2 || got[1].Note != "" {
		t.Errorf("received = %+v; the quota-exhausted note must not be sent", got)
	}
}

func TestInviteReadsTheNoteLimit(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	note := strings.Repeat("A longer note than a free account may send. ", 6)[:250]
	tests := []struct {
		account     string
		wantOutcome pacertype.Outcome
		wantLimit   int
	}{
		{"free-anna", pacertype.OutcomeNoteTooLong, 200},
		{"premium-bob", pacertype.OutcomeDone, 300},
	}
	for _, tt := range tests {
		t.Run(tt.account, func(t *testing.T) {
			ss := bd.session(t, tt.account)
			res, err := ss.Invite(testCtx(t), "lu-long-more", executor.InviteOptions{Note: note})
			if res.Outcome != tt.wantOutcome || res.NoteLimit != tt.wantLimit {
				t.Errorf("Invite = %+v, %v; want %s with limit %d", res, err, tt.wantOutcome, tt.wantLimit)
			}
			if tt.wantOutcome == pacertype.OutcomeNoteTooLong && !strings.Contains(err.Error(), "250 characters, the dialog allows 200") {
				t.Errorf("error %q does not say why", err)
			}
		})
	}
	got := bd.sim.Received().Invitations
	if len(got) != 1 || got[0].Account != "premium-bob" || got[0].Note != note {
		t.Errorf("received = %+v; want only the premium account's full note", got)
	}
}

func TestInviteWeeklyLimit(t *testing.T) {
	t.Parallel()
	opts := simOptions()
	opts.WeeklyLimit = 2
	bd := setup(t, opts)
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	for _, slug := range []string{"wa-one-more", "wb-two-direct"} {
		if res, err := ss.Invite(ctx, slug, executor.InviteOptions{}); err != nil {
			t.Fatalf("Invite %s = %+v, %v", slug, res, err)
		}
	}
	for _, slug := range []string{"wc-three-more", "wd-four-direct"} {
		res, err := ss.Invite(ctx, slug, executor.InviteOptions{Note: "hi"})
		if !errors.Is(err, executor.ErrWeeklyLimit) || res.Outcome != pacertype.OutcomeWeeklyLimit {
			t.Errorf("Invite %s past the limit = %+v, %v; want weekly limit", slug, res, err)
		}
	}
	bd.sim.Advance(7*24*time.Hour + time.Minute)
	if res, err := ss.Invite(ctx, "wc-three-more", executor.InviteOptions{}); err != nil {
		t.Errorf("Invite a week later = %+v, %v", res, err)
	}
	if got := invitedSlugs(bd.sim.Received()); !slices.Equal(got, []string{"wa-one-more", "wb-two-direct", "wc-three-more"}) {
		t.Errorf("invited %v", got)
	}
}

func TestCheckpointAndRejectedSession(t *testing.T) {
	t.Parallel()
	opts := simOptions()
	opts.RejectedSessions = []string{"expired-session"}
	bd := setup(t, opts)
	noAI(t, bd)
	tests := []struct {
		name    string
		account string
		slug    string
		want    error
	}{
		{"checkpoint on a profile", "anna", "cara-checkpoint", executor.ErrCheckpoint},
		{"CAPTCHA frame without a redirect", "anna", "cara-captcha", executor.ErrCheckpoint},
		{"checkpoint on every page", "acct-checkpoint", "jane-doe-more", executor.ErrCheckpoint},
		{"session rejected", "expired-session", "jane-doe-more", executor.ErrSessionRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := bd.session(t, tt.account)
			ctx := testCtx(t)
			if _, err := ss.ReadState(ctx, tt.slug); !errors.Is(err, tt.want) {
				t.Errorf("ReadState err = %v, want %v", err, tt.want)
			}
			res, err := ss.Invite(ctx, tt.slug, executor.InviteOptions{Note: "hi"})
			if !errors.Is(err, tt.want) || res.Outcome != executor.OutcomeOf(tt.want) {
				t.Errorf("Invite = %+v, %v; want %v", res, err, tt.want)
			}
			if _, err := ss.SentInvitations(ctx); tt.slug == "jane-doe-more" && !errors.Is(err, tt.want) {
				t.Errorf("SentInvitations err = %v, want %v", err, tt.want)
			}
		})
	}
	// A session rejected while in use.
	ss := bd.session(t, "ben")
	ctx := testCtx(t)
	if _, err := ss.ViewProfile(ctx, "jane-doe-more"); err != nil {
		t.Fatal(err)
	}
	bd.sim.Reject("ben")
	if o, err := ss.ViewProfile(ctx, "jane-doe-more"); o != pacertype.OutcomeSessionRejected {
		t.Errorf("ViewProfile after rejection = %s, %v", o, err)
	}
	// No li_at at all is refused before any browsing.
	if _, err := bd.site.Open(ctx, executor.Account{Name: "nobody"}); !errors.Is(err, executor.ErrSessionRejected) {
		t.Errorf("Open without li_at: err = %v", err)
	}
	if n := len(bd.sim.Received().Invitations); n != 0 {
		t.Errorf("%d invitations sent through a checkpoint or a rejected session", n)
	}
}

// A checkpoint, a sign-in wall or a restriction notice right after Send
// ends the invitation at once with its outcome. The settle timeout is far
// longer than the test's deadline: an adapter that waited it out would
// report a timeout instead.
func TestStopsAfterSendNoticeAtOnce(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	site, err := New(browsertest.Shared(t), Options{BaseURL: bd.srv.URL, SettleTimeout: 2 * time.Minute, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	bd.site = site
	noAI(t, bd)
	tests := []struct {
		name, account, slug, note string
		want                      error
		wantText                  string
	}{
		{"checkpoint", "acct-a", "sam-stop-sendcheckpoint-more", "", executor.ErrCheckpoint, "/checkpoint/"},
		{"checkpoint, with a note", "acct-b", "sam-stop-sendcheckpoint-direct", "Hi Sam", executor.ErrCheckpoint, "/checkpoint/"},
		{"sign-in wall", "acct-c", "sam-stop-sendsignin-more", "Hi Sam", executor.ErrSessionRejected, "/login"},
		{"restriction notice", "acct-d", "sam-stop-sendrestricted-direct", "", executor.ErrWeeklyLimit, "restriction notice: Your account is temporarily restricted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := bd.session(t, tt.account)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := ss.Invite(ctx, tt.slug, executor.InviteOptions{Note: tt.note})
			if !errors.Is(err, tt.want) || res.Outcome != executor.OutcomeOf(tt.want) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Invite = %+v, %v; want %v, saying %q", res, err, tt.want, tt.wantText)
			}
		})
	}
	if got := bd.sim.Received().Invitations; len(got) != 0 {
		t.Errorf("received %+v; want nothing sent", got)
	}
}

func TestInviteAlreadyConnectedAndUnavailable(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	tests := []struct {
		slug string
		want error
	}{
		{"kim-lee-connected", executor.ErrAlreadyConnected},
		{"gone-person-unavailable", executor.ErrNotFound},
		{"otto-fo-followonly", executor.ErrNotConnectable},
		{"bad/slug", executor.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			res, err := ss.Invite(testCtx(t), tt.slug, executor.InviteOptions{})
			if !errors.Is(err, tt.want) || res.Outcome != executor.OutcomeOf(tt.want) {
				t.Errorf("Invite = %+v, %v; want %v", res, err, tt.want)
			}
		})
	}
	if n := len(bd.sim.Received().Invitations); n != 0 {
		t.Errorf("%d invitations sent", n)
	}
}

func TestInviteErrorToastIsTransient(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	res, err := ss.Invite(ctx, "tia-toast-more", executor.InviteOptions{Note: "hi"})
	if res.Outcome != pacertype.OutcomeTransient || !strings.Contains(err.Error(), "Something went wrong") {
		t.Fatalf("Invite = %+v, %v; want transient with the toast's text", res, err)
	}
	if n := len(bd.sim.Received().Invitations); n != 0 {
		t.Fatalf("the failed send was recorded %d times", n)
	}
	if res, err = ss.Invite(ctx, "tia-toast-more", executor.InviteOptions{Note: "hi"}); err != nil {
		t.Fatalf("retry = %+v, %v", res, err)
	}
}

func TestFollowLikeView(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	bd.sim.Seed("anna", "pia-pend-more", "", time.Hour)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)

	for _, slug := range []string{"fay-fol-more", "fay-fol-more", "pia-pend-more", "ana-lima-direct"} {
		if o, err := ss.Follow(ctx, slug); o != pacertype.OutcomeDone {
			t.Errorf("Follow %s = %s, %v", slug, o, err)
		}
	}
	if o, err := ss.Follow(ctx, "gone-unavailable"); !errors.Is(err, executor.ErrNotFound) {
		t.Errorf("Follow unavailable = %s, %v", o, err)
	}
	prof, err := ss.ReadState(ctx, "fay-fol-more")
	if err != nil || !prof.Following {
		t.Errorf("ReadState after Follow = %+v, %v; want Following", prof, err)
	}

	for range 2 {
		if o, err := ss.LikeLatestPost(ctx, "lia-like"); o != pacertype.OutcomeDone {
			t.Errorf("LikeLatestPost = %s, %v", o, err)
		}
	}
	if o, err := ss.LikeLatestPost(ctx, "nia-noposts"); !errors.Is(err, executor.ErrNotFound) {
		t.Errorf("LikeLatestPost without posts = %s, %v", o, err)
	}

	if o, err := ss.ViewProfile(ctx, "vic-view"); o != pacertype.OutcomeDone {
		t.Errorf("ViewProfile = %s, %v", o, err)
	}
	if o, err := ss.ViewProfile(ctx, "gone-unavailable"); !errors.Is(err, executor.ErrNotFound) {
		t.Errorf("ViewProfile unavailable = %s, %v", o, err)
	}

	got := bd.sim.Received()
	var follows []string
	for _, f := range got.Follows {
		follows = append(follows, f.Slug)
	}
	if !slices.Equal(follows, []string{"fay-fol-more", "pia-pend-more", "ana-lima-direct"}) {
		t.Errorf("follows = %v; following twice must not click again", follows)
	}
	if len(got.Likes) != 1 || got.Likes[0].Slug != "lia-like" || len(got.Unlikes) != 0 {
		t.Errorf("likes %+v, unlikes %+v; want one like and no unlike", got.Likes, got.Unlikes)
	}
	if !slices.ContainsFunc(got.Views, func(a sim.Action) bool { return a.Slug == "vic-view" }) {
		t.Errorf("views %+v lack vic-view", got.Views)
	}
	if len(got.Invitations) != 0 {
		t.Errorf("invitations sent: %+v", got.Invitations)
	}
}

// 2026 post cards carry neither data-urn nor feed-shared-update-v2, and
// their Like button tells its state by its label alone ("Reaction button
// state: no reaction", then "… Like"). One click likes; a liked post is
// never clicked again (that would remove the like).
func TestLikeLatestPostReadsTheReactionLabel(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	ss := bd.session(t, "anna")
	tests := []struct {
		name, slug string
		liked      bool
		wantLikes  int
	}{
		{"today's markup, not liked", "lia-like-more", false, 1},
		{"today's markup, already liked", "lea-liked-more", true, 0},
		{"older markup, not liked", "lou-like-oldposts", false, 1},
		{"older markup, already liked", "lee-liked-oldposts", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.liked {
				bd.sim.Like("anna", tt.slug)
			}
			for range 2 {
				if o, err := ss.LikeLatestPost(testCtx(t), tt.slug); o != pacertype.OutcomeDone {
					t.Fatalf("LikeLatestPost = %s, %v; want done", o, err)
				}
			}
			got := bd.sim.Received()
			count := func(acts []sim.Action) int {
				n := 0
				for _, a := range acts {
					if a.Slug == tt.slug {
						n++
					}
				}
				return n
			}
			if n, u := count(got.Likes), count(got.Unlikes); n != tt.wantLikes || u != 0 {
				t.Errorf("after two calls: %d likes, %d unlikes; want %d and 0", n, u, tt.wantLikes)
			}
		})
	}
}

func TestSentInvitationsAndWithdraw(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	bd.sim.Seed("anna", "old-oscar", "", 22*24*time.Hour)
	bd.sim.Seed("anna", "mid-mona", "", 3*24*time.Hour)
	bd.sim.Seed("anna", "odd-olga-noage", "", 40*24*time.Hour)
	bd.sim.Seed("ben", "other-account", "", 40*24*time.Hour)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	if _, err := ss.Invite(ctx, "new-nina-more", executor.InviteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := ss.SentInvitations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []executor.SentInvitation{
		{Slug: "new-nina-more", Name: "New Nina", AgeText: "Sent today", Age: 0, AgeKnown: true},
		{Slug: "mid-mona", Name: "Mid Mona", AgeText: "Sent 3 days ago", Age: 3 * 24 * time.Hour, AgeKnown: true},
		{Slug: "old-oscar", Name: "Old Oscar", AgeText: "Sent 3 weeks ago", Age: 21 * 24 * time.Hour, AgeKnown: true},
		{Slug: "odd-olga-noage", Name: "Odd Olga", AgeText: "Sent recently", AgeKnown: false},
	}
	if !slices.Equal(got.Invitations, want) || got.Total != len(want) {
		t.Errorf("SentInvitations =\n%+v\nwant\n%+v, %d in all", got, want, len(want))
	}
	if o, err := ss.Withdraw(ctx, "old-oscar"); o != pacertype.OutcomeDone {
		t.Fatalf("Withdraw = %s, %v", o, err)
	}
	if o, err := ss.Withdraw(ctx, "old-oscar"); !errors.Is(err, executor.ErrNotFound) {
		t.Errorf("second Withdraw = %s, %v; want not found", o, err)
	}
	got, err = ss.SentInvitations(ctx)
	if err != nil || slices.ContainsFunc(got.Invitations, func(s executor.SentInvitation) bool { return s.Slug == "old-oscar" }) || len(got.Invitations) != 3 || got.Total != 3 {
		t.Errorf("after Withdraw, SentInvitations = %+v, %v", got, err)
	}
	rec := bd.sim.Received()
	if len(rec.Withdrawals) != 1 || rec.Withdrawals[0].Slug != "old-oscar" || rec.Withdrawals[0].Account != "anna" {
		t.Errorf("withdrawals = %+v", rec.Withdrawals)
	}
}

func TestWithdrawAnInvitationBeyondTheFirstPage(t *testing.T) {
	t.Parallel()
	opts := simOptions()
	opts.SentPageSize = 2
	bd := setup(t, opts)
	noAI(t, bd)
	bd.sim.Seed("anna", "old-oscar", "", 25*24*time.Hour)
	bd.sim.Seed("anna", "mid-mona", "", 3*24*time.Hour)
	bd.sim.Seed("anna", "new-nils", "", 24*time.Hour)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	got, err := ss.SentInvitations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Invitations) != 2 || slices.ContainsFunc(got.Invitations, func(s executor.SentInvitation) bool { return s.Slug == "old-oscar" }) || got.Total != 3 {
		t.Fatalf("the first page reads %+v; want the 2 newest, and a count of 3", got)
	}
	if o, err := ss.Withdraw(ctx, "old-oscar"); o != pacertype.OutcomeDone {
		t.Fatalf("Withdraw of an invitation the first page does not list = %s, %v; want done, from the profile", o, err)
	}
	if o, err := ss.Withdraw(ctx, "old-oscar"); !errors.Is(err, executor.ErrNotFound) {
		t.Errorf("second Withdraw = %s, %v; want not found", o, err)
	}
	if prof, err := ss.ReadState(ctx, "old-oscar"); err != nil || prof.State == executor.StatePending {
		t.Errorf("after Withdraw the profile reads %s, %v; want no longer pending", prof.State, err)
	}
	// An invitation accepted meanwhile has nothing to withdraw, and says so.
	if n := bd.sim.Accept("anna", "mid-mona"); n != 1 {
		t.Fatalf("the simulator accepted %d invitations, want 1", n)
	}
	if o, err := ss.Withdraw(ctx, "mid-mona"); !errors.Is(err, executor.ErrAlreadyConnected) {
		t.Errorf("Withdraw of an accepted invitation = %s, %v; want already connected", o, err)
	}
	rec := bd.sim.Received()
	if len(rec.Withdrawals) != 1 || rec.Withdrawals[0].Slug != "old-oscar" {
		t.Errorf("withdrawals = %+v, want old-oscar's alone", rec.Withdrawals)
	}
}

func TestRecentConnectionsAndContactEmail(t *testing.T) {
	t.Parallel()
	opts := simOptions()
	opts.AcceptRate = 1
	opts.AcceptAfter = 36 * time.Hour
	bd := setup(t, opts)
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	if _, err := ss.Invite(ctx, "acc-first-more", executor.InviteOptions{}); err != nil {
		t.Fatal(err)
	}
	bd.sim.Advance(24 * time.Hour)
	if _, err := ss.Invite(ctx, "acc-second-direct", executor.InviteOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := ss.RecentConnections(ctx)
	if err != nil || len(list.Connections) != 0 || list.Total != 0 {
		t.Fatalf("RecentConnections before any acceptance = %+v, %v; want none, a count of 0", list, err)
	}
	// 36 simulated hours after the second invitation, both are accepted.
	bd.sim.Advance(36 * time.Hour)
	list, err = ss.RecentConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conns := list.Connections
	if len(conns) != 2 || conns[0].Slug != "acc-second-direct" || conns[1].Slug != "acc-first-more" || list.Total != 2 {
		t.Fatalf("RecentConnections = %+v; want the second, then the first, a count of 2", list)
	}
	first := bd.sim.Now().Add(-60 * time.Hour).Add(36 * time.Hour)
	if y, m, d := conns[1].ConnectedOn.Date(); y != first.Year() || m != first.Month() || d != first.Day() || conns[1].Name != "Acc First" || conns[1].Headline == "" {
		t.Errorf("connection %+v, want connected on %v", conns[1], first)
	}
	prof, err := ss.ReadState(ctx, "acc-first-more")
	if err != nil || prof.State != executor.StateConnected {
		t.Errorf("ReadState of an accepted invitation = %+v, %v", prof, err)
	}

	tests := []struct {
		slug string
		want string
	}{
		{"acc-first-more", sim.NewPersona("acc-first-more").Email},
		{"kim-lee-connected", sim.NewPersona("kim-lee-connected").Email},
		{"kim-lee-connected-noemail", ""},
		{"stranger-more", ""},
	}
	for _, tt := range tests {
		got, err := ss.ContactEmail(ctx, tt.slug)
		if err != nil || got != tt.want {
			t.Errorf("ContactEmail(%s) = %q, %v; want %q", tt.slug, got, err, tt.want)
		}
	}
	if _, err := ss.ContactEmail(ctx, "gone-unavailable"); !errors.Is(err, executor.ErrNotFound) {
		t.Errorf("ContactEmail of an unavailable profile: %v", err)
	}
}

// The connections page lists the newest connections only; its heading
// counts them all ("1,234 connections"), those made before Pacer too.
func TestRecentConnectionsReadsTheCount(t *testing.T) {
	t.Parallel()
	opts := simOptions()
	opts.BaseConnections = 1233
	bd := setup(t, opts)
	bd.sim.Connect("anna", "new-nora-more")
	bd.sim.SetBaseConnections("ben", 29998)
	bd.sim.Connect("ben", "new-nora-more")
	tests := []struct {
		account string
		want    int
	}{
		{"anna", 1234},
		{"ben", 29999},
		{"carl", 1233},
	}
	for _, tt := range tests {
		t.Run(tt.account, func(t *testing.T) {
			got, err := bd.session(t, tt.account).RecentConnections(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != tt.want {
				t.Errorf("Total = %d, want %d", got.Total, tt.want)
			}
			if n := len(got.Connections); (tt.account == "carl") != (n == 0) {
				t.Errorf("%d connections listed: %+v", n, got.Connections)
			}
		})
	}
}

func TestClickRefusesWriteWithAI(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	p, err := ss.pageFor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ss.openProfile(ctx, p, "test", "ana-lima-direct")
	if err != nil || !r.ConnectDirect {
		t.Fatalf("openProfile = %+v, %v", r, err)
	}
	if err := bd.site.clickPick(p, "ana-lima-direct", "connect"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bd.site.wait(ctx, p, "test", "ana-lima-direct", func(r report) bool { return r.Dialog != nil }); err != nil {
		t.Fatal(err)
	}
	if err := bd.site.clickPick(p, "ana-lima-direct", "add_note"); err != nil {
		t.Fatal(err)
	}
	r, _, err = bd.site.wait(ctx, p, "test", "ana-lima-direct", func(r report) bool { return r.Dialog != nil && r.Dialog.AI })
	if err != nil || r.Dialog == nil || !r.Dialog.AI || !r.Dialog.InShadow {
		t.Fatalf("no Write with AI button in the shadow-root dialog: %+v, %v", r.Dialog, err)
	}
	res, err := p.Evaluate(rodEval(`() => document.querySelector('#interop-outlet').shadowRoot.querySelector('[aria-label="Write with AI"]')`))
	if err != nil {
		t.Fatal(err)
	}
	el, err := p.ElementFromObject(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := bd.site.click(el); err == nil || !strings.Contains(err.Error(), "never uses Write with AI") {
		t.Errorf("click(Write with AI) = %v, want a refusal", err)
	}
	if n := bd.sim.Received().AIClicks; n != 0 {
		t.Errorf("ai_clicks = %d, want 0", n)
	}
}

func TestSessionCookiesAndIsolation(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	a, b := bd.session(t, "anna"), bd.session(t, "ben")
	ctx := testCtx(t)
	for _, ss := range []*Session{a, b} {
		if _, err := ss.ViewProfile(ctx, "vic-view"); err != nil {
			t.Fatal(err)
		}
	}
	for name, ss := range map[string]*Session{"anna": a, "ben": b} {
		cookies, err := ss.Cookies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := session.Find(cookies, "li_at"); !ok || c.Value != name {
			t.Errorf("%s: Cookies() li_at = %+v", name, c)
		}
	}
	var accounts []string
	for _, v := range bd.sim.Received().Views {
		accounts = append(accounts, v.Account)
	}
	slices.Sort(accounts)
	if !slices.Equal(accounts, []string{"anna", "ben"}) {
		t.Errorf("views came from %v, want anna and ben", accounts)
	}
}

func TestSeveralAccountsAtOnce(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	noAI(t, bd)
	accounts := []string{"acct-a", "acct-b", "acct-c", "acct-d"}
	errs := make(chan error, len(accounts))
	for _, acct := range accounts {
		ss := bd.session(t, acct)
		go func() {
			_, err := ss.Invite(testCtx(t), "shared-target-more", executor.InviteOptions{Note: "from " + acct})
			errs <- err
		}()
	}
	for range accounts {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	got := bd.sim.Received().Invitations
	var from []string
	for _, inv := range got {
		from = append(from, inv.Account)
		if inv.Note != "from "+inv.Account {
			t.Errorf("invitation %+v carries another account's note", inv)
		}
	}
	slices.Sort(from)
	if !slices.Equal(from, accounts) {
		t.Errorf("invitations from %v, want one from each of %v", from, accounts)
	}
}

func TestACrashedPageDoesNotStopTheSession(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	if _, err := ss.ViewProfile(ctx, "vic-view"); err != nil {
		t.Fatal(err)
	}
	p, _ := ss.pageFor(ctx)
	crash, cancel := context.WithTimeout(ctx, 2*time.Second)
	_ = proto.PageCrash{}.Call(p.Context(crash))
	cancel()
	// The next action either reloads the tab in a new renderer or fails
	// transiently and replaces the tab; either way the one after works.
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	o, err := ss.ViewProfile(short, "vic-view")
	cancel()
	if o != pacertype.OutcomeDone && o != pacertype.OutcomeTransient {
		t.Errorf("ViewProfile after a crash = %s, %v; want done or transient", o, err)
	}
	if o, err := ss.ViewProfile(ctx, "vic-view"); o != pacertype.OutcomeDone {
		t.Errorf("the next ViewProfile = %s, %v; want done", o, err)
	}
}

func TestLoginWaitsForLiAt(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	ctx := testCtx(t)
	type result struct {
		cookies []session.Cookie
		err     error
	}
	done := make(chan result, 1)
	go func() {
		c, err := bd.site.Login(ctx)
		done <- result{c, err}
	}()
	// Play the person: find the login tab and sign in.
	var page = func() *rodPage {
		for range 200 {
			pages, _ := bd.site.b.Rod().Context(ctx).Pages()
			for _, p := range pages {
				if info, err := p.Context(ctx).Info(); err == nil && strings.HasPrefix(info.URL, bd.srv.URL+"/login") {
					return p.Context(ctx)
				}
			}
			time.Sleep(25 * time.Millisecond)
		}
		return nil
	}()
	if page == nil {
		t.Fatal("the login page never opened")
	}
	// Raw Runtime.evaluate rather than rod's element helpers: the page
	// object is shared with Login's goroutine, which may still be
	// navigating it.
	fill := `(() => { const u = document.querySelector('#username'); if (!u) return false;
		u.value = 'carla@example.org'; document.querySelector('#password').value = 'secret';
		u.form.submit(); return true })()`
	for i := 0; ; i++ {
		res, err := proto.RuntimeEvaluate{Expression: fill, ReturnByValue: true}.Call(page)
		if err == nil && res.Result.Value.Bool() {
			break
		}
		if i > 200 {
			t.Fatalf("could not sign in on the login page: %v", err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	c, ok := session.Find(res.cookies, "li_at")
	if !ok || !strings.Contains(c.Value, "carla") {
		t.Fatalf("Login cookies = %v", res.cookies)
	}
	// The captured session works.
	ss, err := bd.site.OpenSession(ctx, executor.Account{Name: "carla", Cookies: res.cookies})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close(ctx)
	if o, err := ss.ViewProfile(ctx, "vic-view"); o != pacertype.OutcomeDone {
		t.Errorf("ViewProfile with the captured session = %s, %v", o, err)
	}
	// Without a person, Login ends with its context.
	short, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer cancel()
	if _, err := bd.site.Login(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Login without a person: err = %v", err)
	}
}

// TestInviteAcceptedAtOnce: the invitee accepts between Send and the
// profile's next reading, which then shows a 1st-degree connection instead
// of Pending. The invitation was sent: it is done, not a transient failure
// that a retry would find "already connected" and record as never sent.
func TestInviteAcceptedAtOnce(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	// The simulator accepts each invitation as soon as it has it, before
	// the page that sent it hears back.
	bd.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bd.sim.ServeHTTP(w, r)
		if r.URL.Path == "/voyager/api/invite/send" {
			bd.sim.Accept("", "")
		}
	})
	noAI(t, bd)
	ss := bd.session(t, "anna")
	ctx := testCtx(t)
	for _, slug := range []string{"quick-yes-more", "quick-yes-direct"} {
		began := time.Now()
		res, err := ss.Invite(ctx, slug, executor.InviteOptions{Note: "Hi Quick, glad to connect."})
		if err != nil || res.Outcome != pacertype.OutcomeDone {
			t.Errorf("Invite(%s) = %+v, %v; want done", slug, res, err)
		}
		if took := time.Since(began); took > 8*time.Second {
			t.Errorf("Invite(%s) took %s: it waited for a Pending that cannot come", slug, took)
		}
		if prof, err := ss.ReadState(ctx, slug); err != nil || prof.State != executor.StateConnected {
			t.Errorf("ReadState(%s) = %+v, %v; want connected", slug, prof, err)
		}
	}
	if n := len(bd.sim.Received().Invitations); n != 2 {
		t.Errorf("%d invitations received, want 2", n)
	}
}
