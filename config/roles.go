package config

import (
	"fmt"
	"slices"
	"strings"
)

// Roles say who decides a campaign and who may look at it. Each list holds
// Slack user IDs (U…, W…) and user-group IDs (S…).
//
// A campaign's own lists win; a list it leaves empty is the team's
// (slack.approvers, slack.viewers). Approvers may also look. An empty
// Viewers list means the campaign is open to anyone in the workspace: the
// channel's membership is then the only limit, as before roles existed;
// listing one viewer closes it to everyone but its approvers and viewers.
type Roles struct {
	Approvers []string
	Viewers   []string
	// ApproversFrom and ViewersFrom name the setting each list comes from,
	// for `pacer config check`.
	ApproversFrom string
	ViewersFrom   string
}

// Open reports whether anyone in the workspace may look at the campaign.
func (r Roles) Open() bool { return len(r.Viewers) == 0 }

// RolesOf returns the roles of the campaign called name; a name the
// configuration does not hold gets the team's.
func (c *Config) RolesOf(name string) Roles {
	r := Roles{
		Approvers: c.Slack.Approvers, ApproversFrom: "slack.approvers",
		Viewers: c.Slack.Viewers, ViewersFrom: "slack.viewers",
	}
	for i, cp := range c.Campaigns {
		if cp.Name != name {
			continue
		}
		if len(cp.Approvers) > 0 {
			r.Approvers, r.ApproversFrom = cp.Approvers, fmt.Sprintf("campaigns[%d].approvers", i)
		}
		if len(cp.Viewers) > 0 {
			r.Viewers, r.ViewersFrom = cp.Viewers, fmt.Sprintf("campaigns[%d].viewers", i)
		}
	}
	return r
}

// RolesReport says, one line per campaign, who decides it and who may look
// at it, and where each list comes from.
func (c *Config) RolesReport() []string {
	var out []string
	for _, cp := range c.Campaigns {
		r := c.RolesOf(cp.Name)
		approvers := "nobody (no approver is listed: nobody can approve its proposals)"
		if len(r.Approvers) > 0 {
			approvers = strings.Join(r.Approvers, ", ") + " (" + r.ApproversFrom + ")"
		}
		viewers := "anyone in the workspace (no viewer is listed)"
		if !r.Open() {
			viewers = strings.Join(r.Viewers, ", ") + " (" + r.ViewersFrom + ")"
		}
		out = append(out, fmt.Sprintf("campaign %s: decided by %s; seen by its approvers and %s", cp.Name, approvers, viewers))
	}
	return out
}

// ApproverIDs lists every user ID (not group) listed as an approver,
// team-wide or of any campaign.
func (c *Config) ApproverIDs() []string {
	var out []string
	add := func(ids []string) {
		for _, id := range ids {
			if userIDPattern.MatchString(id) && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	add(c.Slack.Approvers)
	for _, cp := range c.Campaigns {
		add(cp.Approvers)
	}
	return out
}
