package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/sim"
)

func TestServeRefusesFastPaceOnLinkedIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"fast without a simulator", []string{"serve", "--pace", "fast"}, "--pace fast is for the simulator only"},
		{"both simulators", []string{"serve", "--sim", "--sim-url", "http://127.0.0.1:1"}, "give one of them"},
		{"unknown pace", []string{"serve", "--pace", "turbo"}, "use normal or fast"},
		{"bad simulator URL", []string{"serve", "--sim-url", "ftp://x"}, "want the simulator's http://host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runPacer(t, t.TempDir(), []string{"PACER_DATA_DIR=" + t.TempDir()}, tt.args...)
			if res.Code != 1 || !strings.Contains(res.Stderr, tt.want) {
				t.Errorf("pacer %v: exit %d, stderr %q; want exit 1 saying %q", tt.args, res.Code, res.Stderr, tt.want)
			}
		})
	}
}

func TestServeSimStartsASimulator(t *testing.T) {
	t.Parallel()
	fake := newFakeSlackAPI(t)
	simAddr := pacertest.FreeAddr(t)
	cfgPath := writeConfig(t, t.TempDir(), "timezone: UTC\n")
	_, stderr := startServe(t, []string{"PACER_CONFIG=" + cfgPath, "PACER_DATA_DIR=" + t.TempDir(),
		"PACER_SIM_ADDR=" + simAddr, "SLACK_BOT_TOKEN=xoxb-sim-test", "SLACK_SIGNING_SECRET=sim-secret", "SLACK_API_URL=" + fake.srv.URL + "/api/"},
		"--sim", "--pace", "fast")
	waitHTTP(t, "http://"+simAddr+"/_sim/received", 10*time.Second)
	if !strings.Contains(stderr.String(), "the LinkedIn simulator is on") {
		t.Errorf("serve's log does not say the simulator is on:\n%s", stderr.String())
	}
}

func TestSimCommandServesUntilStopped(t *testing.T) {
	t.Parallel()
	addr := pacertest.FreeAddr(t)
	cmd := exec.Command(pacerBin, "sim", "--addr", addr, "--accept-rate", "0.5", "--accept-after", "1h", "--weekly-limit", "3")
	cmd.Env = pacertest.Env()
	var out pacertest.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck
	waitHTTP(t, "http://"+addr+"/_sim/received", 20*time.Second)
	resp, err := http.Get("http://" + addr + "/_sim/received")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || got["invitations"] == nil {
		t.Errorf("/_sim/received: %v %v", got, err)
	}
	// A profile needs a session: without one the simulator sends to login.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get("http://" + addr + "/in/jane-doe/")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("a profile without a session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(out.String(), "http://"+addr) {
		t.Errorf("pacer sim does not say where it serves: %q", out.String())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("pacer sim after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("pacer sim did not stop within 10 s of SIGTERM")
	}
	if res := runPacer(t, t.TempDir(), nil, "sim", "--accept-rate", "2"); res.Code != 1 || !strings.Contains(res.Stderr, "from 0 to 1") {
		t.Errorf("--accept-rate 2: exit %d, %q", res.Code, res.Stderr)
	}
}

// fixturesDir is the saved LinkedIn page excerpts the linkedin package's
// tests use, inside the repository.
func fixturesDir() string {
	return filepath.Join("..", "..", "executor", "linkedin", "testdata", "fixtures")
}

func TestDoctorLinkedInRecognisesTheFixtures(t *testing.T) {
	t.Parallel()
	dir, err := filepath.Abs(fixturesDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Fatalf("the LinkedIn fixtures are missing from the repository: %v", err)
	}
	browsertest.Chrome(t)
	// The states the fixtures' README gives.
	tests := []struct {
		file, target, state string
		code                int
	}{
		{"profile-connect-via-more.html", "bram-oster-fixture", "connect_via_more", 0},
		{"profile-follow-primary.html", "dev-patel-nyx-fixture", "connect_via_more", 0},
		{"profile-pending.html", "cleo-marsh-fixture", "pending", 0},
		{"profile-more-closed.html", "ada-quill-fixture", "unknown", 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := runPacer(t, t.TempDir(), nil, "doctor", "linkedin", "--page", filepath.Join(dir, tt.file), "--target", tt.target, "--json")
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", res.Code, tt.code, res.Stderr)
			}
			lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
			var d struct {
				State          string   `json:"state"`
				Target         string   `json:"target"`
				Anchors        []string `json:"anchors"`
				ForeignInvites *int     `json:"foreign_invites"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &d); err != nil {
				t.Fatalf("the last line is not the JSON object: %q", lines[len(lines)-1])
			}
			if d.State != tt.state || d.Target != tt.target || len(d.Anchors) == 0 || d.ForeignInvites == nil {
				t.Errorf("diagnosis %+v, want state %s for %s", d, tt.state, tt.target)
			}
			if !strings.Contains(res.Stdout, "State:    "+tt.state) {
				t.Errorf("the human part does not say the state:\n%s", res.Stdout)
			}
		})
	}
	if res := runPacer(t, t.TempDir(), nil, "doctor", "linkedin"); res.Code != 1 || !strings.Contains(res.Stderr, "--page") {
		t.Errorf("without --page: exit %d, %q", res.Code, res.Stderr)
	}
}

func TestParseNoteRates(t *testing.T) {
	t.Parallel()
	got, err := parseNoteRates([]string{"enjoyed=0.5", "=0.1", "a=b=1"})
	want := []sim.NoteAcceptRate{{Contains: "enjoyed", Rate: 0.5}, {Contains: "", Rate: 0.1}, {Contains: "a=b", Rate: 1}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"enjoyed", "enjoyed=2", "x=often"} {
		if _, err := parseNoteRates([]string{bad}); err == nil || !strings.Contains(err.Error(), "TEXT=RATE") {
			t.Errorf("%q: got %v, want an error saying TEXT=RATE", bad, err)
		}
	}
}
