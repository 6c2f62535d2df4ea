package campaign

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// fakeQuota is a deterministic Forecaster: a fixed capacity per account, less
// the account's scheduled invitations, as the quota engine nets them out.
type fakeQuota struct {
	store *models.Store
	mu    sync.Mutex
	cap   map[int64]int
	calls []string
}

func (f *fakeQuota) Capacity(ctx context.Context, accountID int64, kind string, workingDays int, now time.Time) (int, error) {
	f.mu.Lock()
	c, ok := f.cap[accountID]
	f.calls = append(f.calls, fmt.Sprintf("capacity %d %s %d", accountID, kind, workingDays))
	f.mu.Unlock()
	if !ok {
		c = 60
	}
	var scheduled int64
	err := f.store.DB.WithContext(ctx).Model(&models.Action{}).
		Where("account_id = ? AND kind = ? AND state = ?", accountID, kind, models.ActionScheduled).Count(&scheduled).Error
	return c - int(scheduled), err
}

func (f *fakeQuota) Forecast(_ context.Context, accountID int64, kind string, n int, _ time.Time) (string, error) {
	return fmt.Sprintf("%d %ss from account %d: Tue–Wed", n, kind, accountID), nil
}

func (f *fakeQuota) setCapacity(accountID int64, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cap[accountID] = n
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// bundle is a test's world: two accounts (anna premium in Berlin, bob free
// in UTC) and two campaigns (cto by anna, ops by bob).
type bundle struct {
	store *models.Store
	cfg   *config.Config
	quota *fakeQuota
	clock *testClock
	p     *Proposer
	// accounts and campaigns by name.
	accounts  map[string]int64
	campaigns map[string]int64
	// actions counts the actions made by action().
	actions int
}

// monday09 is Monday 1 June 2026, 09:00 UTC (11:00 in Berlin).
var monday09 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func testConfig() *config.Config {
	cfg := &config.Config{
		Timezone: "UTC",
		Accounts: []config.Account{
			{Name: "anna", Plan: "premium", Timezone: "Europe/Berlin"},
			{Name: "bob", Plan: "free", Timezone: "UTC"},
		},
		Campaigns: []config.Campaign{
			{Name: "cto", Account: "anna", Channel: "C0CTO", Note: "Hi {{first_name|there}}, I enjoyed {{company|your team}}'s work."},
			{Name: "ops", Account: "bob", Channel: "C0OPS", Note: "Hello {{first_name|there}}!", SendWithoutNote: true},
		},
	}
	for i := range cfg.Accounts {
		cfg.Accounts[i].WorkingHours = config.WorkingHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00"}
	}
	return cfg
}

// setup syncs cfg (testConfig when nil) into s and returns the bundle.
func setup(t testing.TB, s *models.Store, cfg *config.Config) *bundle {
	t.Helper()
	if cfg == nil {
		cfg = testConfig()
	}
	ctx := context.Background()
	if err := s.SyncConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	b := &bundle{store: s, cfg: cfg, quota: &fakeQuota{store: s, cap: map[int64]int{}}, clock: &testClock{t: monday09},
		accounts: map[string]int64{}, campaigns: map[string]int64{}}
	var accounts []models.Account
	s.DB.Find(&accounts)
	for _, a := range accounts {
		b.accounts[a.Name] = a.ID
	}
	var campaigns []models.Campaign
	s.DB.Find(&campaigns)
	for _, c := range campaigns {
		b.campaigns[c.Name] = c.ID
	}
	b.p = New(s, cfg, b.quota, Options{Now: b.clock.Now, Rand: rand.New(rand.NewPCG(7, 7))})
	return b
}

// importCSV imports text into a campaign and fails the test on error.
func (b *bundle) importCSV(t testing.TB, campaign, text string) ImportSummary {
	t.Helper()
	sum, err := Import(context.Background(), b.store, campaign, strings.NewReader(text), ImportOptions{Now: b.clock.Now})
	if err != nil {
		t.Fatalf("import into %s: %v", campaign, err)
	}
	return sum
}

// prospects returns a CSV of n prospects named p<first>…p<first+n-1>.
func prospectsCSV(first, n int, extra string) string {
	var sb strings.Builder
	sb.WriteString("profile_url,first_name,company,email" + extra + "\n")
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&sb, "https://www.linkedin.com/in/p%d,First%d,Co%d,p%d@example.com\n", i, i, i, i)
	}
	return sb.String()
}

// setProspect changes a prospect's columns by slug.
func (b *bundle) setProspect(t testing.TB, slug string, fields map[string]any) {
	t.Helper()
	if err := b.store.DB.Model(&models.Prospect{}).Where("slug = ?", slug).Updates(fields).Error; err != nil {
		t.Fatal(err)
	}
}

// slugs lists a batch's prospects.
func slugs(bt *Batch) []string {
	out := make([]string, len(bt.Items))
	for i, it := range bt.Items {
		out[i] = it.Prospect.Slug
	}
	return out
}

func enrollmentState(t testing.TB, s *models.Store, campaignID int64, slug string) string {
	t.Helper()
	var state string
	err := s.DB.Raw(`SELECT e.state FROM enrollments e JOIN prospects p ON p.id = e.prospect_id WHERE e.campaign_id = ? AND p.slug = ?`,
		campaignID, slug).Scan(&state).Error
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func strconvItoa(n int64) string { return fmt.Sprint(n) }
