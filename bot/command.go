package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
)

// maxProposeN bounds `/pacer propose [campaign] [n]`: more than a week of
// the highest weekly limit is a typo.
const maxProposeN = 200

// command handles `/pacer …`. Help and mistakes are answered in the ack;
// everything that reads the database is answered after it.
func (b *Bot) command(req Request) Ack {
	fields := strings.Fields(req.Text)
	sub := ""
	if len(fields) > 0 {
		sub, fields = strings.ToLower(fields[0]), fields[1:]
	}
	switch sub {
	case "", "help":
		return Ack{Reply: HelpView{}}
	case "quota":
		b.answer(req, "read the quota", func(ctx context.Context) (View, error) { return b.quotaCommand(ctx, req.UserID, fields) })
	case "status":
		b.answer(req, "read the status", func(ctx context.Context) (View, error) { return b.statusView(ctx, req.UserID) })
	case "propose":
		b.answer(req, "make a proposal", func(ctx context.Context) (View, error) { return b.proposeCommand(ctx, req, fields) })
	case "pause", "resume":
		b.answer(req, sub, func(ctx context.Context) (View, error) { return b.pauseCommand(ctx, req, sub, fields) })
	case "stop":
		b.answer(req, "stop every account", func(ctx context.Context) (View, error) { return b.stopCommand(ctx, req, fields) })
	case "digest":
		b.later(req, "post the digest", func(ctx context.Context, req Request) error {
			if _, err := b.sightOf(ctx, req.UserID); err != nil {
				return b.refuse(ctx, req, err)
			}
			v, err := b.digestView(ctx, b.digestAccountsFor(req.ChannelID))
			if err != nil {
				return err
			}
			return b.reply(ctx, req, v, true)
		})
	default:
		return Ack{Reply: HelpView{Problem: fmt.Sprintf("Pacer has no command `%s`.", esc(clip(sub, 40)))}}
	}
	return Ack{}
}

// answer runs a command's handler after the ack and replies with its view,
// privately.
func (b *Bot) answer(req Request, what string, fn func(ctx context.Context) (View, error)) {
	b.later(req, what, func(ctx context.Context, req Request) error {
		v, err := fn(ctx)
		if err != nil {
			return err
		}
		return b.reply(ctx, req, v, false)
	})
}

// quotaCommand is `/pacer quota [account]`, of the accounts user may see.
func (b *Bot) quotaCommand(ctx context.Context, user string, args []string) (View, error) {
	seen, err := b.sightOf(ctx, user)
	if err != nil {
		return refusalView(err)
	}
	accounts, err := b.accounts(ctx)
	if err != nil {
		return nil, err
	}
	accounts = slices.DeleteFunc(accounts, func(a models.Account) bool { return !seen.accounts[a.Name] })
	if len(args) > 0 {
		name := args[0]
		i := slices.IndexFunc(accounts, func(a models.Account) bool { return strings.EqualFold(a.Name, name) })
		if i < 0 {
			return UnknownNameView{What: "account", Name: name, Valid: accountNamesOf(accounts)}, nil
		}
		accounts = accounts[i : i+1]
	}
	var v QuotaView
	for _, a := range accounts {
		q, err := b.accountQuota(ctx, a)
		if err != nil {
			return nil, err
		}
		v.Accounts = append(v.Accounts, q)
	}
	return v, nil
}

// statusView is `/pacer status`, of the campaigns and accounts user may
// see.
func (b *Bot) statusView(ctx context.Context, user string) (View, error) {
	seen, err := b.sightOf(ctx, user)
	if err != nil {
		return refusalView(err)
	}
	accounts, err := b.accounts(ctx)
	if err != nil {
		return nil, err
	}
	accounts = slices.DeleteFunc(accounts, func(a models.Account) bool { return !seen.accounts[a.Name] })
	queues, err := b.queues(ctx)
	if err != nil {
		return nil, err
	}
	var v StatusView
	for _, a := range accounts {
		st := queues[a.ID]
		st.Name, st.State, st.StateReason, st.Until = a.Name, a.State, a.StateReason, a.RestrictedUntil
		v.Accounts = append(v.Accounts, st)
	}
	if v.Campaigns, err = b.campaignStatuses(ctx); err != nil {
		return nil, err
	}
	v.Campaigns = slices.DeleteFunc(v.Campaigns, func(c CampaignStatus) bool { return !seen.campaigns[c.Name] })
	if v.OpenProposals, err = b.visibleProposals(ctx, seen); err != nil {
		return nil, err
	}
	return v, nil
}

// visibleProposals are the open proposals of the campaigns seen.
func (b *Bot) visibleProposals(ctx context.Context, seen sight) ([]OpenProposal, error) {
	open, err := b.openProposals(ctx)
	return slices.DeleteFunc(open, func(p OpenProposal) bool { return !seen.campaigns[p.Campaign] }), err
}

// proposeCommand is `/pacer propose [campaign] [n]`: it stores a proposal
// and posts it in the campaign's channel.
func (b *Bot) proposeCommand(ctx context.Context, req Request, args []string) (View, error) {
	var name, count string
	switch len(args) {
	case 0:
	case 1:
		if _, err := strconv.Atoi(args[0]); err == nil {
			count = args[0]
		} else {
			name = args[0]
		}
	default:
		name, count = args[0], args[1]
	}
	n := 0
	if count != "" {
		v, err := strconv.Atoi(count)
		if err != nil || v < 1 || v > maxProposeN {
			return NoticeView{Text: fmt.Sprintf("`%s` is not a number of prospects; give one from 1 to %d, e.g. `/pacer propose %s 10`.",
				esc(clip(count, 20)), maxProposeN, esc(orText(name, "CAMPAIGN")))}, nil
		}
		n = v
	}
	camp, problem := b.pickCampaign(name, req.ChannelID)
	if problem != nil {
		return problem, nil
	}
	if err := b.mayDecide(ctx, req.UserID, camp.Name); err != nil {
		return refusalView(err)
	}
	id, err := b.proposer.Propose(ctx, camp.Name, n)
	var open *campaign.OpenProposalError
	switch {
	case errors.As(err, &open):
		// The open one may never have reached Slack (a crash between the
		// two): post it rather than only point at it.
		if perr := b.postProposal(ctx, open.ProposalID); perr != nil {
			return nil, perr
		}
		return NoticeView{Text: fmt.Sprintf("*%s* already has an open proposal (#%d) in <#%s>: approve or reject it before another is proposed.",
			esc(camp.Name), open.ProposalID, camp.Channel)}, nil
	case err != nil:
		return nil, err
	}
	if err := b.postProposal(ctx, id); err != nil {
		return nil, err
	}
	return NoticeView{Text: fmt.Sprintf("Posted proposal #%d for *%s* in <#%s>.", id, esc(camp.Name), camp.Channel)}, nil
}

// pickCampaign chooses the campaign a command means: the one named, else
// the one whose channel the command was typed in, else the only one.
func (b *Bot) pickCampaign(name, channel string) (config.Campaign, View) {
	if name != "" {
		for _, c := range b.cfg.Campaigns {
			if strings.EqualFold(c.Name, name) {
				return c, nil
			}
		}
		return config.Campaign{}, UnknownNameView{What: "campaign", Name: name, Valid: b.campaignNames()}
	}
	var here []config.Campaign
	for _, c := range b.cfg.Campaigns {
		if c.Channel == channel {
			here = append(here, c)
		}
	}
	switch {
	case len(here) == 1:
		return here[0], nil
	case len(b.cfg.Campaigns) == 1:
		return b.cfg.Campaigns[0], nil
	}
	return config.Campaign{}, UnknownNameView{What: "campaign", Valid: b.campaignNames()}
}

// pauseCommand is `/pacer pause|resume [account|campaign] NAME`, for the
// approvers of the campaign (of a campaign the account sends) only.
func (b *Bot) pauseCommand(ctx context.Context, req Request, verb string, args []string) (View, error) {
	if err := b.mayDecideAny(ctx, req.UserID, verb+" accounts and campaigns"); err != nil {
		return refusalView(err)
	}
	if len(args) == 1 && strings.EqualFold(args[0], "all") {
		// The stop switch: "all" names no account or campaign (config
		// refuses it as a name).
		if verb == "pause" {
			return b.stopCommand(ctx, req, args)
		}
		if err := b.mayDecideAny(ctx, req.UserID, "resume every account"); err != nil {
			return refusalView(err)
		}
		return b.flipSwitch(ctx, req.UserID, true)
	}
	kind := ""
	if len(args) > 1 && (strings.EqualFold(args[0], "account") || strings.EqualFold(args[0], "campaign")) {
		kind, args = strings.ToLower(args[0]), args[1:]
	}
	if len(args) == 0 {
		return UnknownNameView{What: orText(kind, "account or campaign"), Valid: b.pausableNames(kind)}, nil
	}
	name := args[0]
	_, isAccount := b.findAccount(name)
	_, isCampaign := b.findCampaign(name)
	switch {
	case kind == "account" && !isAccount, kind == "campaign" && !isCampaign, kind == "" && !isAccount && !isCampaign:
		return UnknownNameView{What: orText(kind, "account or campaign"), Name: name, Valid: b.pausableNames(kind)}, nil
	case kind == "" && isAccount && isCampaign:
		return NoticeView{Text: fmt.Sprintf("Both an account and a campaign are called `%s`: say `/pacer %s account %s` or `/pacer %s campaign %s`.",
			esc(name), verb, esc(name), verb, esc(name))}, nil
	case kind == "account" || (kind == "" && isAccount):
		if err := b.mayDecideAccount(ctx, req.UserID, name); err != nil {
			return refusalView(err)
		}
		return b.pauseAccount(ctx, req.UserID, verb, name)
	default:
		camp, _ := b.findCampaign(name)
		if err := b.mayDecide(ctx, req.UserID, camp.Name); err != nil {
			return refusalView(err)
		}
		return b.pauseCampaign(ctx, req.UserID, verb, name)
	}
}

func (b *Bot) pauseAccount(ctx context.Context, user, verb, name string) (View, error) {
	acct, _ := b.findAccount(name)
	var row models.Account
	if err := b.store.DB.WithContext(ctx).Where("name = ?", acct.Name).First(&row).Error; err != nil {
		return nil, fmt.Errorf("bot: read account %s: %w", acct.Name, err)
	}
	if verb == "pause" {
		if err := b.quota.Pause(ctx, row, user); err != nil {
			return nil, err
		}
		b.tickCardsAfterCommand(ctx, "account_id = ?", row.ID)
		return NoticeView{Text: fmt.Sprintf(":double_vertical_bar: Paused *%s*: it sends nothing until someone runs `/pacer resume %s`. Approved invitations wait in its queue.", esc(acct.Name), esc(acct.Name))}, nil
	}
	if err := b.quota.Resume(ctx, row, user); err != nil {
		return nil, err
	}
	b.tickCardsAfterCommand(ctx, "account_id = ?", row.ID)
	var after models.Account
	if err := b.store.DB.WithContext(ctx).First(&after, row.ID).Error; err != nil {
		return nil, fmt.Errorf("bot: read account %s: %w", acct.Name, err)
	}
	if after.State != models.AccountActive {
		return NoticeView{Text: fmt.Sprintf("*%s* is no longer paused by hand, but it stays %s: %s", esc(acct.Name), stateText(after.State), esc(orText(after.StateReason, "see `/pacer status`")))}, nil
	}
	return NoticeView{Text: fmt.Sprintf(":arrow_forward: Resumed *%s*: it sends its queue again, paced within its limits.", esc(acct.Name))}, nil
}

func (b *Bot) pauseCampaign(ctx context.Context, user, verb, name string) (View, error) {
	camp, _ := b.findCampaign(name)
	setState := campaign.Resume
	if verb == "pause" {
		setState = campaign.Pause
	}
	if err := setState(ctx, b.store, camp.Name, user, b.now()); err != nil {
		return nil, err
	}
	b.tickCardsAfterCommand(ctx, "campaign_id = (SELECT id FROM campaigns WHERE name = ?)", camp.Name)
	if verb == "pause" {
		return NoticeView{Text: fmt.Sprintf(":double_vertical_bar: Paused campaign *%s*: nothing new is proposed for it and its approved invitations wait until `/pacer resume %s`.", esc(camp.Name), esc(camp.Name))}, nil
	}
	return NoticeView{Text: fmt.Sprintf(":arrow_forward: Resumed campaign *%s*.", esc(camp.Name))}, nil
}

// tickCardsAfterCommand updates the cards a pause or resume changed. The
// command has done its work: a card that fails to update is logged, and
// catches up with the batch's next event.
func (b *Bot) tickCardsAfterCommand(ctx context.Context, cond string, args ...any) {
	if err := b.tickRunningCards(ctx, cond, args...); err != nil {
		b.logger.Warn("slack: update the progress cards after a command", slog.String("error", err.Error()))
	}
}

func (b *Bot) findAccount(name string) (config.Account, bool) {
	for _, a := range b.cfg.Accounts {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return config.Account{}, false
}

func (b *Bot) findCampaign(name string) (config.Campaign, bool) {
	for _, c := range b.cfg.Campaigns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return config.Campaign{}, false
}

func (b *Bot) accountNames() []string {
	var out []string
	for _, a := range b.cfg.Accounts {
		out = append(out, a.Name)
	}
	return out
}

func accountNamesOf(accounts []models.Account) []string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = a.Name
	}
	return out
}

func (b *Bot) campaignNames() []string {
	var out []string
	for _, c := range b.cfg.Campaigns {
		out = append(out, c.Name)
	}
	return out
}

func (b *Bot) pausableNames(kind string) []string {
	switch kind {
	case "account":
		return b.accountNames()
	case "campaign":
		return b.campaignNames()
	}
	return append(b.accountNames(), b.campaignNames()...)
}
