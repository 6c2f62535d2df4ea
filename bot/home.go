package bot

import (
	"context"
	"errors"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/models"
)

// publishHome publishes a user's App Home tab.
func (b *Bot) publishHome(ctx context.Context, req Request) error {
	v, err := b.homeView(ctx, req.UserID)
	if err != nil {
		return err
	}
	_, err = b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: req.UserID, View: b.renderer().home(v)})
	return slackCall("views.publish", err)
}

// homeView is user's App Home: the accounts and campaigns they may see.
func (b *Bot) homeView(ctx context.Context, user string) (HomeView, error) {
	v := HomeView{UpdatedAt: b.now()}
	seen, err := b.sightOf(ctx, user)
	var refused *refusedError
	if errors.As(err, &refused) {
		v.Refusal = refused.text
		return v, nil
	}
	if err != nil {
		return v, err
	}
	accounts, err := b.accounts(ctx)
	if err != nil {
		return v, err
	}
	v.Switch = b.stopSwitch(ctx, user, accounts)
	for _, a := range accounts {
		if !seen.accounts[a.Name] {
			continue
		}
		q, err := b.accountQuota(ctx, a)
		if err != nil {
			return v, err
		}
		v.Accounts = append(v.Accounts, q)
		if a.State == models.AccountNeedsHuman {
			v.NeedsHuman = append(v.NeedsHuman, AccountStatus{Name: a.Name, State: a.State, StateReason: a.StateReason})
		}
	}
	if v.OpenProposals, err = b.visibleProposals(ctx, seen); err != nil {
		return v, err
	}
	v.Waiting = b.waitingFor(ctx, user, v.OpenProposals)
	return v, nil
}

// waitingFor picks the open proposals user may decide, with their links.
// When a user group cannot be read, its campaigns' proposals are left
// out: the Home never promises a decision the click would refuse.
func (b *Bot) waitingFor(ctx context.Context, user string, open []OpenProposal) []OpenProposal {
	var out []OpenProposal
	for _, p := range open {
		err := b.mayDecide(ctx, user, p.Campaign)
		var refused *refusedError
		if errors.As(err, &refused) && refused.unchecked {
			b.logger.Warn("slack: cannot tell whether a user may decide", slog.Int64("proposal", p.ID), slog.String("error", refused.text))
		}
		if err != nil {
			continue
		}
		if p.posted() {
			p.Link = b.permalink(ctx, p)
		}
		out = append(out, p)
	}
	return out
}
