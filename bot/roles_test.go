package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
	"github.com/pacerhq/pacer/pacertype"
)

// The roles of the roles tests: cto-berlin is decided by its own approver
// and seen by its viewers (one by ID, one through a user group); ops keeps
// the team's approvers (U0APPROVER and the group S0APPROVERS).
const (
	ctoApprover  = "U0CTOLEAD"
	viewer       = "U0VIEWER"
	viewerGrp    = "S0VIEWERS"
	viewerMember = "U0VIEWGRP"
	board        = "U0BOARD"
)

func withRoles(cfg *config.Config) {
	cfg.Campaigns[0].Approvers = []string{ctoApprover}
	cfg.Campaigns[0].Viewers = []string{viewer, viewerGrp}
}

// eachRoles is eachStore on the roles above; edit may change them further.
func eachRoles(t *testing.T, edit func(cfg *config.Config), fn func(t *testing.T, b *bundle)) {
	t.Helper()
	cfg := &config.Config{Slack: config.Slack{BotToken: "xoxb-test-bot-token"}}
	storetest.EachConfig(t, cfg, func(t *testing.T, s *models.Store) {
		fake := newFakeSlack(t)
		fake.setGroup(viewerGrp, viewerMember)
		fn(t, setupEdited(t, s, fake, nil, func(cfg *config.Config) {
			withRoles(cfg)
			if edit != nil {
				edit(cfg)
			}
		}))
	})
}

// TestAViewersClickIsRefusedPrivatelyAndChangesNothing: a viewer of a
// campaign, by ID or through a group, clicks each of its proposal's
// buttons; each click is answered privately with who may decide, and
// nothing changes: no decision, no new version, no message updated, no
// modal opened.
func TestAViewersClickIsRefusedPrivatelyAndChangesNothing(t *testing.T) {
	eachRoles(t, nil, func(t *testing.T, b *bundle) {
		p := b.proposeFor(t)
		items := b.items(t, p.ID)
		clicks := []struct {
			action string
			item   int64
		}{{ActionApprove, 0}, {ActionReject, 0}, {ActionSkip, items[0].ID}, {ActionEdit, items[1].ID}}
		for _, who := range []string{viewer, viewerMember} {
			for _, c := range clicks {
				b.slack.reset()
				b.click(t, who, p, c.action, c.item)
				told := b.slack.recorded("chat.postEphemeral")
				want := "You can see campaign *cto-berlin* but not decide: ask one of <@" + ctoApprover + "> (nothing changed)."
				if len(told) != 1 || told[0].Form.Get("user") != who || !strings.Contains(told[0].text(), want) {
					t.Errorf("%s's %s: told %+v, want one ephemeral to them saying %q", who, c.action, told, want)
				}
				if calls := b.slack.recorded("chat.update", "chat.postMessage", "views.open"); len(calls) != 0 {
					t.Errorf("%s's %s changed what Slack shows: %+v", who, c.action, calls)
				}
			}
		}
		if got := b.proposal(t, p.ID); got.State != models.ProposalOpen || got.Version != p.Version {
			t.Errorf("after the viewers' clicks: %s v%d, want open v%d", got.State, got.Version, p.Version)
		}
		for i, it := range b.items(t, p.ID) {
			if it.State != items[i].State || it.Note != items[i].Note {
				t.Errorf("item %d changed: %s %q, was %s %q", i, it.State, it.Note, items[i].State, items[i].Note)
			}
		}
		var decisions int64
		b.store.DB.Model(&models.Decision{}).Count(&decisions)
		if decisions != 0 {
			t.Errorf("%d decisions recorded, want none", decisions)
		}

		// An edit modal in a viewer's hands (forged) saves nothing either.
		meta := noteMeta{ProposalID: p.ID, ItemID: items[0].ID, Version: p.Version, Account: "anna", Channel: ctoChannel}.String()
		resp := b.post(t, PathInteractivity, viewSubmissionBody(testTeam, viewer, meta, "Hi from a viewer"))
		if raw := body(t, resp); !strings.Contains(raw, "Only the approvers of campaign cto-berlin can edit its notes") {
			t.Errorf("a viewer's note: ack %s", raw)
		}
		if got := b.items(t, p.ID)[0].Note; got != items[0].Note {
			t.Errorf("a viewer's note was saved: %q", got)
		}
	})
}

// TestAnApproverOfOneCampaignCannotDecideAnother: cto-berlin's approver
// cannot decide, propose or pause ops (nor bob, who sends only ops), and
// the team's approvers cannot decide cto-berlin, which names its own. Each
// decides their own.
func TestAnApproverOfOneCampaignCannotDecideAnother(t *testing.T) {
	eachRoles(t, nil, func(t *testing.T, b *bundle) {
		cto := b.proposeFor(t)
		b.importProspects(t, "ops", 100, 3)
		ops := b.propose(t, "ops", 2)

		b.approve(t, approver, cto)
		if got := b.lastEphemeral(approver); !strings.Contains(got, "Only the approvers of campaign *cto-berlin* can decide it (<@"+ctoApprover+">); nothing changed.") {
			t.Errorf("the team's approver on cto-berlin was told %q", got)
		}
		b.approve(t, ctoApprover, ops)
		if got := b.lastEphemeral(ctoApprover); !strings.Contains(got, "You can see campaign *ops* but not decide: ask one of <@U0APPROVER>, <!subteam^S0APPROVERS> (nothing changed).") {
			t.Errorf("cto-berlin's approver on ops was told %q", got)
		}
		if c, o := b.proposal(t, cto.ID), b.proposal(t, ops.ID); c.State != models.ProposalOpen || o.State != models.ProposalOpen {
			t.Fatalf("after the crossed clicks: cto-berlin %s, ops %s; want both open", c.State, o.State)
		}

		for _, text := range []string{"propose ops", "pause campaign ops", "pause bob"} {
			b.post(t, PathCommands, b.commandBody(ctoApprover, opsChannel, text))
			if got := b.lastEphemeral(ctoApprover); !strings.Contains(got, "not decide") {
				t.Errorf("cto-berlin's approver ran %q: told %q", text, got)
			}
		}
		b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "pause cto-berlin"))
		if got := b.lastEphemeral(approver); !strings.Contains(got, "Only the approvers of campaign *cto-berlin*") {
			t.Errorf("the team's approver paused cto-berlin: told %q", got)
		}
		var paused int64
		b.store.DB.Model(&models.Campaign{}).Where("state = ?", models.CampaignPaused).Count(&paused)
		b.store.DB.Model(&models.Account{}).Where("state = ?", models.AccountPaused).Count(&paused)
		if paused != 0 {
			t.Errorf("%d campaigns or accounts paused by people who may not", paused)
		}

		b.approve(t, ctoApprover, cto)
		b.approve(t, groupMember, ops)
		if c, o := b.proposal(t, cto.ID), b.proposal(t, ops.ID); c.DecidedBy != ctoApprover || o.DecidedBy != groupMember {
			t.Errorf("cto-berlin decided by %q, ops by %q; want %s and %s", c.DecidedBy, o.DecidedBy, ctoApprover, groupMember)
		}
		b.post(t, PathCommands, b.commandBody(ctoApprover, ctoChannel, "pause anna"))
		var anna models.Account
		b.store.DB.Where("name = ?", "anna").Take(&anna)
		if anna.State != models.AccountPaused || anna.PausedBy != ctoApprover {
			t.Errorf("anna is %s by %q, want paused by cto-berlin's approver", anna.State, anna.PausedBy)
		}
	})
}

// TestLookingNeedsARole: once every campaign lists its viewers, someone who
// is neither an approver nor a viewer is refused the read-only commands and
// the App Home, and a viewer sees only their campaigns and its account.
func TestLookingNeedsARole(t *testing.T) {
	eachRoles(t, func(cfg *config.Config) { cfg.Slack.Viewers = []string{board} }, func(t *testing.T, b *bundle) {
		b.proposeFor(t)
		for _, text := range []string{"quota", "status", "digest"} {
			b.post(t, PathCommands, b.commandBody(stranger, ctoChannel, text))
			if got := b.lastEphemeral(stranger); !strings.Contains(got, "only to their approvers and viewers") {
				t.Errorf("a stranger's %q: told %q", text, got)
			}
		}
		b.slack.reset()
		b.post(t, PathEvents, homeOpenedBody(testTeam, stranger))
		if pubs := b.slack.recorded("views.publish"); len(pubs) != 1 || strings.Contains(pubs[0].text(), "anna") ||
			!strings.Contains(pubs[0].text(), "only to their approvers and viewers") {
			t.Errorf("a stranger's App Home: %+v", pubs)
		}

		b.post(t, PathCommands, b.commandBody(viewer, ctoChannel, "status"))
		if got := b.lastEphemeral(viewer); !strings.Contains(got, "cto-berlin") || strings.Contains(got, "ops") || strings.Contains(got, "bob") {
			t.Errorf("a viewer of cto-berlin sees in the status:\n%s", got)
		}
		b.post(t, PathCommands, b.commandBody(viewer, ctoChannel, "quota"))
		if got := b.lastEphemeral(viewer); !strings.Contains(got, "*anna*") || strings.Contains(got, "*bob*") {
			t.Errorf("a viewer of cto-berlin sees in the quota:\n%s", got)
		}
		b.post(t, PathCommands, b.commandBody(viewer, ctoChannel, "propose cto-berlin"))
		if got := b.lastEphemeral(viewer); !strings.Contains(got, "You can see campaign *cto-berlin* but not decide") {
			t.Errorf("a viewer's propose: told %q", got)
		}
		b.post(t, PathCommands, b.commandBody(board, ctoChannel, "status"))
		if got := b.lastEphemeral(board); !strings.Contains(got, "ops") || strings.Contains(got, "cto-berlin") {
			t.Errorf("the team's viewer (not cto-berlin's) sees in the status:\n%s", got)
		}
	})
}

// TestApproversOf: the approvers to tell about a campaign are its own, or
// the team's with their group's members, as user IDs; serious alerts go
// to the approvers of the account's campaigns.
func TestApproversOf(t *testing.T) {
	eachRoles(t, nil, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		if got := strings.Join(b.bot.approversOf(ctx, "cto-berlin"), ","); got != ctoApprover {
			t.Errorf("approvers of cto-berlin: %q", got)
		}
		if got := strings.Join(b.bot.approversOf(ctx, "ops"), ","); got != approver+","+groupMember {
			t.Errorf("approvers of ops: %q", got)
		}
		if got := b.bot.approverMentions("ops"); got != "<@U0APPROVER>, <!subteam^S0APPROVERS>" {
			t.Errorf("mentions of ops: %q", got)
		}
		anna := b.accountID(t, "anna")
		e := b.record(t, pacertype.EventAccountCheckpoint, models.EventRefs{AccountID: &anna}, models.EventData{Account: "anna"})
		if err := b.deliver(t, e); err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, c := range b.slack.recorded("chat.postMessage") {
			to = append(to, c.Form.Get("channel"))
		}
		if got := strings.Join(to, ","); got != ctoChannel+","+ctoApprover {
			t.Errorf("anna's checkpoint went to %s, want cto-berlin's channel and approver", got)
		}
	})
}
