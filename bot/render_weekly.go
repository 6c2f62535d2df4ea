package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/wording"
)

// Rendering of the weekly campaign digest and of its chart's words.

func (r renderer) weekly(v WeeklyView) message {
	st := v.Stats
	date := v.Date.In(r.loc).Format("Mon 2 Jan")
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(clip("Weekly digest · "+st.Campaign+" · "+date, maxHeaderText))),
		section("variants", clip("*Note variants* (every invitation sent so far)\n"+armLines(st.Variants, "no note (the month's notes ran out)"), maxSectionText)),
		section("lead", leadLine(st.Lead)),
		section("senders", clip("*Senders*\n"+armLines(st.Senders, ""), maxSectionText)),
	}
	if v.Weekly != nil && len(v.Weekly.Variants) > 0 {
		blocks = append(blocks, contextBlock(weekLine(v.Weekly)+" The chart of the last weeks is in the thread."))
	}
	sent, accepted := 0, 0
	for _, a := range st.Variants {
		sent += a.Sent
		accepted += a.Accepted
	}
	return message{
		Text: fmt.Sprintf("Pacer weekly digest of %s for %s: %s, %d accepted", st.Campaign, date,
			wording.Count(sent, "invitation sent", "invitations sent"), accepted),
		Blocks: blocks,
	}
}

// armLines words each arm on a line: sent, accepted, the rate with its
// 95% interval, and the median time to accept.
func armLines(arms []campaign.Arm, unnamed string) string {
	if len(arms) == 0 {
		return "none sent yet"
	}
	lines := make([]string, len(arms))
	for i, a := range arms {
		name := "*" + esc(a.Name) + "*"
		if a.Name == "" {
			name = "_" + unnamed + "_"
		}
		wait := "none accepted yet"
		if a.Accepted > 0 {
			wait = "median " + wording.Duration(a.MedianToAccept) + " to accept"
		}
		lines[i] = fmt.Sprintf("• %s: %d sent · %d accepted · *%s* (95%% interval %s–%s) · %s",
			name, a.Sent, a.Accepted, pct(a.Rate), pct(a.Low), pct(a.High), wait)
	}
	return strings.Join(lines, "\n")
}

// leadLine words the best variant's lead over the next, and whether it is
// clear (its interval excludes zero).
func leadLine(l *campaign.Lead) string {
	if l == nil {
		return "*Lead:* fewer than two variants sent, nothing to compare yet."
	}
	text := fmt.Sprintf("*Lead:* *%s* leads *%s* by %.1f points (95%% interval %.1f to %.1f): ",
		esc(l.Best), esc(l.Next), 100*l.Diff, 100*l.Low, 100*l.High)
	if l.Clear {
		return text + "the lead is *clear*, the interval excludes zero."
	}
	return text + "*not clear yet*, the interval includes zero; keep sending."
}

// weekLine words the acceptances of the week just ended, per variant.
func weekLine(w *campaign.WeeklyAcceptance) string {
	parts := make([]string, len(w.Variants))
	last := len(w.Ends) - 1
	for i, v := range w.Variants {
		parts[i] = fmt.Sprintf("%s %d", esc(v.Name), v.Weeks[last].NewAccepted)
	}
	return "Accepted in the last 7 days: " + strings.Join(parts, " · ") + "."
}

// chartLegend is the chart's comment: what it plots, its scale, and each
// variant's colour (the PNG has no words: the standard library has no
// fonts).
func (r renderer) chartLegend(w *campaign.WeeklyAcceptance, scale chartScale, charted int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Acceptance rate of each note variant (accepted of all sent so far) at the end of each of the last %d weeks, oldest on the left: "+
		"from 0 at the bottom to %s at the top, a line every %.0f points.\n", len(w.Ends), pct0(scale.Top), 100*scale.Step)
	for i, v := range w.Variants[:charted] {
		c := chartPalette[i]
		swatch := c.Emoji
		if swatch == "" {
			swatch = "(" + c.Name + ")"
		}
		fmt.Fprintf(&sb, "%s *%s* %s\n", swatch, esc(v.Name), pct(v.Weeks[len(v.Weeks)-1].Rate))
	}
	if rest := len(w.Variants) - charted; rest > 0 {
		fmt.Fprintf(&sb, "…and %s not charted: the chart has %d colours.\n", wording.Count(rest, "variant", "variants"), len(chartPalette))
	}
	return clip(strings.TrimSuffix(sb.String(), "\n"), maxSectionText)
}

// chartAltText describes the chart for those who cannot see it: each
// variant's rate from its first week to the last.
func (r renderer) chartAltText(w *campaign.WeeklyAcceptance) string {
	parts := make([]string, 0, len(w.Variants))
	for _, v := range w.Variants {
		first := -1
		for i, wk := range v.Weeks {
			if wk.Sent > 0 {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s from %s to %s", v.Name, pct(v.Weeks[first].Rate), pct(v.Weeks[len(v.Weeks)-1].Rate)))
	}
	return clip(fmt.Sprintf("Line chart of the acceptance rate per note variant over %d weeks: %s.", len(w.Ends), strings.Join(parts, "; ")), 1000)
}

// pct words a rate with one decimal, pct0 without.
func pct(f float64) string  { return fmt.Sprintf("%.1f%%", 100*f) }
func pct0(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }
