package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// Who may do what. Each campaign has approvers, who decide its proposals
// and may pause it, and viewers, who may look at it (config.Roles). Every
// path that changes something asks mayDecide… first; every read-only one
// asks mayView or sightOf. A refusal is a *refusedError, which the
// handlers tell the person privately.

// refusedError is a permission refused, worded for the person (mrkdwn),
// about campaign (empty: none in particular). unchecked says Pacer could
// not tell (a user group could not be read): nobody is let through
// unchecked.
type refusedError struct {
	text      string
	campaign  string
	unchecked bool
}

func (e *refusedError) Error() string { return "bot: " + e.text }

// noteText words the refusal of a note edit in plain text: a modal's
// errors render no mentions.
func (e *refusedError) noteText() string {
	switch {
	case e.unchecked:
		return "Pacer could not check that you are an approver; try again in a minute."
	case e.campaign != "":
		return "Only the approvers of campaign " + e.campaign + " can edit its notes."
	}
	return "This proposal no longer exists."
}

// refusalView turns a refusal into what the person is told; any other
// error is returned.
func refusalView(err error) (View, error) {
	var r *refusedError
	if errors.As(err, &r) {
		return NoticeView{Text: r.text}, nil
	}
	return nil, err
}

// refuse tells the person why they may not act; any other error is
// returned, for later to log and word.
func (b *Bot) refuse(ctx context.Context, req Request, err error) error {
	v, err := refusalView(err)
	if v != nil {
		b.tell(ctx, req, v)
	}
	return err
}

// mayDecide answers whether user may decide the campaign: approve, reject,
// skip, edit, propose, pause or resume it.
func (b *Bot) mayDecide(ctx context.Context, user, campaign string) error {
	r := b.cfg.RolesOf(campaign)
	ok, err := b.groups.listed(ctx, user, r.Approvers)
	switch {
	case ok:
		return nil
	case err != nil:
		return unchecked("an approver", err)
	}
	if b.mayView(ctx, user, campaign) == nil {
		return &refusedError{campaign: campaign, text: fmt.Sprintf("You can see campaign *%s* but not decide: ask one of %s (nothing changed).",
			esc(campaign), b.approverMentions(campaign))}
	}
	return &refusedError{campaign: campaign, text: fmt.Sprintf("Only the approvers of campaign *%s* can decide it (%s); nothing changed.",
		esc(campaign), b.approverMentions(campaign))}
}

// mayDecideProposal is mayDecide for the campaign of a proposal.
func (b *Bot) mayDecideProposal(ctx context.Context, user string, proposalID int64) error {
	var names []string
	err := b.store.DB.WithContext(ctx).Table("proposals AS p").Select("c.name").
		Joins("JOIN campaigns AS c ON c.id = p.campaign_id").Where("p.id = ?", proposalID).Pluck("c.name", &names).Error
	if err != nil {
		return fmt.Errorf("bot: read the campaign of proposal %d: %w", proposalID, err)
	}
	if len(names) == 0 {
		return &refusedError{text: fmt.Sprintf("Proposal #%d no longer exists; nothing changed.", proposalID)}
	}
	return b.mayDecide(ctx, user, names[0])
}

// mayDecideAccount answers whether user may pause or resume an account: an
// approver of any campaign it sends may (a pause only holds what their
// approvers approved; a resume sends only that). An account that sends no
// campaign is the team's approvers'.
func (b *Bot) mayDecideAccount(ctx context.Context, user, account string) error {
	campaigns := b.campaignsOf(account)
	if len(campaigns) == 0 {
		ok, err := b.groups.listed(ctx, user, b.cfg.Slack.Approvers)
		switch {
		case ok:
			return nil
		case err != nil:
			return unchecked("an approver", err)
		}
		return &refusedError{text: fmt.Sprintf("Only the team's approvers can pause or resume *%s*, which sends no campaign (%s); nothing changed.",
			esc(account), b.approverMentions(""))}
	}
	var first error
	for _, c := range campaigns {
		err := b.mayDecide(ctx, user, c)
		if err == nil {
			return nil
		}
		first = cmp.Or(first, err)
	}
	return first
}

// mayDecideAny answers whether user approves any campaign, or is one of
// the team's approvers: who may stop or resume every account at once, and
// try to pause one. what says what a refusal refuses ("stop every account").
func (b *Bot) mayDecideAny(ctx context.Context, user, what string) error {
	ids := b.everyApprover()
	ok, err := b.groups.listed(ctx, user, ids)
	switch {
	case ok:
		return nil
	case err != nil:
		return unchecked("an approver", err)
	}
	mentions := make([]string, len(ids))
	for i, id := range ids {
		mentions[i] = mention(id)
	}
	return &refusedError{text: fmt.Sprintf("Only approvers can %s (%s); nothing changed.", what, orText(strings.Join(mentions, ", "), "none are listed"))}
}

// everyApprover lists the team's approvers and every campaign's, each once.
func (b *Bot) everyApprover() []string {
	out := slices.Clone(b.cfg.Slack.Approvers)
	for _, c := range b.cfg.Campaigns {
		for _, id := range c.Approvers {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// mayView answers whether user may look at the campaign: one of its
// approvers or viewers, or anyone when it lists no viewers.
func (b *Bot) mayView(ctx context.Context, user, campaign string) error {
	r := b.cfg.RolesOf(campaign)
	if r.Open() {
		return nil
	}
	ok, err := b.groups.listed(ctx, user, slices.Concat(r.Approvers, r.Viewers))
	switch {
	case ok:
		return nil
	case err != nil:
		return unchecked("a viewer", err)
	}
	return &refusedError{campaign: campaign, text: fmt.Sprintf("Campaign *%s* is shown only to its approvers and viewers; ask one of %s to list you among its viewers.",
		esc(campaign), b.approverMentions(campaign))}
}

// sight is what one person may look at: campaigns, and the accounts that
// send them.
type sight struct {
	campaigns map[string]bool
	accounts  map[string]bool
}

// sightOf lists what user may look at. Someone who may look at nothing
// gets a refusal.
func (b *Bot) sightOf(ctx context.Context, user string) (sight, error) {
	s := sight{campaigns: map[string]bool{}, accounts: map[string]bool{}}
	var checkErr error
	for _, c := range b.cfg.Campaigns {
		err := b.mayView(ctx, user, c.Name)
		var r *refusedError
		if errors.As(err, &r) && r.unchecked {
			checkErr = cmp.Or(checkErr, err)
		}
		if err == nil {
			s.campaigns[c.Name] = true
			for _, a := range c.SenderNames() {
				s.accounts[a] = true
			}
		}
	}
	// An account that sends no campaign is shown as the team's roles say.
	if b.mayView(ctx, user, "") == nil {
		for _, a := range b.cfg.Accounts {
			if len(b.campaignsOf(a.Name)) == 0 {
				s.accounts[a.Name] = true
			}
		}
	}
	if len(s.campaigns) > 0 || len(s.accounts) > 0 {
		return s, nil
	}
	if checkErr != nil {
		return s, checkErr
	}
	return s, &refusedError{text: "Pacer shows its accounts and campaigns only to their approvers and viewers; ask one of " +
		b.approverMentions("") + " to list you among them."}
}

// approversOf lists the user IDs of the campaign's approvers, with the
// members of its approver groups (those Slack lets Pacer read): whom to
// tell directly about it.
func (b *Bot) approversOf(ctx context.Context, campaign string) []string {
	users, err := b.groups.expand(ctx, b.cfg.RolesOf(campaign).Approvers)
	if err != nil {
		b.logger.Warn("slack: an approvers' group could not be read; its members are not told", slog.String("campaign", campaign), slog.String("error", err.Error()))
	}
	return users
}

// accountApprovers lists the approvers of every campaign the account
// sends (the team's when it sends none), as approversOf does.
func (b *Bot) accountApprovers(ctx context.Context, account string) []string {
	campaigns := b.campaignsOf(account)
	if len(campaigns) == 0 {
		return b.approversOf(ctx, "")
	}
	var out []string
	for _, c := range campaigns {
		for _, u := range b.approversOf(ctx, c) {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

// approverMentions names the campaign's approvers as Slack renders them:
// <@U…> and <!subteam^S…>.
func (b *Bot) approverMentions(campaign string) string {
	r := b.cfg.RolesOf(campaign)
	if len(r.Approvers) == 0 {
		return "the approvers (none are listed: set slack.approvers or the campaign's approvers)"
	}
	out := make([]string, len(r.Approvers))
	for i, id := range r.Approvers {
		out[i] = mention(id)
	}
	return strings.Join(out, ", ")
}

// mention is how Slack renders a user or a user group.
func mention(id string) string {
	if strings.HasPrefix(id, "S") {
		return "<!subteam^" + id + ">"
	}
	return "<@" + id + ">"
}

// campaignsOf names the configured campaigns the account sends.
func (b *Bot) campaignsOf(account string) []string {
	var out []string
	for _, c := range b.cfg.Campaigns {
		if slices.ContainsFunc(c.SenderNames(), func(a string) bool { return strings.EqualFold(a, account) }) {
			out = append(out, c.Name)
		}
	}
	return out
}

func unchecked(role string, err error) error {
	return &refusedError{unchecked: true,
		text: ":warning: Pacer could not check that you are " + role + " (" + esc(err.Error()) + "); nothing changed. Try again in a minute."}
}

// groupCache answers who is in a user group. Members come from
// usergroups.users.list and are trusted for ttl, so that a burst of clicks
// costs one API call, and a person removed from the group loses the right
// within minutes.
type groupCache struct {
	api *slack.Client
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	cache map[string]groupMembers
}

type groupMembers struct {
	members []string
	fetched time.Time
}

func newGroupCache(api *slack.Client, ttl time.Duration, now func() time.Time) *groupCache {
	return &groupCache{api: api, ttl: ttl, now: now, cache: map[string]groupMembers{}}
}

// listed reports whether user is among ids: by user ID, or as a member of
// a listed group. An error means a group could not be read and the user
// was not found elsewhere: the caller refuses.
func (g *groupCache) listed(ctx context.Context, user string, ids []string) (bool, error) {
	if slices.Contains(ids, user) {
		return true, nil
	}
	var firstErr error
	for _, id := range ids {
		if !strings.HasPrefix(id, "S") {
			continue
		}
		members, err := g.members(ctx, id)
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		if slices.Contains(members, user) {
			return true, nil
		}
	}
	return false, firstErr
}

// expand lists the users among ids and the members of its groups, each
// once; a group that cannot be read is left out and reported.
func (g *groupCache) expand(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	var firstErr error
	add := func(u string) {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "S") {
			add(id)
			continue
		}
		members, err := g.members(ctx, id)
		firstErr = cmp.Or(firstErr, err)
		for _, m := range members {
			add(m)
		}
	}
	return out, firstErr
}

func (g *groupCache) members(ctx context.Context, group string) ([]string, error) {
	g.mu.Lock()
	cached, ok := g.cache[group]
	g.mu.Unlock()
	if ok && g.now().Sub(cached.fetched) < g.ttl {
		return cached.members, nil
	}
	members, err := g.api.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("bot: read the members of user group %s (usergroups.users.list: %s)", group, slackErrorText(err))
	}
	g.mu.Lock()
	g.cache[group] = groupMembers{members: members, fetched: g.now()}
	g.mu.Unlock()
	return members, nil
}
