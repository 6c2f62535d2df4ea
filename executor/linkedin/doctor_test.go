package linkedin

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
)

// fixturesDir returns testdata/fixtures, the saved LinkedIn page excerpts
// (their README says where they come from). They are part of the
// repository: a missing folder fails the test instead of skipping it.
func fixturesDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("testdata", "fixtures")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Fatalf("the LinkedIn fixtures are missing from the repository: %v", err)
	}
	return dir
}

func TestDiagnoseFixtures(t *testing.T) {
	dir := fixturesDir(t)
	b := browsertest.Shared(t)
	tests := []struct {
		file        string
		target      string
		want        executor.State
		wantAnchors []string
	}{
		{"profile-connect-via-more.html", "bram-oster-fixture", executor.StateConnectViaMore, []string{"topcard", "more_button:open", "menu_portal", "menu_connect", "degree:2", "degree:hidden_1st_alternative(ignored)"}},
		{"profile-follow-primary.html", "dev-patel-nyx-fixture", executor.StateConnectViaMore, []string{"topcard", "menu_connect", "follow_control", "degree:3"}},
		{"profile-pending.html", "cleo-marsh-fixture", executor.StatePending, []string{"topcard", "topcard_pending", "degree:2"}},
		{"profile-more-closed.html", "ada-quill-fixture", executor.StateUnknown, []string{"topcard", "more_button:closed", "degree:3"}},
	}
	for _, tt := range tests {
		for _, given := range []string{tt.target, ""} {
			name := tt.file + "/target=" + given
			t.Run(name, func(t *testing.T) {
				got, err := Diagnose(testCtx(t), b, filepath.Join(dir, tt.file), given)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != tt.want {
					t.Errorf("State = %q, want %q (anchors %v)", got.State, tt.want, got.Anchors)
				}
				if got.Target != tt.target {
					t.Errorf("Target = %q, want %q", got.Target, tt.target)
				}
				for _, a := range tt.wantAnchors {
					if !slices.Contains(got.Anchors, a) {
						t.Errorf("anchors %v lack %q", got.Anchors, a)
					}
				}
				if got.ForeignInvites != 0 {
					t.Errorf("ForeignInvites = %d, want 0 (the fixtures' side rails were dropped)", got.ForeignInvites)
				}
				wantExit := 0
				if tt.want == executor.StateUnknown {
					wantExit = 2
				}
				if got.ExitCode() != wantExit {
					t.Errorf("ExitCode() = %d, want %d", got.ExitCode(), wantExit)
				}
			})
		}
	}
}

func TestDiagnoseWrongTargetIsNotRecognised(t *testing.T) {
	dir := fixturesDir(t)
	b := browsertest.Shared(t)
	// The page's Connect and Pending belong to their owners; asked about
	// somebody else, the doctor must not claim them.
	for _, file := range []string{"profile-connect-via-more.html", "profile-pending.html"} {
		got, err := Diagnose(testCtx(t), b, filepath.Join(dir, file), "someone-else")
		if err != nil {
			t.Fatal(err)
		}
		if got.State == executor.StateConnectViaMore || got.State == executor.StatePending {
			t.Errorf("%s for someone-else: State = %q, want no claim on the owner's controls", file, got.State)
		}
		if file == "profile-connect-via-more.html" && got.ForeignInvites != 1 {
			t.Errorf("%s for someone-else: ForeignInvites = %d, want 1 (the owner's Connect)", file, got.ForeignInvites)
		}
	}
}

func TestDiagnosisJSONShape(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Diagnosis{State: executor.StatePending, Target: "x", Anchors: []string{}, ForeignInvites: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"state":"pending","target":"x","anchors":[],"foreign_invites":2}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	if !strings.Contains(string(b), "foreign_invites") {
		t.Error("missing foreign_invites")
	}
}

// savePage fetches a simulator page as account and saves it to a file, as a
// maintainer saves a LinkedIn page.
func savePage(t *testing.T, bd *bundle, path, account string) string {
	t.Helper()
	req, err := http.NewRequest("GET", bd.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "li_at", Value: account})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(f, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDiagnoseSimulatorPages(t *testing.T) {
	t.Parallel()
	bd := setup(t, simOptions())
	bd.sim.Seed("anna", "pia-pend-more", "", time.Hour)
	tests := []struct {
		slug        string
		want        executor.State
		wantForeign int
	}{
		{"ana-lima-direct", executor.StateConnect, 4},
		{"jane-doe-namesake-more", executor.StateUnknown, 4}, // the menu is closed in a saved page
		{"pia-pend-more", executor.StatePending, 4},
		{"kim-lee-connected", executor.StateConnected, 4},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			got, err := bd.site.Diagnose(testCtx(t), savePage(t, bd, "/in/"+tt.slug+"/", "anna"), "")
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.want || got.Target != tt.slug || got.ForeignInvites != tt.wantForeign {
				t.Errorf("Diagnose = %+v, want state %s, target %s, %d foreign invites", got, tt.want, tt.slug, tt.wantForeign)
			}
		})
	}
	if got := bd.sim.Received(); len(got.Invitations) != 0 {
		t.Errorf("diagnosing saved pages sent invitations: %+v", got.Invitations)
	}
}

func TestDiagnoseStaysOffline(t *testing.T) {
	t.Parallel()
	b := browsertest.Shared(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	page := `<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="` + srv.URL + `/style.css"><script src="` + srv.URL + `/app.js"></script>
<script>fetch('` + srv.URL + `/inline'); document.title = 'ran';</script></head>
<body><main id="workspace"><section componentkey="xTopcard"><a href="/in/ola-offline/"><h2>Ola Offline</h2></a>
<img src="` + srv.URL + `/photo.jpg"><iframe src="` + srv.URL + `/frame"></iframe>
<p>· 3rd</p><a aria-label="Invite Ola Offline to connect" href="/preload/custom-invite/?vanityName=ola-offline">Connect</a></section></main></body></html>`
	f := filepath.Join(t.TempDir(), "offline.html")
	if err := os.WriteFile(f, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Diagnose(testCtx(t), b, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != executor.StateConnect || got.Target != "ola-offline" {
		t.Errorf("Diagnose = %+v", got)
	}
	time.Sleep(200 * time.Millisecond)
	if n := hits.Load(); n != 0 {
		t.Errorf("the saved page reached the network %d times", n)
	}
}

// Labels are data: a page in German reads the same with the German labels.
func TestDiagnoseGermanPage(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixturesDir(t), "profile-connect-via-more.html"))
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.Shared(t)
	de := strings.NewReplacer(
		`aria-label="Invite Bram Oster to connect"`, `aria-label="Bram Oster als Kontakt einladen"`,
		">More<", ">Mehr<", ">Connect<", ">Vernetzen<", "· 2nd", "· 2.", "· 1st", "· 1.",
		`aria-label="Follow Bram Oster"`, `aria-label="Bram Oster folgen"`,
	).Replace(string(raw))
	f := filepath.Join(t.TempDir(), "de.html")
	if err := os.WriteFile(f, []byte(de), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Diagnose(testCtx(t), b, f, "bram-oster-fixture")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != executor.StateConnectViaMore || !slices.Contains(got.Anchors, "degree:2") || !slices.Contains(got.Anchors, "follow_control") {
		t.Errorf("Diagnose(German page) = %+v", got)
	}
}

func TestBlockNetworkFailsEveryRequest(t *testing.T) {
	t.Parallel()
	b := browsertest.Shared(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	ctx := testCtx(t)
	bc, err := b.NewContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close(ctx)
	p, err := bc.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p = p.Context(ctx)
	stop, err := blockNetwork(p)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := p.Navigate(srv.URL + "/saved-page"); err == nil || !strings.Contains(err.Error(), "BLOCKED_BY_CLIENT") {
		t.Errorf("Navigate under blockNetwork: err = %v, want ERR_BLOCKED_BY_CLIENT", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}
