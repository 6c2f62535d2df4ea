package bot

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

// seededInvite is one invitation of a seeded ledger: its variant, sender,
// when it was sent (before now) and how long after it was accepted (0:
// not accepted).
type seededInvite struct {
	variant, account string
	sentAgo          time.Duration
	acceptedAfter    time.Duration
}

// seedWeeklyLedger writes done invitations of cto-berlin as the runner
// leaves them, with the acceptances a scan leaves on the prospects:
// long, 10 sent by anna 20 days ago, 4 accepted (after 1, 2 and 3 hours,
// and 19 days: yesterday); short, 10 sent by bob 10 days ago, 1 accepted
// after 5 hours; 2 sent by anna 2 days ago without a note, none accepted.
func seedWeeklyLedger(t *testing.T, b *bundle) {
	t.Helper()
	day := 24 * time.Hour
	var invs []seededInvite
	for i := range 10 {
		long := seededInvite{variant: "long", account: "anna", sentAgo: 20 * day}
		switch {
		case i < 3:
			long.acceptedAfter = time.Duration(i+1) * time.Hour
		case i == 3:
			long.acceptedAfter = 19 * day
		}
		short := seededInvite{variant: "short", account: "bob", sentAgo: 10 * day}
		if i == 0 {
			short.acceptedAfter = 5 * time.Hour
		}
		invs = append(invs, long, short)
	}
	invs = append(invs, seededInvite{account: "anna", sentAgo: 2 * day}, seededInvite{account: "anna", sentAgo: 2 * day})

	b.importProspects(t, "cto-berlin", 1, len(invs))
	var c models.Campaign
	if err := b.store.DB.Where("name = ?", "cto-berlin").Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	var prospects []models.Prospect
	if err := b.store.DB.Order("id").Find(&prospects).Error; err != nil { // the store is fresh: only these
		t.Fatal(err)
	}
	now := b.clock.Now()
	for i, inv := range invs {
		sent := now.Add(-inv.sentAgo)
		a := models.Action{AccountID: b.accountID(t, inv.account), CampaignID: &c.ID, ProspectID: &prospects[i].ID,
			Kind: models.ActionInvite, Variant: inv.variant, Note: "Hi", State: models.ActionDone, ScheduledAt: sent,
			FinishedAt: &sent, CreatedAt: sent.Add(-time.Hour), UpdatedAt: sent}
		if err := b.store.DB.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
		if inv.acceptedAfter > 0 {
			if err := b.store.DB.Model(&models.Prospect{}).Where("id = ?", prospects[i].ID).
				Updates(map[string]any{"state": models.ProspectConnected, "connected_at": sent.Add(inv.acceptedAfter)}).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
}

// runWeekly works the weekly digest job of the week.
func (b *bundle) runWeekly(t *testing.T, week string) error {
	t.Helper()
	return b.bot.WeeklyDigestWorker().Work(context.Background(), &river.Job[WeeklyDigestArgs]{Args: WeeklyDigestArgs{Week: week}})
}

// chartUploads returns the files.completeUploadExternal calls, each with
// the ids of its files.
func (b *bundle) chartUploads(t *testing.T) ([]apiCall, []string) {
	t.Helper()
	calls := b.slack.recorded("files.completeUploadExternal")
	var ids []string
	for _, c := range calls {
		var files []struct{ ID string }
		if err := json.Unmarshal([]byte(c.Form.Get("files")), &files); err != nil {
			t.Fatalf("files.completeUploadExternal files = %q: %v", c.Form.Get("files"), err)
		}
		for _, f := range files {
			ids = append(ids, f.ID)
		}
	}
	return calls, ids
}

func TestWeeklyDigest(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		seedWeeklyLedger(t, b)
		b.slack.reset()
		if err := b.runWeekly(t, "2026-W23"); err != nil {
			t.Fatal(err)
		}
		posts := b.slack.recorded("chat.postMessage")
		if len(posts) != 1 || posts[0].Form.Get("channel") != ctoChannel {
			t.Fatalf("weekly digests posted = %d, want one, in cto-berlin's channel (ops sent nothing)", len(posts))
		}
		text := posts[0].text()
		for _, want := range []string{
			"Weekly digest · cto-berlin · Mon 1 Jun",
			"*long*: 10 sent · 4 accepted · *40.0%* (95% interval 16.8%–68.7%) · median 2h30m to accept",
			"*short*: 10 sent · 1 accepted · *10.0%* (95% interval 1.8%–40.4%) · median 5h to accept",
			"_no note (the month's notes ran out)_: 2 sent · 0 accepted · *0.0%* (95% interval 0.0%–65.8%) · none accepted yet",
			"*Lead:* *long* leads *short* by 30.0 points (95% interval -8.2 to 59.9): *not clear yet*",
			"*anna*: 12 sent · 4 accepted · *33.3%*",
			"*bob*: 10 sent · 1 accepted · *10.0%* (95% interval 1.8%–40.4%) · median 5h to accept",
			"Accepted in the last 7 days: long 1 · short 0.",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the weekly digest lacks %q:\n%s", want, text)
			}
		}
		if n := len(posts[0].blocks(t)); n == 0 || n > maxBlocksPerMessage {
			t.Errorf("blocks = %d", n)
		}

		// The chart: uploaded once, into the digest's thread, its legend
		// beside it.
		if n := len(b.slack.recorded("files.getUploadURLExternal")); n != 1 {
			t.Errorf("upload URLs asked = %d, want 1", n)
		}
		calls, ids := b.chartUploads(t)
		if len(calls) != 1 || len(ids) != 1 {
			t.Fatalf("charts shared = %d (files %v), want 1", len(calls), ids)
		}
		digestTS, err := b.bot.postedTS(context.Background(), "weekly:cto-berlin:2026-W23", ctoChannel)
		if err != nil {
			t.Fatal(err)
		}
		share := calls[0].Form
		if share.Get("channel_id") != ctoChannel || share.Get("thread_ts") != digestTS || digestTS == "" {
			t.Errorf("chart shared in %q thread %q, want %s thread %q", share.Get("channel_id"), share.Get("thread_ts"), ctoChannel, digestTS)
		}
		for _, want := range []string{"last 8 weeks", "from 0 at the bottom to 40% at the top, a line every 10 points",
			":large_blue_square: *long* 40.0%", ":large_orange_square: *short* 10.0%"} {
			if !strings.Contains(share.Get("initial_comment"), want) {
				t.Errorf("the chart's legend lacks %q:\n%s", want, share.Get("initial_comment"))
			}
		}
		// One line per variant, in its legend's colour, and no other.
		counts, _ := colorCounts(t, b.slack.uploaded(ids[0]))
		for i, c := range chartPalette {
			if drawn, want := counts[c.RGBA] > 0, i < 2; drawn != want {
				t.Errorf("%s pixels = %d, want drawn = %v (long is blue, short orange)", c.Name, counts[c.RGBA], want)
			}
		}

		// The same week again (a retry, a second leader) posts nothing.
		b.slack.reset()
		if err := b.runWeekly(t, "2026-W23"); err != nil {
			t.Fatal(err)
		}
		if n := len(b.slack.recorded()); n != 0 {
			t.Errorf("the week's digest made %d more calls, want none: %v", n, b.slack.recorded())
		}
		// The next week posts again.
		b.clock.Advance(7 * 24 * time.Hour)
		if err := b.runWeekly(t, "2026-W24"); err != nil {
			t.Fatal(err)
		}
		if n, _ := b.chartUploads(t); len(b.slack.recorded("chat.postMessage")) != 1 || len(n) != 1 {
			t.Errorf("next week: %d digests, %d charts, want 1 and 1", len(b.slack.recorded("chat.postMessage")), len(n))
		}
	})
}

// A failed upload leaves the digest's text standing, is logged, and is
// tried again by the job's retry: the chart alone, into the same thread.
func TestWeeklyDigestChartRetried(t *testing.T) {
	for _, fail := range []struct{ name, method, code string }{
		{"completing refused", "files.completeUploadExternal", "internal_error"},
		{"upload URL answers 500", "upload_url", "500"},
		{"upload URL drops the connection", "upload_url", "drop"},
	} {
		t.Run(fail.name, func(t *testing.T) { testChartRetried(t, fail.method, fail.code) })
	}
}

func testChartRetried(t *testing.T, method, code string) {
	eachStore(t, func(t *testing.T, b *bundle) {
		seedWeeklyLedger(t, b)
		b.slack.reset()
		b.slack.setFail(method, code)
		if err := b.runWeekly(t, "2026-W23"); err == nil || !strings.Contains(err.Error(), "files.upload") {
			t.Fatalf("got %v, want the failed upload, for the job's retry", err)
		} else if strings.Contains(err.Error(), "/upload/v1/") {
			t.Errorf("the error names the upload URL: %v", err)
		}
		if n := len(b.slack.recorded("chat.postMessage")); n != 1 {
			t.Fatalf("digests posted = %d, want 1: the text stands without its chart", n)
		}
		if logs := b.logs.String(); !strings.Contains(logs, "uploading the weekly digest's chart failed") || strings.Contains(logs, "/upload/v1/") {
			t.Errorf("the failure is not logged, or its log holds the upload URL:\n%s", logs)
		}
		digestTS, _ := b.bot.postedTS(context.Background(), "weekly:cto-berlin:2026-W23", ctoChannel)

		b.slack.setFail(method, "")
		b.slack.reset()
		if err := b.runWeekly(t, "2026-W23"); err != nil {
			t.Fatal(err)
		}
		if n := len(b.slack.recorded("chat.postMessage")); n != 0 {
			t.Errorf("the retry posted the digest again (%d)", n)
		}
		calls, ids := b.chartUploads(t)
		if len(calls) != 1 || calls[0].Form.Get("thread_ts") != digestTS {
			t.Fatalf("the retry shared %d charts, want 1 in the digest's thread %s", len(calls), digestTS)
		}
		if len(b.slack.uploaded(ids[0])) == 0 {
			t.Error("the shared chart was never uploaded")
		}
	})
}

// Where Slack takes no files (the local console answers unknown_method, an
// app installed without files:write answers missing_scope), the digest
// goes without its chart: logged once, not retried.
func TestWeeklyDigestWithoutFiles(t *testing.T) {
	for _, code := range []string{"unknown_method", "missing_scope"} {
		t.Run(code, func(t *testing.T) {
			eachStore(t, func(t *testing.T, b *bundle) {
				seedWeeklyLedger(t, b)
				b.slack.reset()
				b.slack.setFail("files.getUploadURLExternal", code)
				if err := b.runWeekly(t, "2026-W23"); err != nil {
					t.Fatalf("got %v, want the digest without its chart, no error", err)
				}
				if n := len(b.slack.recorded("chat.postMessage")); n != 1 {
					t.Errorf("digests posted = %d, want 1", n)
				}
				if logs := b.logs.String(); !strings.Contains(logs, "goes without its chart") || !strings.Contains(logs, "files:write") {
					t.Errorf("the log does not say the chart was skipped and how to have it:\n%s", logs)
				}
				b.slack.reset()
				if err := b.runWeekly(t, "2026-W23"); err != nil {
					t.Fatal(err)
				}
				if n := len(b.slack.recorded()); n != 0 {
					t.Errorf("the week's digest made %d more calls, want none", n)
				}
			})
		})
	}
}

// A campaign whose invitations all went without a note has no variant to
// chart: its digest goes alone.
func TestWeeklyDigestNoVariants(t *testing.T) {
	eachStore(t, func(t *testing.T, b *bundle) {
		b.importProspects(t, "ops", 1, 1)
		var p models.Prospect
		b.store.DB.Order("id").Take(&p)
		var c models.Campaign
		b.store.DB.Where("name = ?", "ops").Take(&c)
		sent := b.clock.Now().Add(-time.Hour)
		if err := b.store.DB.Create(&models.Action{AccountID: b.accountID(t, "bob"), CampaignID: &c.ID, ProspectID: &p.ID,
			Kind: models.ActionInvite, State: models.ActionDone, ScheduledAt: sent, FinishedAt: &sent, CreatedAt: sent, UpdatedAt: sent}).Error; err != nil {
			t.Fatal(err)
		}
		b.slack.reset()
		if err := b.runWeekly(t, "2026-W23"); err != nil {
			t.Fatal(err)
		}
		posts := b.slack.recorded("chat.postMessage")
		if len(posts) != 1 || posts[0].Form.Get("channel") != opsChannel || !strings.Contains(posts[0].text(), "fewer than two variants sent") {
			t.Fatalf("posts = %v, want ops's digest alone", posts)
		}
		if n := len(b.slack.recorded("files.getUploadURLExternal")); n != 0 {
			t.Errorf("a chart without variants was uploaded (%d)", n)
		}
	})
}

func TestWeeklyAtSchedule(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	w := weeklyAt{day: time.Monday, hour: 9, minute: 0, loc: berlin}
	tests := []struct {
		name string
		from time.Time
		want time.Time
	}{
		{"Monday before the time", time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 9, 0, 0, 0, berlin)},
		{"Monday at the time", time.Date(2026, 6, 1, 9, 0, 0, 0, berlin), time.Date(2026, 6, 8, 9, 0, 0, 0, berlin)},
		{"midweek", time.Date(2026, 6, 3, 12, 0, 0, 0, berlin), time.Date(2026, 6, 8, 9, 0, 0, 0, berlin)},
		{"Sunday night", time.Date(2026, 6, 7, 23, 59, 0, 0, berlin), time.Date(2026, 6, 8, 9, 0, 0, 0, berlin)},
		{"into winter time", time.Date(2026, 10, 21, 10, 0, 0, 0, berlin), time.Date(2026, 10, 26, 9, 0, 0, 0, berlin)},
		{"year end", time.Date(2026, 12, 29, 10, 0, 0, 0, berlin), time.Date(2027, 1, 4, 9, 0, 0, 0, berlin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := w.Next(tt.from); !got.Equal(tt.want) {
				t.Errorf("Next(%s) = %s, want %s", tt.from, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 6, 1, 9, 0, 0, 0, berlin), "2026-W23"},
		{time.Date(2027, 1, 4, 9, 0, 0, 0, berlin), "2027-W01"},
		{time.Date(2026, 12, 28, 9, 0, 0, 0, berlin), "2026-W53"},
	} {
		if got := isoWeek(tt.at); got != tt.want {
			t.Errorf("isoWeek(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestGoldenWeekly(t *testing.T) {
	st := &campaign.CampaignStats{Campaign: "cto-berlin", At: monday10,
		Variants: []campaign.Arm{
			{Name: "long", Sent: 100, Accepted: 35, Rate: 0.35, Low: 0.264, High: 0.447, MedianToAccept: 18 * time.Hour},
			{Name: "short", Sent: 100, Accepted: 20, Rate: 0.20, Low: 0.133, High: 0.289, MedianToAccept: 10*time.Hour + 30*time.Minute},
			{Name: "", Sent: 5, Accepted: 0, Rate: 0, Low: 0, High: 0.434},
		},
		Senders: []campaign.Arm{{Name: "anna", Sent: 205, Accepted: 55, Rate: 0.268, Low: 0.212, High: 0.333, MedianToAccept: 14 * time.Hour}},
		Lead:    &campaign.Lead{Best: "long", Next: "short", Diff: 0.15, Low: 0.027, High: 0.267, Clear: true},
	}
	weekly := &campaign.WeeklyAcceptance{Campaign: "cto-berlin", Ends: []time.Time{monday10.Add(-7 * 24 * time.Hour), monday10},
		Variants: []campaign.VariantWeeks{
			{Name: "long", Weeks: []campaign.WeekArm{{Sent: 50, Accepted: 15, Rate: 0.3}, {Sent: 100, Accepted: 35, Rate: 0.35, NewAccepted: 20}}},
			{Name: "short", Weeks: []campaign.WeekArm{{}, {Sent: 100, Accepted: 20, Rate: 0.2, NewAccepted: 20}}},
		}}
	r := testRenderer(t)
	m := r.weekly(WeeklyView{Week: "2026-W23", Date: monday10, Stats: st, Weekly: weekly})
	checkLimits(t, m.Blocks)
	_, scale, err := drawChart(chartData(weekly), len(weekly.Ends))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "weekly", struct {
		Message message `json:"message"`
		Legend  string  `json:"legend"`
		AltText string  `json:"alt_text"`
	}{m, r.chartLegend(weekly, scale, 2), r.chartAltText(weekly)})
}

// The legend names every colour, in words where Slack has no emoji, and
// says which variants the chart leaves out.
func TestChartLegendManyVariants(t *testing.T) {
	t.Parallel()
	w := &campaign.WeeklyAcceptance{Ends: []time.Time{monday10}}
	for i := range len(chartPalette) + 2 {
		w.Variants = append(w.Variants, campaign.VariantWeeks{Name: string(rune('a' + i)), Weeks: []campaign.WeekArm{{Sent: 1}}})
	}
	series := chartData(w)
	if len(series) != len(chartPalette) {
		t.Fatalf("series = %d, want the palette's %d", len(series), len(chartPalette))
	}
	_, scale, err := drawChart(series, 1)
	if err != nil {
		t.Fatal(err)
	}
	legend := testRenderer(t).chartLegend(w, scale, len(series))
	for _, want := range []string{":large_blue_square: *a*", "(pink) *i*", "(teal) *j*", "…and 2 variants not charted"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend lacks %q:\n%s", want, legend)
		}
	}
}

// Two replicas working the same week at once (a leader change while the
// job ran) post the digest once and its chart once.
func TestWeeklyDigestOnceAcrossReplicas(t *testing.T) {
	cfg := &config.Config{Slack: config.Slack{BotToken: "xoxb-test-bot-token"}}
	storetest.EachConfig(t, cfg, func(t *testing.T, s *models.Store) {
		fake := newFakeSlack(t)
		one := setupWith(t, s, fake, nil)
		two := setupWith(t, s, fake, nil)
		seedWeeklyLedger(t, one)
		fake.reset()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, b := range []*bundle{one, two} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = b.bot.WeeklyDigestWorker().Work(context.Background(), &river.Job[WeeklyDigestArgs]{Args: WeeklyDigestArgs{Week: "2026-W23"}})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: %v", i+1, err)
			}
		}
		// A replica that found the other posting leaves the chart to it;
		// whichever posted the digest uploads the chart.
		if n := len(fake.recorded("chat.postMessage")); n != 1 {
			t.Errorf("digests posted = %d, want 1", n)
		}
		if n := len(fake.recorded("files.completeUploadExternal")); n != 1 {
			t.Errorf("charts shared = %d, want 1", n)
		}
	})
}
