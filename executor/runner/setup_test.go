package runner_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/browser/browsertest"
	"github.com/pacerhq/pacer/executor/linkedin"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

func testLogger() *slog.Logger {
	if os.Getenv("RUNNER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testConfig has two accounts (anna premium, bob free), each with a
// campaign, and generous limits so that tests are not paced by the day's
// budget.
func testConfig() *config.Config {
	n := func(v int) *int { return &v }
	cfg := &config.Config{
		Timezone: "UTC",
		Accounts: []config.Account{
			{Name: "anna", Plan: "premium", Timezone: "UTC"},
			{Name: "bob", Plan: "free", Timezone: "UTC"},
			{Name: "carl", Plan: "premium", Timezone: "UTC"},
		},
		// The runner's tests follow a batch from its approval: no undo
		// window (campaign's and bot's tests cover it).
		Campaigns: []config.Campaign{
			{Name: "cto", Account: "anna", Channel: "C0CTO", Note: "Hi {{first_name|there}}, glad to connect.", UndoWindow: "0"},
			{Name: "ops", Account: "bob", Channel: "C0OPS", Note: "Hello {{first_name|there}}!", SendWithoutNote: true, UndoWindow: "0"},
			{Name: "dev", Account: "carl", Channel: "C0DEV", Note: "Hey {{first_name|there}}, saw your work.", UndoWindow: "0"},
		},
	}
	for i := range cfg.Accounts {
		cfg.Accounts[i].WorkingHours = config.WorkingHours{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", End: "23:59"}
		cfg.Accounts[i].Limits = config.Limits{InvitesPerDay: n(40), InvitesPerWeek: n(200), ActionsPerDay: n(150)}
	}
	return cfg
}

// bundle is one test's world: a store, the simulator, the adapter over the
// shared Chromium, the quota engine and the campaign proposer.
type bundle struct {
	ctx      context.Context
	store    *models.Store
	cfg      *config.Config
	engine   *quota.Engine
	sim      *sim.Server
	simURL   string
	site     *linkedin.Site
	proposer *campaign.Proposer
	accounts map[string]int64
}

type setupOptions struct {
	cfg    *config.Config
	sim    sim.Options
	minGap time.Duration
	// pace is the pacer's pace; empty is quota.PaceFast, which keeps every
	// limit but spaces actions by minGap instead of spreading them over
	// the working hours.
	pace quota.Pace
	// now is the quota engine's clock; nil is the real one.
	now func() time.Time
}

func setup(t *testing.T, s *models.Store, o setupOptions) *bundle {
	t.Helper()
	cfg := o.cfg
	if cfg == nil {
		cfg = testConfig()
	}
	if err := s.SyncConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if o.sim.Logger == nil {
		o.sim.Logger = testLogger()
	}
	if o.sim.WeeklyLimit == 0 {
		o.sim.WeeklyLimit = -1
	}
	simulator := sim.New(o.sim)
	srv := httptest.NewServer(simulator)
	t.Cleanup(srv.Close)
	site, err := linkedin.New(browsertest.Shared(t), linkedin.Options{BaseURL: srv.URL, SettleTimeout: 5 * time.Second, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if o.minGap == 0 {
		o.minGap = 20 * time.Millisecond
	}
	if o.pace == "" {
		o.pace = quota.PaceFast
	}
	engine := quota.New(s, cfg, quota.Options{Pace: o.pace, MinGap: o.minGap, Now: o.now, Rand: rand.New(rand.NewPCG(1, 2))})
	b := &bundle{
		ctx: context.Background(), store: s, cfg: cfg, engine: engine, sim: simulator, simURL: srv.URL, site: site,
		proposer: campaign.New(s, cfg, campaign.FromQuota(engine), campaign.Options{Rand: rand.New(rand.NewPCG(3, 4))}),
		accounts: map[string]int64{},
	}
	var accounts []models.Account
	if err := s.DB.Find(&accounts).Error; err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts {
		b.accounts[a.Name] = a.ID
	}
	return b
}

// person is a prospect to import.
type person struct {
	slug, first, email string
}

// approve imports people into the campaign, proposes them and approves
// the proposal as a person would in Slack; it returns the proposal's id.
func (b *bundle) approve(t *testing.T, campaignName string, people ...person) int64 {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("profile_url,first_name,email\n")
	for _, p := range people {
		fmt.Fprintf(&csv, "https://www.linkedin.com/in/%s/,%s,%s\n", p.slug, p.first, p.email)
	}
	if _, err := campaign.Import(b.ctx, b.store, campaignName, strings.NewReader(csv.String()), campaign.ImportOptions{}); err != nil {
		t.Fatalf("import: %v", err)
	}
	batch, err := b.proposer.Propose(b.ctx, campaignName, len(people))
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	if len(batch.Items) != len(people) {
		t.Fatalf("proposed %d of %d people", len(batch.Items), len(people))
	}
	out, err := b.proposer.Approve(b.ctx, batch.Proposal.ID, batch.Proposal.Version, "U0APPROVER")
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if out.Approved != len(people) {
		t.Fatalf("approved %d of %d (left out: %+v)", out.Approved, len(people), out.LeftOut)
	}
	return batch.Proposal.ID
}

// newRunner returns a runner acting on the simulator through site (b.site
// when nil), with test timings.
func (b *bundle) newRunner(t *testing.T, site executor.Site, opts runner.Options) *runner.Runner {
	t.Helper()
	if site == nil {
		site = b.site
	}
	opts.Simulated = true
	if opts.Logger == nil {
		opts.Logger = testLogger()
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	if opts.Backoff == 0 {
		opts.Backoff = 100 * time.Millisecond
	}
	if opts.LeaseTTL == 0 {
		opts.LeaseTTL = 30 * time.Second
	}
	if opts.RecheckAfter == 0 {
		opts.RecheckAfter = time.Hour
	}
	r, err := runner.New(b.store, b.cfg, b.engine, site, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runUntil runs the runners until done holds (checked every 100 ms) or
// within passes, then stops them and waits for them to return.
func runUntil(t *testing.T, within time.Duration, done func() bool, runners ...*runner.Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	deadline := time.Now().Add(within)
	ok := false
	for time.Now().Before(deadline) {
		if done() {
			ok = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if !ok {
		t.Fatalf("the runners did not finish within %s", within)
	}
}

// openActions counts the actions still scheduled or in flight, of an
// account when accountID is not 0, that are due by now.
func (b *bundle) openActions(t *testing.T, accountID int64) int64 {
	t.Helper()
	q := b.store.DB.Model(&models.Action{}).Where("state IN ? AND scheduled_at <= ?",
		[]string{models.ActionScheduled, models.ActionInFlight}, time.Now().UTC().Add(time.Minute))
	if accountID != 0 {
		q = q.Where("account_id = ?", accountID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *bundle) allDone(t *testing.T) func() bool {
	return func() bool { return b.openActions(t, 0) == 0 }
}

// actions returns the actions of an account, by id.
func (b *bundle) actions(t *testing.T, accountID int64) []models.Action {
	t.Helper()
	var out []models.Action
	if err := b.store.DB.Where("account_id = ?", accountID).Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// actionOf returns the invite action of a prospect.
func (b *bundle) actionOf(t *testing.T, slug, kind string) models.Action {
	t.Helper()
	var a models.Action
	err := b.store.DB.Where("kind = ? AND prospect_id = (SELECT id FROM prospects WHERE slug = ?)", kind, slug).Order("id DESC").Take(&a).Error
	if err != nil {
		t.Fatalf("the %s action of %s: %v", kind, slug, err)
	}
	return a
}

func (b *bundle) prospect(t *testing.T, slug string) models.Prospect {
	t.Helper()
	var p models.Prospect
	if err := b.store.DB.Where("slug = ?", slug).Take(&p).Error; err != nil {
		t.Fatalf("prospect %s: %v", slug, err)
	}
	return p
}

func (b *bundle) account(t *testing.T, name string) models.Account {
	t.Helper()
	var a models.Account
	if err := b.store.DB.Take(&a, b.accounts[name]).Error; err != nil {
		t.Fatal(err)
	}
	return a
}

// events returns the recorded events of a type, oldest first.
func (b *bundle) events(t *testing.T, typ pacertype.EventType) []models.Event {
	t.Helper()
	var out []models.Event
	if err := b.store.DB.Where("type = ?", string(typ)).Order("occurred_at, id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// ledger counts an account's ledger entries of a kind in a state.
func (b *bundle) ledger(t *testing.T, accountID int64, kind, state string) int64 {
	t.Helper()
	var n int64
	if err := b.store.DB.Model(&models.QuotaEntry{}).Where("account_id = ? AND kind = ? AND state = ?", accountID, kind, state).
		Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// received returns the simulator's invitations by slug.
func (b *bundle) received() map[string][]sim.Invitation {
	out := map[string][]sim.Invitation{}
	for _, inv := range b.sim.Received().Invitations {
		out[inv.Slug] = append(out[inv.Slug], inv)
	}
	return out
}

// liAt is the simulated session of a configured account.
func (b *bundle) liAt(name string) string {
	a, _ := b.cfg.Account(name)
	return runner.SimulatedSession(a.Name, a.Plan)
}

// sendDirectly sends an invitation through the adapter, outside the
// runner, as the account: the crash tests use it for a click whose outcome
// was never recorded.
func (b *bundle) sendDirectly(t *testing.T, account, slug, note string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ss, err := b.site.Open(ctx, executor.Account{Name: account, Cookies: session.LiAt(b.liAt(account))})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close(ctx)
	if _, err := ss.Invite(ctx, slug, executor.InviteOptions{Note: note}); err != nil {
		t.Fatalf("invite %s directly: %v", slug, err)
	}
}
