package bot

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/models"
)

// publishHome publishes a user's App Home tab.
func (b *Bot) publishHome(ctx context.Context, req Request) error {
	v, err := b.homeView(ctx)
	if err != nil {
		return err
	}
	_, err = b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: req.UserID, View: b.renderer().home(v)})
	return slackCall("views.publish", err)
}

func (b *Bot) homeView(ctx context.Context) (HomeView, error) {
	v := HomeView{UpdatedAt: b.now()}
	accounts, err := b.accounts(ctx)
	if err != nil {
		return v, err
	}
	for _, a := range accounts {
		q, err := b.accountQuota(ctx, a)
		if err != nil {
			return v, err
		}
		v.Accounts = append(v.Accounts, q)
		if a.State == models.AccountNeedsHuman {
			v.NeedsHuman = append(v.NeedsHuman, AccountStatus{Name: a.Name, State: a.State, StateReason: a.StateReason})
		}
	}
	if v.OpenProposals, err = b.openProposals(ctx); err != nil {
		return v, err
	}
	return v, nil
}
