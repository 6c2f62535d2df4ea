package runner_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor"
	"github.com/pacerhq/pacer/executor/runner"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/executor/sim"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
	"github.com/pacerhq/pacer/quota"
)

// followUp leaves what an approved follow-up leaves for the runner (the
// campaign's side is built elsewhere): the prospect in the campaign and
// connected, named as the simulator names them, a proposal of messages
// approved with their item, and the message action, due at at, carrying
// text.
func (b *bundle) followUp(t *testing.T, campaignName, slug, text string, at time.Time) models.Action {
	t.Helper()
	s := b.store
	var c models.Campaign
	if err := s.DB.Where("name = ?", campaignName).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	persona := sim.NewPersona(slug)
	last := strings.TrimSpace(strings.TrimPrefix(persona.Name, persona.First))
	csv := "profile_url,first_name,last_name\nhttps://www.linkedin.com/in/" + slug + "/," + persona.First + "," + last + "\n"
	if _, err := campaign.Import(b.ctx, s, campaignName, strings.NewReader(csv), campaign.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	p := b.prospect(t, slug)
	now := time.Now().UTC()
	if err := s.DB.Model(&p).Updates(map[string]any{"state": models.ProspectConnected, "connected_at": now}).Error; err != nil {
		t.Fatal(err)
	}
	var e models.Enrollment
	if err := s.DB.Where("campaign_id = ? AND prospect_id = ?", c.ID, p.ID).Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	prop := models.Proposal{CampaignID: c.ID, AccountID: c.AccountID, Kind: models.ProposalMessages, State: models.ProposalApproved,
		Version: 1, Channel: c.Channel, DecidedBy: "U0APPROVER", DecidedAt: &now}
	if err := s.DB.Create(&prop).Error; err != nil {
		t.Fatal(err)
	}
	item := models.ProposalItem{ProposalID: prop.ID, EnrollmentID: e.ID, ProspectID: p.ID, Step: 1, Note: text, State: models.ItemApproved}
	if err := s.DB.Create(&item).Error; err != nil {
		t.Fatal(err)
	}
	a := models.Action{AccountID: c.AccountID, CampaignID: &c.ID, ProspectID: &p.ID, ProposalItemID: &item.ID,
		Kind: models.ActionMessage, Step: item.Step, Note: text, ScheduledAt: at.UTC(), State: models.ActionScheduled}
	if err := s.DB.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	return a
}

// messages returns the simulator's messages by recipient.
func (b *bundle) messages() map[string][]sim.Message {
	out := map[string][]sim.Message{}
	for _, m := range b.sim.Received().Messages {
		out[m.Slug] = append(out[m.Slug], m)
	}
	return out
}

// pageLoadsOf counts the pages the simulator served about a member.
func (b *bundle) pageLoadsOf(slug string) int {
	n := 0
	for _, l := range b.sim.Received().PageLoads {
		if l.Slug == slug {
			n++
		}
	}
	return n
}

// entries counts an action's ledger entries by "kind state".
func (b *bundle) entries(t *testing.T, actionID int64) map[string]int {
	t.Helper()
	var rows []models.QuotaEntry
	if err := b.store.DB.Where("action_id = ?", actionID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range rows {
		out[e.Kind+" "+e.State]++
	}
	return out
}

// eventsAbout returns the data of the events of a type, by prospect slug.
func (b *bundle) eventsAbout(t *testing.T, typ pacertype.EventType) map[string][]models.EventData {
	t.Helper()
	out := map[string][]models.EventData{}
	for _, e := range b.events(t, typ) {
		d, err := models.DecodeEventData(e)
		if err != nil {
			t.Fatal(err)
		}
		if d.Prospect == nil {
			t.Fatalf("%s event %s names no prospect", typ, e.ID)
		}
		out[d.Prospect.Slug] = append(out[d.Prospect.Slug], d)
	}
	return out
}

func (b *bundle) action(t *testing.T, id int64) models.Action {
	t.Helper()
	var a models.Action
	if err := b.store.DB.Take(&a, id).Error; err != nil {
		t.Fatal(err)
	}
	return a
}

// With one message a day, the second approved message waits for the next
// day; each goes once, exactly as approved, and counts as a message.
func TestApprovedMessagesGoOnceExactlyAsApprovedWithinMessagesPerDay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		cfg := testConfig()
		cfg.Accounts[0].Limits.MessagesPerDay = new(1)
		day1 := time.Now().UTC().Truncate(24 * time.Hour).Add(36 * time.Hour) // tomorrow noon
		clock := &shiftedClock{}
		clock.set(day1)
		b := setup(t, s, setupOptions{cfg: cfg, now: clock.Now})
		texts := map[string]string{
			"mia-moss-connected":  "Hi Mia,\nthanks for connecting — how is the platform team doing?",
			"noah-nash-connected": "Hello Noah! Quick question about Q3: café or call?",
		}
		mia := b.followUp(t, "cto", "mia-moss-connected", texts["mia-moss-connected"], day1.Add(-time.Minute))
		noah := b.followUp(t, "cto", "noah-nash-connected", texts["noah-nash-connected"], day1.Add(-time.Minute))
		r := b.newRunner(t, nil, runner.Options{Now: clock.Now})

		done := func(want int) func() bool {
			return func() bool {
				var n int64
				s.DB.Model(&models.Action{}).Where("kind = ? AND state = ?", models.ActionMessage, models.ActionDone).Count(&n)
				return n >= int64(want)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := r.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
		defer func() { cancel(); wg.Wait() }()
		waitFor(t, "the first message", done(1))
		// The day's one message is used: the pacer gives messages the next
		// day, and the runner leaves the second alone until then.
		next, err := b.engine.NextSlot(b.ctx, b.accounts["anna"], quota.KindMessage, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if day2 := day1.Truncate(24 * time.Hour).Add(24 * time.Hour); next.Before(day2) {
			t.Errorf("the next message's slot is %s, want the next day (%s)", next, day2)
		}
		time.Sleep(2 * time.Second) // ten of the runner's looks
		if n := len(b.sim.Received().Messages); n != 1 {
			t.Fatalf("%d messages sent on the first day, want 1", n)
		}
		clock.set(day1.Add(24 * time.Hour))
		waitFor(t, "the second message", done(2))

		got := b.messages()
		sent := b.eventsAbout(t, pacertype.EventMessageSent)
		days := map[string]bool{}
		for slug, id := range map[string]int64{"mia-moss-connected": mia.ID, "noah-nash-connected": noah.ID} {
			want := texts[slug]
			if msgs := got[slug]; len(msgs) != 1 || msgs[0].Text != want || msgs[0].InMail {
				t.Errorf("%s received %+v, want exactly one message %q", slug, msgs, want)
			}
			a := b.action(t, id)
			if a.State != models.ActionDone || a.Attempts != 1 || a.FinishedAt == nil {
				t.Fatalf("%s's message: %s after %d attempts, want done at the first", slug, a.State, a.Attempts)
			}
			days[a.FinishedAt.UTC().Format(time.DateOnly)] = true
			ev := sent[slug]
			if len(ev) != 1 || ev[0].Text != want || ev[0].Account != "anna" || ev[0].Campaign != "cto" {
				t.Errorf("%s: message.sent events %+v, want one with the text, the account and the campaign", slug, ev)
			}
			// A message opens the profile for its Message button: a profile
			// view that counts under messages_per_day and the actions.
			if got, want := b.entries(t, a.ID), map[string]int{"message used": 1}; !maps.Equal(got, want) {
				t.Errorf("%s's message counted %v, want %v", slug, got, want)
			}
		}
		if len(days) != 2 {
			t.Errorf("the messages went on %v, want two days", days)
		}
		for _, e := range b.events(t, pacertype.EventMessageSent) {
			if e.ProposalID == nil || e.ProspectID == nil || e.CampaignID == nil {
				t.Errorf("message.sent %s refs: proposal %v, prospect %v, campaign %v; want all three", e.ID, e.ProposalID, e.ProspectID, e.CampaignID)
			}
		}
	})
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within a minute", what)
		}
	}
}

// A message never reaches a prospect who replied or went on the
// do-not-contact list since its approval (no page of theirs is even
// opened), nor one who is no longer a connection, and a draft nobody
// approved in the composer stops it for a person.
func TestAMessageGoesOnlyWhereItMay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		now := time.Now().UTC()
		replied := b.followUp(t, "cto", "rita-reed-connected", "Hi Rita, a follow-up.", now)
		suppressed := b.followUp(t, "cto", "sue-stone-connected", "Hi Sue, a follow-up.", now)
		stranger := b.followUp(t, "cto", "nate-north-more", "Hi Nate, a follow-up.", now)
		drafted := b.followUp(t, "cto", "dora-dale-connected", "Hi Dora, a follow-up.", now)
		if err := s.DB.Table("prospects").Where("slug = ?", "rita-reed-connected").Update("replied_at", now).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := campaign.Suppress(b.ctx, s, []string{"sue-stone-connected"}, "asked us to stop", "U0ADMIN", now); err != nil {
			t.Fatal(err)
		}
		b.sim.Draft(b.liAt("anna"), "dora-dale-connected", "Half a thought")

		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)

		if got := b.sim.Received().Messages; len(got) != 0 {
			t.Errorf("the simulator received %+v, want no message", got)
		}
		for _, tt := range []struct {
			a       models.Action
			state   string
			outcome pacertype.Outcome
			reason  string
			counted map[string]int
			loads   bool
		}{
			{replied, models.ActionSkipped, pacertype.OutcomeReplied, "replied", map[string]int{}, false},
			{suppressed, models.ActionSkipped, pacertype.OutcomeSuppressed, "do-not-contact", map[string]int{}, false},
			{stranger, models.ActionSkipped, pacertype.OutcomeNotConnected, "not a 1st-degree connection", map[string]int{"view used": 1}, true},
			{drafted, models.ActionFailed, pacertype.OutcomeUnexpectedDraft, "draft nobody approved", map[string]int{"view used": 1}, true},
		} {
			a := b.action(t, tt.a.ID)
			var p models.Prospect
			s.DB.Take(&p, *a.ProspectID)
			if a.State != tt.state || a.Outcome != string(tt.outcome) || !strings.Contains(a.Reason, tt.reason) {
				t.Errorf("%s's message: %s, %s (%q); want %s, %s (%q)", p.Slug, a.State, a.Outcome, a.Reason, tt.state, tt.outcome, tt.reason)
			}
			if got := b.entries(t, a.ID); !maps.Equal(got, tt.counted) {
				t.Errorf("%s's message counted %v, want %v", p.Slug, got, tt.counted)
			}
			if loaded := b.pageLoadsOf(p.Slug) > 0; loaded != tt.loads {
				t.Errorf("%s: a page of theirs loaded: %v, want %v", p.Slug, loaded, tt.loads)
			}
		}
		if n := len(b.events(t, pacertype.EventMessageSent)); n != 0 {
			t.Errorf("%d message.sent events, want none", n)
		}
		skipped, failed := b.eventsAbout(t, pacertype.EventActionSkipped), b.eventsAbout(t, pacertype.EventActionFailed)
		if len(skipped) != 3 || len(failed["dora-dale-connected"]) != 1 {
			t.Errorf("action.skipped about %v, action.failed about %v; want the three skipped and Dora's failure", keys(skipped), keys(failed))
		}
	})
}

func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// The reply scan reads the messaging list (one page load, counted as a
// scan) and finds the prospects who answered, by the profile their card
// links or, when it links none, by their name: each reply is recorded once,
// however many scans see it, their follow-ups still waiting are canceled
// and never sent, and message.replied goes to the webhooks.
func TestTheReplyScanStopsTheSequenceOnceAndTellsTheWebhooks(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Webhooks = []config.Webhook{{Name: "crm", Events: []string{string(pacertype.EventMessageSent), string(pacertype.EventMessageReplied)}}}
	storetest.EachConfig(t, cfg, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{cfg: cfg})
		now := time.Now().UTC()
		b.followUp(t, "cto", "lena-lane-connected", "Hi Lena, thanks for connecting!", now)
		b.followUp(t, "cto", "omar-okafor-nameonly-connected", "Hi Omar, thanks for connecting!", now)
		b.followUp(t, "cto", "pia-park-connected", "Hi Pia, thanks for connecting!", now)
		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)
		// Lena's next step is due tomorrow; she replies first, and so does
		// Omar, whose card in the list names him but links no profile. A
		// stranger writes too. Pia does not answer.
		next := b.followUp(t, "cto", "lena-lane-connected", "Lena, one more thing…", now.Add(24*time.Hour))
		anna := b.liAt("anna")
		b.sim.Reply(anna, "lena-lane-connected", "Sure, Tuesday works for me.")
		b.sim.Reply(anna, "omar-okafor-nameonly-connected", "Thanks! Let's talk.")
		b.sim.Reply(anna, "zed-zane-connected", "Hello there")

		for run := 1; run <= 2; run++ {
			b.scan(t, r, runner.TargetMessages)
			replies := b.eventsAbout(t, pacertype.EventMessageReplied)
			if len(replies) != 2 || len(replies["lena-lane-connected"]) != 1 || len(replies["omar-okafor-nameonly-connected"]) != 1 {
				t.Fatalf("run %d: message.replied about %v, want one about Lena and one about Omar", run, keys(replies))
			}
			if d := replies["lena-lane-connected"][0]; d.Text != "Sure, Tuesday works for me." || !strings.Contains(d.URL, "/messaging/thread/") ||
				d.Campaign != "cto" || d.Account != "anna" {
				t.Errorf("Lena's message.replied: %+v", d)
			}
			for _, slug := range []string{"lena-lane-connected", "omar-okafor-nameonly-connected"} {
				if p := b.prospect(t, slug); p.RepliedAt == nil {
					t.Errorf("run %d: %s has no replied_at", run, slug)
				}
			}
			if p := b.prospect(t, "pia-park-connected"); p.RepliedAt != nil {
				t.Errorf("Pia, who did not answer, replied at %v", p.RepliedAt)
			}
		}
		for _, e := range b.events(t, pacertype.EventMessageReplied) {
			if e.ProposalID == nil {
				t.Errorf("message.replied %s names no proposal: its Slack thread cannot say who replied", e.ID)
			}
		}
		if a := b.action(t, next.ID); a.State != models.ActionCanceled || a.Outcome != string(pacertype.OutcomeReplied) || a.Attempts != 0 {
			t.Errorf("Lena's next message: %s, %s after %d attempts; want canceled, replied, never tried", a.State, a.Outcome, a.Attempts)
		}
		for slug, n := range map[string]int{"lena-lane-connected": 1, "omar-okafor-nameonly-connected": 1, "pia-park-connected": 1} {
			if got := len(b.messages()[slug]); got != n {
				t.Errorf("%s received %d messages, want %d", slug, got, n)
			}
		}
		var scans []models.Action
		s.DB.Where("kind = ? AND target = ?", models.ActionScan, runner.TargetMessages).Find(&scans)
		for _, a := range scans {
			if got, want := b.entries(t, a.ID), map[string]int{"scan used": 1}; a.State != models.ActionDone || !maps.Equal(got, want) {
				t.Errorf("a reply scan: %s, counted %v; want done, counted %v", a.State, got, want)
			}
		}
		if len(scans) != 2 {
			t.Errorf("%d reply scans, want 2", len(scans))
		}
		// One webhook delivery per event, in the event's transaction.
		var jobs []struct{ Args string }
		expr := "json(args)" // River keeps args as jsonb: json() reads it back as text on SQLite
		if s.Dialect == models.DialectPostgres {
			expr = "args::text"
		}
		if err := s.DB.Raw("SELECT "+expr+" AS args FROM river_job WHERE kind = ?", models.DeliveryArgs{}.Kind()).Scan(&jobs).Error; err != nil {
			t.Fatal(err)
		}
		deliveries := map[string]int{}
		for _, j := range jobs {
			var args models.DeliveryArgs
			if err := json.Unmarshal([]byte(j.Args), &args); err != nil {
				t.Fatal(err)
			}
			deliveries[args.EventID+" "+args.Destination]++
		}
		for _, typ := range []pacertype.EventType{pacertype.EventMessageSent, pacertype.EventMessageReplied} {
			for _, e := range b.events(t, typ) {
				if n := deliveries[e.ID+" "+models.WebhookDestination("crm")]; n != 1 {
					t.Errorf("%s %s: %d deliveries to the webhook, want 1", typ, e.ID, n)
				}
			}
		}
	})
}

// An action left in flight by a runner that died is reconciled: the
// message the dead runner sent is found in the conversation and not typed
// again, the one it never got to is sent, each once, and each counts one
// message however many attempts it took.
func TestAMessageLeftInFlightIsNeverSentTwice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setup(t, s, setupOptions{})
		now := time.Now().UTC()
		sentBefore := b.followUp(t, "cto", "cara-cole-connected", "Hi Cara,\nthanks for connecting.", now)
		lost := b.followUp(t, "cto", "liam-lund-connected", "Hi Liam, thanks for connecting.", now)
		// The dead runner's click sent Cara's message; it died before
		// recording it, and before it got to Liam's.
		b.crash(t, sentBefore, deadOwner())
		b.crash(t, lost, deadOwner())
		b.messageDirectly(t, "anna", "cara-cole-connected", sentBefore.Note)

		r := b.newRunner(t, nil, runner.Options{})
		runUntil(t, 60*time.Second, b.allDone(t), r)

		got := b.messages()
		sent := b.eventsAbout(t, pacertype.EventMessageSent)
		for slug, a := range map[string]models.Action{"cara-cole-connected": sentBefore, "liam-lund-connected": lost} {
			if msgs := got[slug]; len(msgs) != 1 || msgs[0].Text != a.Note {
				t.Errorf("%s received %+v, want exactly one message %q", slug, msgs, a.Note)
			}
			a = b.action(t, a.ID)
			if a.State != models.ActionDone || a.Attempts != 2 || !a.InDoubt {
				t.Errorf("%s's message: %s after %d attempts (in doubt %v); want done at the second, in doubt", slug, a.State, a.Attempts, a.InDoubt)
			}
			if n := len(sent[slug]); n != 1 {
				t.Errorf("%s: %d message.sent events, want 1", slug, n)
			}
			// The crashed attempt counted in doubt; the one that saw the
			// message in the conversation counts it, and the crashed one
			// counts as the profile view it was.
			if got, want := b.entries(t, a.ID), map[string]int{"message used": 1, "view used": 1}; !maps.Equal(got, want) {
				t.Errorf("%s's message counted %v, want %v", slug, got, want)
			}
		}
	})
}

// messageDirectly sends a message through the adapter, outside the runner,
// as the account: a send whose outcome was never recorded.
func (b *bundle) messageDirectly(t *testing.T, account, slug, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ss, err := b.site.Open(ctx, executor.Account{Name: account, Cookies: session.LiAt(b.liAt(account))})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close(ctx)
	if _, err := ss.SendMessage(ctx, slug, text); err != nil {
		t.Fatalf("message %s directly: %v", slug, err)
	}
}
