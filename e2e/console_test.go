package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/proto"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/sim"
)

// The try-out's default addresses: the newcomer sets nothing.
const (
	defaultConsole = "127.0.0.1:8080"
	defaultSim     = "127.0.0.1:8090"
)

// TestReadmeTryOutInTheConsole is the README's first command as a newcomer
// runs it: `pacer serve --sim` in an empty directory, with no Pacer or
// Slack variable, on the default addresses. It opens the console the
// command prints in a real Chromium, types `/pacer propose demo`, edits one
// note in the modal, skips one prospect, approves, and watches the
// invitations reach the simulator, the edited note with them, while the
// progress card advances to its end.
func TestReadmeTryOutInTheConsole(t *testing.T) {
	holdDefaultAddresses(t)
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp") // serve's Chromium profiles
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	serve := start(t, "serve", dir, pacertest.Env("TMPDIR="+tmp), "serve", "--sim")
	consoleLine := regexp.MustCompile(`(?m)^Pacer's console: (http://\S+)`)
	var consoleURL string
	waitFor(t, 2*time.Minute, "serve --sim to print the console's address", func() bool {
		if !serve.running() {
			t.Fatalf("serve --sim exited (%v):\n%s", serve.err, tail(serve.out.String(), 40))
		}
		m := consoleLine.FindStringSubmatch(serve.out.String())
		if m != nil {
			consoleURL = m[1]
		}
		return m != nil
	})
	if consoleURL != "http://"+defaultConsole+"/console" {
		t.Fatalf("serve --sim printed the console at %s, want http://%s/console", consoleURL, defaultConsole)
	}
	defer func() {
		if t.Failed() {
			t.Logf("serve's output:\n%s", tail(serve.out.String(), 60))
		}
	}()

	page := browsertest.Launch(t, dir).Rod().MustPage(consoleURL).Timeout(3 * time.Minute)
	defer page.Close()
	page.MustElement("#command").MustInput("/pacer propose demo").MustType(input.Enter)
	page.MustElementR(".message .header", `Proposal #1 · demo`)
	items := page.MustElements(`[data-block-id^="item:"]`)
	if len(items) < 3 {
		t.Fatalf("the proposal shows %d prospects, want the sample's batch of 10", len(items))
	}
	edited, skipped := itemID(t, items[0]), itemID(t, items[1])
	editedSlug, skippedSlug := profileSlug(t, items[0]), profileSlug(t, items[1])

	// Edit the first note in the modal.
	const note = "Hi Ada, your team's work on analytics caught my eye; glad to connect. (Edited in the console.)"
	click(t, page, fmt.Sprintf(`[data-block-id="item_actions:%d"] button[data-action-id="item.edit"]`, edited))
	page.MustElement(".modal textarea").MustSelectAllText().MustInput(note)
	click(t, page, `.modal [data-role="submit"]`)
	page.MustElement("#overlay[hidden]")
	page.MustElementR(fmt.Sprintf(`[data-block-id="item:%d"]`, edited), regexp.QuoteMeta(note))

	// Skip the second prospect; the message then offers to approve the rest.
	click(t, page, fmt.Sprintf(`[data-block-id="item_actions:%d"] button[data-action-id="item.skip"]`, skipped))
	page.MustElementR(fmt.Sprintf(`[data-block-id="item:%d"]`, skipped), "skipped")
	// Approve all asks to confirm; the approved card then offers Undo for
	// the sample's one-minute window, which returns the batch as it was.
	page.MustElementR(`button[data-action-id="proposal.approve"]`, fmt.Sprintf(`Approve all %d`, len(items)-1))
	click(t, page, `button[data-action-id="proposal.approve"]`)
	click(t, page, `.confirm-layer [data-role="confirm"]`)
	page.MustElementR(".message .context", "Approved by @you")
	click(t, page, `button[data-action-id="proposal.undo"]`)
	page.MustElementR(`button[data-action-id="proposal.approve"]`, fmt.Sprintf(`Approve all %d`, len(items)-1))
	if received := simReceived(t); len(received.Invitations) != 0 {
		t.Fatalf("an undone batch sent %d invitations", len(received.Invitations))
	}
	click(t, page, `button[data-action-id="proposal.approve"]`)
	click(t, page, `.confirm-layer [data-role="confirm"]`)
	page.MustElementR(".message .context", "Approved by @you")

	// The invitations reach the simulator, the edited note with the first.
	var received sim.Received
	waitFor(t, 4*time.Minute, "the edited invitation in the simulator", func() bool {
		if !serve.running() {
			t.Fatalf("serve exited (%v)", serve.err)
		}
		received = simReceived(t)
		for _, inv := range received.Invitations {
			if inv.Slug == editedSlug {
				if inv.Note != note {
					t.Fatalf("the simulator received the note %q for %s, want the edited %q", inv.Note, editedSlug, note)
				}
				return true
			}
		}
		return false
	})

	// The progress card advances to its end, and agrees with the simulator.
	progress := regexp.MustCompile(`Finished: sent (\d+)/(\d+)`)
	var sent, total int
	waitFor(t, 4*time.Minute, "the progress card to finish", func() bool {
		text, err := page.Timeout(10 * time.Second).Element(`[data-block-id="progress"]`)
		if err != nil {
			return false
		}
		m := progress.FindStringSubmatch(text.MustText())
		if m == nil {
			return false
		}
		sent, _ = strconv.Atoi(m[1])
		total, _ = strconv.Atoi(m[2])
		return true
	})
	received = simReceived(t)
	if total != len(items)-1 {
		t.Errorf("the card counts %d prospects, want %d (one skipped)", total, len(items)-1)
	}
	if sent != len(received.Invitations) || sent == 0 {
		t.Errorf("the card says %d sent, the simulator received %d invitations", sent, len(received.Invitations))
	}
	for _, inv := range received.Invitations {
		if inv.Slug == skippedSlug {
			t.Errorf("the skipped prospect %s was invited", skippedSlug)
		}
	}

	t.Logf("the card: finished, sent %d/%d; the simulator: %d invitations, %q's with the edited note", sent, total, len(received.Invitations), editedSlug)
	if took, err := serve.stop(15 * time.Second); err != nil {
		t.Errorf("serve after SIGTERM: %v (after %s)", err, took)
	}
}

// holdDefaultAddresses makes the test the only user of the try-out's
// default addresses on this machine while it runs (a lock shared by every
// checkout), and fails it plainly when something else holds them.
func holdDefaultAddresses(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile("/tmp/pacer-default-addresses.lock", os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("open the lock of the default addresses: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock the default addresses: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
	for _, addr := range []string{defaultConsole, defaultSim} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("the README's try-out needs %s, which another process holds (%v); stop it (a `pacer serve --sim` left running?) and run the test again", addr, err)
		}
		ln.Close()
	}
}

// click clicks the element sel matches, finding it again if the page drew
// it anew between finding and clicking.
func click(t *testing.T, page *rod.Page, sel string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		el, err := page.Timeout(20 * time.Second).Element(sel)
		if err == nil {
			err = el.Timeout(10*time.Second).Click(proto.InputMouseButtonLeft, 1)
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("click %s: %v", sel, err)
		}
		t.Logf("click %s: %v; trying again", sel, err)
		time.Sleep(100 * time.Millisecond)
	}
}

// itemID reads a proposal item's id from its block (item:<id>).
func itemID(t *testing.T, el *rod.Element) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(*el.MustAttribute("data-block-id"), "item:"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// profileSlug reads the profile an item links to.
func profileSlug(t *testing.T, el *rod.Element) string {
	t.Helper()
	href := *el.MustElement("a").MustAttribute("href")
	m := regexp.MustCompile(`/in/([^/?]+)`).FindStringSubmatch(href)
	if m == nil {
		t.Fatalf("the item links to %q, not a profile", href)
	}
	return m[1]
}

// simReceived reads what the try-out's simulator received.
func simReceived(t *testing.T) sim.Received {
	t.Helper()
	resp, err := http.Get("http://" + defaultSim + "/_sim/received")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r sim.Received
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("the simulator's /_sim/received: %v", err)
	}
	return r
}
