package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// Rendering of the stop switch: the confirmation `/pacer stop all` asks
// for, what the switch did, and its place in the App Home.

func (r renderer) stopConfirm(v StopConfirmView) message {
	if len(v.Accounts) == 0 {
		text := "No account is sending: each is already stopped, paused or waiting for a person. Nothing to stop; `/pacer status` says why each waits."
		return message{Text: text, Blocks: []slack.Block{section("", text)}}
	}
	text := fmt.Sprintf("Stop every account? %s (%s) stop sending at once: an invitation in flight finishes its click and is recorded, nothing else is sent until `/pacer resume all`.",
		wording.Count(len(v.Accounts), "account", "accounts"), boldNames(v.Accounts))
	return message{Text: text, Blocks: []slack.Block{
		section("", text),
		slack.NewActionBlock("stop", stopButton()),
	}}
}

func (r renderer) stopped(v StopView) message {
	var lines []string
	switch {
	case len(v.Changed) == 0 && v.Resume:
		lines = append(lines, "No account was stopped with stop all; nothing changed.")
	case len(v.Changed) == 0:
		lines = append(lines, "Every account was already stopped, paused or waiting for a person; nothing changed.")
	case v.Resume:
		lines = append(lines, fmt.Sprintf(":arrow_forward: <@%s> resumed every account stop all had stopped: %s. Each sends its queue again, paced within its limits.", v.By, boldNames(v.Changed)))
	default:
		lines = append(lines, fmt.Sprintf(":octagonal_sign: <@%s> stopped every account: %s. An invitation in flight finishes its click and is recorded; nothing else is sent until `/pacer resume all`.", v.By, boldNames(v.Changed)))
	}
	for _, a := range v.StillHeld {
		lines = append(lines, fmt.Sprintf("• *%s* stays %s%s: %s", esc(a.Name), stateText(a.State), r.until(a), esc(a.StateReason)))
	}
	for _, a := range v.Left {
		lines = append(lines, "• "+r.leftAlone(a))
	}
	text := strings.Join(lines, "\n")
	return message{Text: text, Blocks: []slack.Block{section("", text)}}
}

// leftAlone says why the switch left an account as it was.
func (r renderer) leftAlone(a AccountStatus) string {
	switch {
	case a.State == models.AccountNeedsHuman:
		return fmt.Sprintf("*%s* waits for a person (%s): log in with `pacer account login %s`, then `/pacer resume %s`.", esc(a.Name), esc(orText(a.StateReason, "LinkedIn asked for a check")), esc(a.Name), esc(a.Name))
	case a.State == models.AccountPaused && a.PausedBy != "":
		return fmt.Sprintf("*%s* stays paused, as <@%s> paused it by hand: `/pacer resume %s` resumes it.", esc(a.Name), a.PausedBy, esc(a.Name))
	}
	return fmt.Sprintf("*%s* stays %s: `/pacer resume %s` resumes it.", esc(a.Name), stateText(a.State), esc(a.Name))
}

func (r renderer) until(a AccountStatus) string {
	if a.Until == nil {
		return ""
	}
	return " until " + r.when(*a.Until)
}

// homeSwitch is the stop switch's section of an approver's App Home.
func (r renderer) homeSwitch(s StopSwitch) []slack.Block {
	text := "*Stop switch*\nEvery account sends as paced. If something is wrong, stop them all at once."
	var buttons []slack.BlockElement
	if len(s.Stopped) > 0 {
		text = fmt.Sprintf("*Stop switch*\n:octagonal_sign: Stopped by <@%s>: %s send nothing until they are resumed.", s.By, boldNames(s.Stopped))
		resume := slack.NewButtonBlockElement(ActionResumeAll, "all", plain("Resume every account"))
		resume.Style = slack.StylePrimary
		resume.Confirm = slack.NewConfirmationBlockObject(plain("Resume every account?"),
			plain("The accounts stop all stopped send their queues again, paced within their limits."), plain("Resume all"), plain("Cancel"))
		buttons = append(buttons, resume)
	}
	if s.Running > 0 {
		buttons = append(buttons, stopButton())
	}
	blocks := []slack.Block{section("stop_switch", text)}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock("stop", buttons...))
	}
	return blocks
}

// stopButton stops every account, once its confirm dialog is confirmed.
func stopButton() *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(ActionStopAll, "all", plain("Stop every account"))
	b.Style = slack.StyleDanger
	b.Confirm = slack.NewConfirmationBlockObject(plain("Stop every account?"),
		plain("Every account stops sending at once; an invitation in flight finishes its click. Nothing else is sent until someone resumes them all."),
		plain("Stop all"), plain("Cancel")).WithStyle(slack.StyleDanger)
	return b
}

func boldNames(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "*" + esc(n) + "*"
	}
	return strings.Join(out, ", ")
}
