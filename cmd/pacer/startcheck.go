package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
)

// startMode is how serve is asked to run, for the checks that depend on it.
type startMode struct {
	// sim: the executor acts on the simulator (--sim or --sim-url).
	sim bool
	// tryOut: --sim without a configuration file, on the sample set-up.
	tryOut bool
	// demoChannel is PACER_DEMO_CHANNEL, the try-out's channel in Slack.
	demoChannel string
}

// usesConsole reports whether the bot meets people in the local console
// rather than in Slack: when no Slack credential is set and either the
// executor acts on the simulator or PACER_CONSOLE_TOKEN turns the console
// on. Any Slack credential means the team wants Slack.
func usesConsole(cfg *config.Config, m startMode) bool {
	return !cfg.SlackConfigured() && (m.sim || cfg.Console.Token.IsSet())
}

// checkStart runs every check serve runs before it starts anything, and
// returns every problem at once (a *config.ValidationError), or nil: the
// configuration's own rules, the Slack or console settings the mode needs,
// and each campaign's note template against a sample prospect.
func checkStart(cfg *config.Config, m startMode) error {
	var problems []string
	if err := cfg.Validate(); err != nil {
		var verr *config.ValidationError
		if !errors.As(err, &verr) {
			return err
		}
		problems = append(problems, verr.Problems...)
	}
	problems = append(problems, chatProblems(cfg, m)...)
	problems = append(problems, templateProblems(cfg)...)
	if len(problems) == 0 {
		return nil
	}
	return &config.ValidationError{Problems: problems}
}

// chatProblems checks the settings of where the bot meets people: Slack's
// credentials, or the console's token and approver.
func chatProblems(cfg *config.Config, m startMode) []string {
	var out []string
	switch {
	case cfg.SlackConfigured():
		if err := bot.CheckConfig(cfg); err != nil {
			out = append(out, strings.TrimPrefix(err.Error(), "bot: "))
		}
		if cfg.Console.Token.IsSet() {
			out = append(out, "PACER_CONSOLE_TOKEN turns on the local console, which stands in for Slack, but Slack's credentials are set too; unset PACER_CONSOLE_TOKEN to use Slack, or the SLACK_* variables to use the console")
		}
		if m.tryOut && m.demoChannel == "" {
			out = append(out, errNoDemoChannel.Error())
		}
	case usesConsole(cfg, m):
		if m.sim {
			break // on the simulator the console's person is an approver
		}
		switch user := cfg.Console.User; {
		case user == "":
			out = append(out, "PACER_CONSOLE_USER is not set: the console acts as one approver; set it to the user ID (U…) of one listed in PACER_APPROVERS")
		case !slices.Contains(cfg.ApproverIDs(), user):
			out = append(out, fmt.Sprintf("PACER_CONSOLE_USER is %s, who is not listed in slack.approvers (PACER_APPROVERS) nor in a campaign's approvers; the console acts only as an approver listed by user ID", user))
		}
	default:
		msg := "Slack is not configured"
		if err := bot.CheckConfig(cfg); err != nil {
			msg = strings.TrimPrefix(err.Error(), "bot: ")
		}
		out = append(out, msg+"; or, to use Pacer without Slack, turn on the local console with PACER_CONSOLE_TOKEN and PACER_CONSOLE_USER (to try Pacer on its simulator, run `pacer serve --sim`)")
	}
	return out
}

// templateProblems lints each campaign's note templates (every variant),
// filled in for a sample prospect and each sender, against that sender's
// note length.
func templateProblems(cfg *config.Config) []string {
	var out []string
	for i, c := range cfg.Campaigns {
		for j, v := range c.Variants() {
			where := fmt.Sprintf("campaigns[%d] (%s).note", i, c.Name)
			if len(c.Notes) > 0 {
				where = fmt.Sprintf("campaigns[%d] (%s).notes[%d] (%s)", i, c.Name, j, v.Name)
			}
			seen := map[string]bool{}
			for _, sender := range c.SenderNames() {
				a, ok := cfg.Account(sender)
				if !ok || !slices.Contains(config.Plans, a.Plan) {
					continue // reported by Validate
				}
				from := ""
				if len(c.SenderNames()) > 1 {
					from = " from " + sender
				}
				_, _, findings := campaign.LintTemplateFrom(v.Note, a)
				for _, f := range findings {
					msg := fmt.Sprintf("%s, filled in for a sample prospect%s: %s", where, from, f.Message)
					if f.Blocking && !seen[f.Message] {
						seen[f.Message] = true
						out = append(out, msg)
					}
				}
			}
		}
		for j, fu := range c.FollowUps {
			_, findings := campaign.LintMessageTemplate(fu)
			for _, f := range findings {
				if f.Blocking {
					out = append(out, fmt.Sprintf("campaigns[%d] (%s).follow_ups[%d].message, filled in for a sample prospect: %s", i, c.Name, j, f.Message))
				}
			}
		}
	}
	return out
}

// startWarnings are what serve logs and config check prints: valid
// settings that are probably not what the team wants.
func startWarnings(cfg *config.Config, m startMode) []string {
	var w []string
	for _, warning := range cfg.Warnings() {
		// The simulator needs no LinkedIn session, so no key to seal one.
		if m.sim && strings.HasPrefix(warning, "PACER_SECRET_KEY") {
			continue
		}
		w = append(w, warning)
	}
	if cfg.SlackConfigured() {
		for _, c := range cfg.Campaigns {
			if len(cfg.RolesOf(c.Name).Approvers) == 0 {
				w = append(w, fmt.Sprintf("campaign %s has no approver (neither its approvers nor PACER_APPROVERS list any): nobody can approve its proposals; list Slack user IDs (U…) or user-group IDs (S…)", c.Name))
			}
		}
	}
	return w
}
