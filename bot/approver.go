package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// approvers answers whether a user may decide: a user listed by ID, or a
// member of a listed user group. Group members come from
// usergroups.users.list and are trusted for ttl, so that a burst of clicks
// costs one API call, and a person removed from the group loses the right
// within minutes.
type approvers struct {
	users  []string
	groups []string
	api    *slack.Client
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]groupMembers
}

type groupMembers struct {
	members []string
	fetched time.Time
}

func newApprovers(ids []string, api *slack.Client, ttl time.Duration, now func() time.Time) *approvers {
	a := &approvers{api: api, ttl: ttl, now: now, cache: map[string]groupMembers{}}
	for _, id := range ids {
		if strings.HasPrefix(id, "S") {
			a.groups = append(a.groups, id)
		} else {
			a.users = append(a.users, id)
		}
	}
	return a
}

// allowed reports whether user may decide. An error means a group could not
// be read: the caller refuses, since nobody may approve unchecked.
func (a *approvers) allowed(ctx context.Context, user string) (bool, error) {
	if slices.Contains(a.users, user) {
		return true, nil
	}
	var firstErr error
	for _, g := range a.groups {
		members, err := a.members(ctx, g)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if slices.Contains(members, user) {
			return true, nil
		}
	}
	return false, firstErr
}

func (a *approvers) members(ctx context.Context, group string) ([]string, error) {
	a.mu.Lock()
	cached, ok := a.cache[group]
	a.mu.Unlock()
	if ok && a.now().Sub(cached.fetched) < a.ttl {
		return cached.members, nil
	}
	members, err := a.api.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("bot: read the members of user group %s (usergroups.users.list: %s)", group, slackErrorText(err))
	}
	a.mu.Lock()
	a.cache[group] = groupMembers{members: members, fetched: a.now()}
	a.mu.Unlock()
	return members, nil
}

// mentions names the approvers as Slack renders them: <@U…> and
// <!subteam^S…>.
func (a *approvers) mentions() string {
	var out []string
	for _, u := range a.users {
		out = append(out, "<@"+u+">")
	}
	for _, g := range a.groups {
		out = append(out, "<!subteam^"+g+">")
	}
	if len(out) == 0 {
		return "the approvers listed in PACER_APPROVERS (none are set)"
	}
	return strings.Join(out, ", ")
}

// dmTargets lists the users to tell directly about serious alerts: listed
// users and the members of listed groups (as far as they can be read).
func (a *approvers) dmTargets(ctx context.Context) []string {
	out := slices.Clone(a.users)
	for _, g := range a.groups {
		members, err := a.members(ctx, g)
		if err != nil {
			continue
		}
		for _, m := range members {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}
