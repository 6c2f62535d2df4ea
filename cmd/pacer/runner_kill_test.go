package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/quota"
)

// killConfig has two premium accounts, each with a campaign, acting all
// week long.
const killConfig = `
timezone: UTC
slack:
  approvers: [U0APPROVER]
linkedin:
  concurrency: 2
accounts:
  - {name: kim, plan: premium, working_hours: {days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "23:59"}, limits: {invites_per_day: 40, invites_per_week: 200}}
  - {name: lou, plan: premium, working_hours: {days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "23:59"}, limits: {invites_per_day: 40, invites_per_week: 200}}
campaigns:
  - {name: kim-c, account: kim, channel: C0KIM, note: "Hi {{first_name|there}}, from kim.", undo_window: "0"}
  - {name: lou-c, account: lou, channel: C0LOU, note: "Hi {{first_name|there}}, from lou.", undo_window: "0"}
`

// child is a pacer process the test runs, kills and restarts.
type child struct {
	t      *testing.T
	args   []string
	env    []string
	cmd    *exec.Cmd
	stderr *pacertest.Buffer
	log    strings.Builder // the stderr of the earlier runs
}

func (c *child) start() {
	c.t.Helper()
	if c.cmd != nil && c.stderr != nil {
		c.log.WriteString(c.stderr.String())
	}
	c.cmd = exec.Command(pacerBin, c.args...)
	c.cmd.Env = c.env
	c.stderr = &pacertest.Buffer{}
	c.cmd.Stderr = c.stderr
	c.cmd.Stdout = c.stderr
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
}

// kill sends SIGKILL and reaps the process.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// stop sends SIGTERM and returns how long the process took to exit.
func (c *child) stop(within time.Duration) (time.Duration, error) {
	start := time.Now()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return time.Since(start), err
	case <-time.After(within):
		_ = c.cmd.Process.Kill()
		<-done
		return time.Since(start), fmt.Errorf("still running %s after SIGTERM", within)
	}
}

func (c *child) output() string { return c.log.String() + c.stderr.String() }

func simReceived(t *testing.T, simURL string) sim.Received {
	t.Helper()
	resp, err := http.Get(simURL + "/_sim/received")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r sim.Received
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestKillServeWhileABatchRuns runs `pacer sim` and `pacer serve --sim-url
// … --pace fast` as processes, SIGKILLs serve at random moments while a
// batch of 30 approved invitations goes out, restarts it each time, and
// checks that the simulator received each invitation exactly once, that
// the ledger agrees, and that no Chromium outlives a killed serve.
func TestKillServeWhileABatchRuns(t *testing.T) {
	browsertest.Chrome(t)
	dbs := map[string]func(t *testing.T) []string{
		"sqlite": func(t *testing.T) []string {
			return []string{"PACER_DATA_DIR=" + filepath.Dir(storetest.SQLiteFile(t))}
		},
		"postgres": func(t *testing.T) []string { return []string{"DATABASE_URL=" + storetest.PostgresDatabase(t)} },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { killTest(t, dbs[name](t)) })
	}
}

func killTest(t *testing.T, dbEnv []string) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()
	// Every Chromium profile of the serve processes lands under tmp, which
	// tells their processes apart from any other.
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cfgPath := writeConfig(t, dir, killConfig)

	simAddr := pacertest.FreeAddr(t)
	simURL := "http://" + simAddr
	simProc := &child{t: t, args: []string{"sim", "--addr", simAddr, "--accept-rate", "0", "--weekly-limit", "-1"}, env: pacertest.Env()}
	simProc.start()
	t.Cleanup(func() { _, _ = simProc.stop(5 * time.Second) })
	waitHTTP(t, simURL+"/_sim/received", 20*time.Second)

	// Approve 30 invitations (15 per account) through the campaign
	// package, on the database serve uses.
	env := map[string]string{}
	for _, kv := range dbEnv {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg, err := config.Load(cfgPath, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := models.Open(ctx, cfg, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SyncConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	engine := quota.New(store, cfg, quota.Options{Pace: quota.PaceFast})
	proposer := campaign.New(store, cfg, campaign.FromQuota(engine), campaign.Options{})
	var slugs []string
	for _, c := range cfg.Campaigns {
		var csv strings.Builder
		csv.WriteString("profile_url,first_name\n")
		for i := range 15 {
			slug := fmt.Sprintf("%s-p%02d-more", c.Account, i)
			slugs = append(slugs, slug)
			fmt.Fprintf(&csv, "https://www.linkedin.com/in/%s/,P%d\n", slug, i)
		}
		if _, err := campaign.Import(ctx, store, c.Name, strings.NewReader(csv.String()), campaign.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		batch, err := proposer.Propose(ctx, c.Name, 15)
		if err != nil || len(batch.Items) != 15 {
			t.Fatalf("propose %s: %v", c.Name, err)
		}
		if out, err := proposer.Approve(ctx, batch.Proposal.ID, batch.Proposal.Version, "U0APPROVER"); err != nil || out.Approved != 15 {
			t.Fatalf("approve %s: %+v %v", c.Name, out, err)
		}
	}

	fake := newFakeSlackAPI(t)
	httpAddr := pacertest.FreeAddr(t)
	serve := &child{t: t, args: []string{"serve", "--config", cfgPath, "--sim-url", simURL, "--pace", "fast"},
		env: append(append(pacertest.Env(), dbEnv...), "TMPDIR="+tmp, "PACER_HTTP_ADDR="+httpAddr,
			"SLACK_BOT_TOKEN=xoxb-kill-test", "SLACK_SIGNING_SECRET=kill-test-secret", "SLACK_API_URL="+fake.srv.URL+"/api/")}
	defer func() {
		if t.Failed() || os.Getenv("KILL_TEST_LOG") != "" {
			t.Logf("serve's log:\n%s", tail(serve.output(), 400))
		}
	}()
	sent := func() int { return len(simReceived(t, simURL).Invitations) }

	kills := 0
	for kills < 5 {
		at := sent()
		serve.start()
		waitHTTP(t, "http://"+httpAddr+"/healthz", 30*time.Second)
		if kills == 0 {
			// Once while it starts its browser and claims its first actions.
			time.Sleep(time.Duration(300+rnd.IntN(1500)) * time.Millisecond)
		} else {
			// Then at a random moment once it is sending: before, during or
			// after a click, a claim or a record.
			deadline := time.Now().Add(60 * time.Second)
			for sent() == at {
				if time.Now().After(deadline) {
					t.Fatalf("serve sent nothing within a minute of its start")
				}
				time.Sleep(5 * time.Millisecond)
			}
			// Every other time at once: the simulator has the invitation,
			// serve is still confirming Pending and has not recorded it.
			if kills%2 == 0 {
				time.Sleep(time.Duration(rnd.IntN(1200)) * time.Millisecond)
			}
		}
		before := sent()
		if before >= len(slugs) {
			t.Fatalf("the batch ended after %d kills; the kills must come while it runs", kills)
		}
		serve.kill()
		kills++
		t.Logf("kill %d: %d of %d invitations received before it", kills, before, len(slugs))
		// leakless ends the Chromium of a killed serve: none may be left.
		left, err := browsertest.WaitNoSurvivors(tmp, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Fatalf("%d Chromium processes outlived the killed serve: %v", len(left), left)
		}
	}

	// Once with SIGTERM while it sends: the click in progress finishes and
	// is recorded, the leases are given back, and serve is gone within 10 s.
	at := sent()
	serve.start()
	waitHTTP(t, "http://"+httpAddr+"/healthz", 30*time.Second)
	for deadline := time.Now().Add(60 * time.Second); sent() == at; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve sent nothing within a minute of its start")
		}
	}
	time.Sleep(time.Duration(rnd.IntN(800)) * time.Millisecond)
	if took, err := serve.stop(10 * time.Second); err != nil {
		t.Fatalf("serve after SIGTERM mid-batch: %v (took %s)", err, took)
	} else {
		t.Logf("SIGTERM while %d of %d were received: serve stopped in %s", at, len(slugs), took)
	}
	var inFlight, leasedNow int64
	store.DB.Model(&models.Action{}).Where("state = ?", models.ActionInFlight).Count(&inFlight)
	store.DB.Model(&models.Account{}).Where("lease_owner <> ''").Count(&leasedNow)
	if inFlight != 0 || leasedNow != 0 {
		t.Errorf("after a clean stop: %d actions in flight, %d leases kept; want none", inFlight, leasedNow)
	}

	serve.start()
	waitHTTP(t, "http://"+httpAddr+"/healthz", 30*time.Second)
	deadline := time.Now().Add(90 * time.Second)
	for {
		var open int64
		if err := store.DB.Model(&models.Action{}).Where("state IN ?", []string{models.ActionScheduled, models.ActionInFlight}).
			Where("kind = ?", models.ActionInvite).Count(&open).Error; err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d invitations still open after the last restart", open)
		}
		time.Sleep(200 * time.Millisecond)
	}
	took, err := serve.stop(10 * time.Second)
	if err != nil {
		t.Errorf("serve after SIGTERM: %v (took %s)", err, took)
	}
	if left, _ := browsertest.WaitNoSurvivors(tmp, 5*time.Second); len(left) > 0 {
		t.Errorf("%d Chromium processes outlived serve's clean stop: %v", len(left), left)
	}

	// The simulator received each invitation exactly once, with its note.
	got := map[string]int{}
	for _, inv := range simReceived(t, simURL).Invitations {
		got[inv.Slug]++
		if !strings.HasPrefix(inv.Note, "Hi P") {
			t.Errorf("%s received the note %q", inv.Slug, inv.Note)
		}
	}
	for _, slug := range slugs {
		if got[slug] != 1 {
			t.Errorf("%s received %d invitations, want exactly 1", slug, got[slug])
		}
	}
	if len(got) != len(slugs) {
		t.Errorf("the simulator received invitations for %d members, want %d", len(got), len(slugs))
	}
	// The ledger agrees: 30 invitations counted once each, all done.
	var used, other, done, events int64
	store.DB.Model(&models.QuotaEntry{}).Where("kind = ? AND state = ?", quota.KindInvite, models.QuotaUsed).Count(&used)
	store.DB.Model(&models.QuotaEntry{}).Where("kind = ? AND state <> ?", quota.KindInvite, models.QuotaUsed).Count(&other)
	store.DB.Model(&models.Action{}).Where("kind = ? AND state = ?", models.ActionInvite, models.ActionDone).Count(&done)
	store.DB.Model(&models.Event{}).Where("type = ?", "invite.sent").Count(&events)
	if used != 30 || other != 0 || done != 30 || events != 30 {
		t.Errorf("ledger: %d used invite entries (want 30), %d others (want 0); %d invitations done (want 30); %d invite.sent (want 30)",
			used, other, done, events)
		var entries []models.QuotaEntry
		store.DB.Where("action_id IS NOT NULL").Order("action_id, id").Find(&entries)
		for _, e := range entries {
			var a models.Action
			store.DB.Take(&a, *e.ActionID)
			t.Logf("action %d (attempts %d, %s %q): %s %s at %s", a.ID, a.Attempts, a.State, a.Reason, e.Kind, e.State, e.At.Format("15:04:05.000"))
		}
	}
	var leased int64
	store.DB.Model(&models.Account{}).Where("lease_owner <> ''").Count(&leased)
	if leased != 0 {
		t.Errorf("%d accounts still leased after serve stopped", leased)
	}
	// How many invitations a kill caught in flight, and of those how many
	// had been sent before it (recorded from the profile's Pending).
	var retried, foundSent int64
	store.DB.Model(&models.Action{}).Where("kind = ? AND attempts > 1", models.ActionInvite).Count(&retried)
	store.DB.Model(&models.Action{}).Where("kind = ? AND reason LIKE ?", models.ActionInvite, "%reconciled%").Count(&foundSent)
	t.Logf("%d kills; %d invitations reconciled after a kill, %d of them found already sent; serve stopped %s after SIGTERM",
		kills, retried, foundSent, took)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
