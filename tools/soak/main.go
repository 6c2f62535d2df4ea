// Command soak runs `pacer serve --sim` at the normal pace for a long while
// (an hour by default), approving batches in the local console as a person
// would, and reports what the executor did: actions sent, the smallest and
// median gap between one action's last page load and the next one's first,
// and every limit it broke (there must be none). `make soak` runs it and
// writes the report into docs/BENCHMARKS.md. It is not part of CI: it takes
// the time a real account takes.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

const (
	channel   = "C0SOAK"
	campaign  = "soak"
	beginMark = "<!-- soak:begin -->"
	endMark   = "<!-- soak:end -->"
)

func main() {
	bin := flag.String("pacer", "bin/pacer", "the pacer binary")
	duration := flag.Duration("duration", time.Hour, "how long to run")
	httpAddr := flag.String("http", "127.0.0.1:18080", "serve's HTTP address (the console)")
	simAddr := flag.String("sim", "127.0.0.1:18090", "the simulator's address")
	report := flag.String("report", "", "a Markdown file whose soak section is replaced with the report (default: print it)")
	flag.Parse()
	log.SetFlags(log.Ltime)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *bin, *duration, *httpAddr, *simAddr, *report); err != nil {
		log.Fatalf("soak: %v", err)
	}
}

func run(ctx context.Context, bin string, duration time.Duration, httpAddr, simAddr, report string) error {
	dir, err := os.MkdirTemp("", "pacer-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	started := time.Now()
	cfgPath, err := writeConfig(dir, started, duration)
	if err != nil {
		return err
	}
	env := append(os.Environ(), "PACER_DATA_DIR="+filepath.Join(dir, "data"), "PACER_HTTP_ADDR="+httpAddr, "PACER_SIM_ADDR="+simAddr)
	if out, err := pacer(bin, env, "migrate", "--config", cfgPath).CombinedOutput(); err != nil {
		return fmt.Errorf("migrate: %v: %s", err, out)
	}
	if out, err := pacer(bin, env, "import", "prospects", filepath.Join(dir, "people.csv"), "--campaign", campaign, "--config", cfgPath).CombinedOutput(); err != nil {
		return fmt.Errorf("import: %v: %s", err, out)
	}
	serve := pacer(bin, env, "serve", "--sim", "--config", cfgPath)
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return err
	}
	serve.Stdout, serve.Stderr = logFile, logFile
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
	}()
	base := "http://" + httpAddr
	if err := waitHealthy(ctx, base); err != nil {
		return err
	}
	log.Printf("soak: serve --sim is up; running for %s at the normal pace", duration)
	end := started.Add(duration)
	for ctx.Err() == nil && time.Now().Before(end) {
		if err := proposeAndApprove(ctx, base); err != nil {
			log.Printf("soak: %v", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(10*time.Minute, time.Until(end))):
		}
	}
	received, err := simReceived("http://" + simAddr)
	if err != nil {
		return err
	}
	_ = serve.Process.Signal(syscall.SIGTERM)
	_ = serve.Wait()
	text, err := measure(ctx, filepath.Join(dir, "data", "pacer.db"), cfgPath, received, started, time.Since(started))
	if err != nil {
		return err
	}
	if report == "" {
		fmt.Print(text)
		return nil
	}
	return replaceSection(report, text)
}

// writeConfig writes a set-up whose working hours open now and close after
// the soak, in a timezone where it is about noon (so no midnight comes in
// between), and a CSV of prospects, a few of whom send nothing (already
// connected, an email asked for): their page loads count too.
func writeConfig(dir string, now time.Time, duration time.Duration) (string, error) {
	zone := "Etc/GMT"
	if n := now.UTC().Hour() - 12; n > 0 {
		zone = fmt.Sprintf("Etc/GMT+%d", n)
	} else if n < 0 {
		zone = fmt.Sprintf("Etc/GMT%d", n)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "", err
	}
	open := now.In(loc).Truncate(time.Minute).Add(-time.Minute)
	closeAt := open.Add(duration + 10*time.Minute)
	if closeAt.Day() != open.Day() {
		return "", fmt.Errorf("a soak of %s does not fit in one local day; run at most 10 hours", duration)
	}
	cfg := fmt.Sprintf(`timezone: %s
accounts:
  - name: soak
    plan: premium
    timezone: %s
    working_hours: {days: [mon, tue, wed, thu, fri, sat, sun], start: "%s", end: "%s"}
campaigns:
  - name: %s
    account: soak
    channel: %s
    note: "Hi {{first_name}}, glad to connect."
    steps: [view, invite]
    batch_size: 25
`, zone, zone, open.Format("15:04"), closeAt.Format("15:04"), campaign, channel)
	path := filepath.Join(dir, "soak.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return "", err
	}
	var csv strings.Builder
	csv.WriteString("profile_url,first_name\n")
	for i := range 400 {
		slug := fmt.Sprintf("soak-person-%03d-more", i)
		switch i % 20 {
		case 7:
			slug = fmt.Sprintf("soak-person-%03d-connected", i)
		case 13:
			slug = fmt.Sprintf("soak-person-%03d-emailreq", i)
		}
		fmt.Fprintf(&csv, "https://www.linkedin.com/in/%s/,P%03d\n", slug, i)
	}
	return path, os.WriteFile(filepath.Join(dir, "people.csv"), []byte(csv.String()), 0o600)
}

func pacer(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	return cmd
}

func waitHealthy(ctx context.Context, base string) error {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("serve did not answer /healthz within 2 minutes")
}

// proposeAndApprove asks for a batch in the console and approves every
// proposal still waiting, as an approver would.
func proposeAndApprove(ctx context.Context, base string) error {
	if _, err := post(ctx, base+"/console/command", map[string]string{"channel": channel, "text": "propose " + campaign}); err != nil {
		return fmt.Errorf("propose: %w", err)
	}
	time.Sleep(3 * time.Second) // the proposal is posted after the ack
	var state struct {
		Messages []struct {
			Channel string          `json:"channel"`
			TS      string          `json:"ts"`
			Blocks  json.RawMessage `json:"blocks"`
		} `json:"messages"`
	}
	body, err := get(ctx, base+"/console/state")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, &state); err != nil {
		return fmt.Errorf("read the console: %w", err)
	}
	for _, m := range state.Messages {
		var blocks []struct {
			BlockID  string `json:"block_id"`
			Elements []struct {
				ActionID string `json:"action_id"`
			} `json:"elements"`
		}
		_ = json.Unmarshal(m.Blocks, &blocks)
		for _, b := range blocks {
			for _, e := range b.Elements {
				if e.ActionID != "proposal.approve" {
					continue
				}
				if _, err := post(ctx, base+"/console/action", map[string]string{
					"channel": m.Channel, "ts": m.TS, "block_id": b.BlockID, "action_id": e.ActionID,
				}); err != nil {
					return fmt.Errorf("approve: %w", err)
				}
				log.Printf("soak: approved the proposal of message %s", m.TS)
			}
		}
	}
	return nil
}

func post(ctx context.Context, url string, v any) ([]byte, error) {
	body, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(req)
}

func get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return do(req)
}

func do(req *http.Request) ([]byte, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return body, fmt.Errorf("%s answered %s: %s", req.URL.Path, resp.Status, body)
	}
	return body, err
}

// received is what the simulator received.
type received struct {
	Invitations []struct {
		Slug string `json:"slug"`
	} `json:"invitations"`
	PageLoads []struct {
		Path   string    `json:"path"`
		RealAt time.Time `json:"real_at"`
	} `json:"page_loads"`
}

func simReceived(base string) (received, error) {
	var r received
	body, err := get(context.Background(), base+"/_sim/received")
	if err != nil {
		return r, err
	}
	return r, json.Unmarshal(body, &r)
}

// measure reads the store serve left and what the simulator received, and
// writes the report.
func measure(ctx context.Context, dbPath, cfgPath string, rec received, started time.Time, took time.Duration) (string, error) {
	cfg, err := config.Load(cfgPath, config.LookupEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		return "", err
	}
	cfg.DataDir = filepath.Dir(dbPath)
	store, err := models.Open(ctx, cfg, models.Options{SQLitePath: dbPath})
	if err != nil {
		return "", err
	}
	defer store.Close()
	var actions []models.Action
	if err := store.DB.Where("started_at IS NOT NULL AND finished_at IS NOT NULL").Order("started_at").Find(&actions).Error; err != nil {
		return "", err
	}
	byKind := map[string]int{}
	var gaps []time.Duration
	closer := 0
	for i, a := range actions {
		byKind[a.Kind+" "+a.State]++
		if i == 0 {
			continue
		}
		gap := a.StartedAt.Sub(*actions[i-1].FinishedAt)
		gaps = append(gaps, gap)
		if gap < quota.DefaultMinGap {
			closer++
		}
	}
	slices.Sort(gaps)
	perSlug := map[string]int{}
	for _, inv := range rec.Invitations {
		perSlug[inv.Slug]++
	}
	twice := 0
	for _, n := range perSlug {
		if n > 1 {
			twice++
		}
	}
	engine := quota.New(store, cfg, quota.Options{})
	var acct models.Account
	if err := store.DB.Where("name = ?", "soak").Take(&acct).Error; err != nil {
		return "", err
	}
	usage, err := engine.Usage(ctx, acct.ID, time.Now())
	if err != nil {
		return "", err
	}
	var over []string
	for _, l := range usage.Limits {
		if l.Max >= 0 && l.Used > l.Max {
			over = append(over, fmt.Sprintf("%s %d/%d", l.Limit, l.Used, l.Max))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n## Soak: `pacer serve --sim` at the normal pace\n\n", beginMark)
	fmt.Fprintf(&b, "Run with `make soak` (not in CI) on %s, %s from %s UTC: one premium account, working hours around the run, steps `view, invite`, a batch of 25 approved in the local console every 10 minutes, one prospect in ten sends nothing (already connected, an email asked for).\n\n",
		machine(), took.Round(time.Minute), started.UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "| figure | goal | measured | |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| invitations received by the simulator | each member at most once | %d (%d members twice) | %s |\n", len(rec.Invitations), twice, met(twice == 0))
	fmt.Fprintf(&b, "| actions carried out | — | %d (%s) | |\n", len(actions), kinds(byKind))
	fmt.Fprintf(&b, "| page loads | all counted | %d; %d profile views counted today | |\n", len(rec.PageLoads), used(usage, quota.LimitProfileViewsPerDay))
	if loads := loadGaps(rec); len(loads) > 0 {
		fmt.Fprintf(&b, "| smallest gap between page loads | ≥ %s | %s | %s |\n", quota.DefaultMinGap, loads[0].Round(time.Second), met(loads[0] >= quota.DefaultMinGap))
		fmt.Fprintf(&b, "| median gap between page loads | — | %s | |\n", loads[len(loads)/2].Round(time.Second))
	}
	if len(gaps) > 0 {
		fmt.Fprintf(&b, "| smallest gap between actions (end of one, start of the next) | ≥ %s | %s | %s |\n", quota.DefaultMinGap, gaps[0].Round(time.Second), met(closer == 0))
		fmt.Fprintf(&b, "| median gap | between 90 s and the day's even spacing | %s | |\n", gaps[len(gaps)/2].Round(time.Second))
	}
	fmt.Fprintf(&b, "| limit violations | 0 | %d %s | %s |\n", len(over)+closer, strings.Join(over, ", "), met(len(over)+closer == 0))
	fmt.Fprintf(&b, "\n%s\n", endMark)
	return b.String(), nil
}

// loadGaps are the gaps between consecutive page loads the simulator saw,
// smallest first.
func loadGaps(rec received) []time.Duration {
	at := make([]time.Time, 0, len(rec.PageLoads))
	for _, l := range rec.PageLoads {
		at = append(at, l.RealAt)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	var gaps []time.Duration
	for i := 1; i < len(at); i++ {
		gaps = append(gaps, at[i].Sub(at[i-1]))
	}
	slices.Sort(gaps)
	return gaps
}

func used(u quota.Usage, limit string) int {
	for _, l := range u.Limits {
		if l.Limit == limit {
			return l.Used
		}
	}
	return 0
}

func kinds(m map[string]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func machine() string {
	host, _ := os.Hostname()
	return host
}

// replaceSection writes text in place of the file's soak section, or at
// its end when it has none.
func replaceSection(path, text string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	if i, j := strings.Index(s, beginMark), strings.Index(s, endMark); i >= 0 && j > i {
		s = s[:i] + text + strings.TrimPrefix(s[j+len(endMark):], "\n")
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n" + text
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
