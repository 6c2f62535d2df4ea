package bot

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/quota"
)

// The stop switch: `/pacer stop all`, or the App Home's button, pauses
// every account at once, behind a confirm dialog; `/pacer resume all` (or
// the App Home's other button) undoes it. Only approvers (of any campaign)
// may use it. The accounts side is the quota engine's (StopAll,
// ResumeAll); an invitation in flight finishes its click and is recorded.

// Action IDs of the stop switch's buttons.
const (
	ActionStopAll   = "stop.all"
	ActionResumeAll = "resume.all"
)

// stopCommand is `/pacer stop all` (and `/pacer pause all`): it changes
// nothing yet, and answers with a button behind a confirm dialog, which
// switchAction handles.
func (b *Bot) stopCommand(ctx context.Context, req Request, args []string) (View, error) {
	if len(args) != 1 || !strings.EqualFold(args[0], "all") {
		return NoticeView{Text: "`/pacer stop all` stops every account at once; to stop one account or campaign, use `/pacer pause NAME`."}, nil
	}
	if err := b.mayDecideAny(ctx, req.UserID, "stop every account"); err != nil {
		return refusalView(err)
	}
	accounts, err := b.accounts(ctx)
	if err != nil {
		return nil, err
	}
	var v StopConfirmView
	for _, a := range accounts {
		if mayStop(a) {
			v.Accounts = append(v.Accounts, a.Name)
		}
	}
	return v, nil
}

// switchAction handles a click on the stop switch: the confirmed button of
// `/pacer stop all`, or one of the App Home's.
func (b *Bot) switchAction(ctx context.Context, req Request) error {
	resume := req.ActionID == ActionResumeAll
	what := "stop every account"
	if resume {
		what = "resume every account"
	}
	if err := b.mayDecideAny(ctx, req.UserID, what); err != nil {
		return b.refuse(ctx, req, err)
	}
	v, err := b.flipSwitch(ctx, req.UserID, resume)
	if err != nil {
		return err
	}
	if req.ChannelID == "" {
		// A click in the App Home: the tab itself shows what changed.
		return b.publishHome(ctx, req)
	}
	b.tell(ctx, req, v)
	return nil
}

// flipSwitch stops (or resumes) every account for user, updates the cards
// of the batches it holds, and says what it did.
func (b *Bot) flipSwitch(ctx context.Context, user string, resume bool) (View, error) {
	flip := b.quota.StopAll
	if resume {
		flip = b.quota.ResumeAll
	}
	res, err := flip(ctx, user)
	if err != nil {
		return nil, err
	}
	v := StopView{By: user, Resume: resume, Switched: res}
	if len(res.Changed) == 0 {
		return v, nil
	}
	b.tickCardsAfterCommand(ctx, "account_id IN (SELECT id FROM accounts WHERE name IN ?)", res.Changed)
	defer func() { b.announceSwitch(ctx, v) }() // with what resume left held
	if resume {
		// A restriction LinkedIn set during the stop still holds its account.
		accounts, err := b.accounts(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			if slices.Contains(res.Changed, a.Name) && a.State != models.AccountActive {
				v.StillHeld = append(v.StillHeld, AccountStatus{Name: a.Name, State: a.State, StateReason: a.StateReason, Until: a.RestrictedUntil})
			}
		}
	}
	return v, nil
}

// stopSwitch is the App Home's stop switch for user, nil when they may
// not use it.
func (b *Bot) stopSwitch(ctx context.Context, user string, accounts []models.Account) *StopSwitch {
	if b.mayDecideAny(ctx, user, "") != nil {
		return nil
	}
	s := &StopSwitch{}
	for _, a := range accounts {
		switch {
		case stoppedByTheSwitch(a):
			s.Stopped = append(s.Stopped, a.Name)
			s.By = a.PausedBy
		case mayStop(a):
			s.Running++
		}
	}
	return s
}

// mayStop reports whether stop all would pause the account.
func mayStop(a models.Account) bool {
	return a.State == models.AccountActive || a.State == models.AccountRestricted
}

func stoppedByTheSwitch(a models.Account) bool {
	return a.State == models.AccountPaused && a.StateReason == quota.StopReason
}

// announceSwitch tells each channel of a campaign whose senders the switch
// stopped or resumed what it did: the whole team learns that sending
// stopped (or goes on), not only who flipped it. A failed post is logged;
// the switch has flipped all the same.
func (b *Bot) announceSwitch(ctx context.Context, v StopView) {
	var channels []string
	for _, c := range b.cfg.Campaigns {
		touched := slices.ContainsFunc(c.SenderNames(), func(a string) bool { return slices.Contains(v.Changed, a) })
		if touched && c.Channel != "" && !slices.Contains(channels, c.Channel) {
			channels = append(channels, c.Channel)
		}
	}
	m := b.renderer().stopped(v)
	for _, ch := range channels {
		if _, _, err := b.api.PostMessageContext(ctx, ch, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)); err != nil {
			b.logger.Warn("slack: announce the stop switch", slog.String("channel", ch), slog.String("error", slackCall("chat.postMessage", err).Error()))
		}
	}
}
