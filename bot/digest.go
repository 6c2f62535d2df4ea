package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/slack-go/slack"
)

// digestAccountsFor names the accounts a channel's digest covers: those
// sending for the campaigns posted in that channel, or every account when
// no campaign posts there (a digest asked for in another channel).
func (b *Bot) digestAccountsFor(channel string) []string {
	var names []string
	for _, c := range b.cfg.Campaigns {
		if c.Channel != channel {
			continue
		}
		for _, a := range c.SenderNames() {
			if !slices.Contains(names, a) {
				names = append(names, a)
			}
		}
	}
	if len(names) == 0 {
		return b.accountNames()
	}
	return names
}

// digestView reads the digest of the named accounts.
func (b *Bot) digestView(ctx context.Context, names []string) (DigestView, error) {
	now := b.now()
	v := DigestView{Date: now}
	accounts, err := b.accounts(ctx)
	if err != nil {
		return v, err
	}
	for _, a := range accounts {
		if !slices.Contains(names, a.Name) {
			continue
		}
		q, err := b.accountQuota(ctx, a)
		if err != nil {
			return v, err
		}
		d := DigestAccount{AccountQuota: q, Pending: a.PendingInvites}
		if a.ID != 0 {
			if d.Accepted, d.Decided, err = b.acceptance(ctx, a.ID, now); err != nil {
				return v, err
			}
			if d.Delivery, err = b.deliveryProof(ctx, a.ID, now); err != nil {
				return v, err
			}
			if d.Queue, err = b.queuedInvites(ctx, a.ID); err != nil {
				return v, err
			}
			if d.Queue > 0 {
				if d.Forecast, err = b.quota.Forecast(ctx, a, d.Queue, now); err != nil {
					return v, fmt.Errorf("bot: forecast the queue of %s: %w", a.Name, err)
				}
			}
		}
		v.Accounts = append(v.Accounts, d)
	}
	if v.DeadLetters, err = b.deadLetters(ctx); err != nil {
		return v, err
	}
	return v, nil
}

// postDigests posts the day's digest in every campaign channel, once per
// channel and day however often it runs (River inserts the periodic job on
// its leader only; the record of posts covers retries and a leader change).
func (b *Bot) postDigests(ctx context.Context, day string) error {
	var channels []string
	for _, c := range b.cfg.Campaigns {
		if c.Channel != "" && !slices.Contains(channels, c.Channel) {
			channels = append(channels, c.Channel)
		}
	}
	key := "digest:" + day
	for _, ch := range channels {
		err := b.postOnce(ctx, key, ch, func() (string, error) {
			v, err := b.digestView(ctx, b.digestAccountsFor(ch))
			if err != nil {
				return "", err
			}
			m := b.renderer().digest(v)
			_, ts, err := b.api.PostMessageContext(ctx, ch, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
			if err != nil {
				return "", slackCall("chat.postMessage", err)
			}
			b.logger.Info("slack: posted the daily digest", slog.String("channel", ch), slog.String("day", day))
			return ts, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
