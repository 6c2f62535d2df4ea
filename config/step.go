package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Step kinds of a campaign's sequence.
const (
	StepView   = "view"
	StepFollow = "follow"
	StepLike   = "like"
	StepWait   = "wait"
	StepInvite = "invite"
)

// Step is one step of a campaign's sequence. A wait step waits between Min
// and Max (a random point between them) before the next step.
type Step struct {
	Kind string
	Min  time.Duration
	Max  time.Duration
}

// ParseStep reads a step as written in a campaign's steps list: "view",
// "follow", "like" (or "like latest post"), "invite" (or "invite with note"),
// "wait 1d", "wait 1-2d", "wait 12h".
func ParseStep(s string) (Step, error) {
	fields := strings.Fields(strings.ToLower(strings.TrimSpace(s)))
	if len(fields) == 0 {
		return Step{}, fmt.Errorf("an empty step; use view, follow, like, wait 1d or invite")
	}
	switch strings.Join(fields, " ") {
	case "view", "view profile":
		return Step{Kind: StepView}, nil
	case "follow":
		return Step{Kind: StepFollow}, nil
	case "like", "like latest post":
		return Step{Kind: StepLike}, nil
	case "invite", "invite with note":
		return Step{Kind: StepInvite}, nil
	}
	if fields[0] == "wait" && len(fields) == 2 {
		if lo, hi, ok := parseWait(fields[1]); ok {
			return Step{Kind: StepWait, Min: lo, Max: hi}, nil
		}
	}
	return Step{}, fmt.Errorf("%q is not a step; use view, follow, like, wait 1d, wait 1-2d, wait 12h or invite", s)
}

// parseWait reads "1d", "1-2d", "12h", "2–3d".
func parseWait(s string) (time.Duration, time.Duration, bool) {
	unit := time.Duration(0)
	switch {
	case strings.HasSuffix(s, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(s, "h"):
		unit = time.Hour
	default:
		return 0, 0, false
	}
	s = strings.ReplaceAll(s[:len(s)-1], "–", "-")
	loStr, hiStr, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(loStr)
	if err != nil || lo < 0 || time.Duration(lo) > maxWait/unit {
		return 0, 0, false
	}
	hi := lo
	if isRange {
		if hi, err = strconv.Atoi(hiStr); err != nil || hi < lo || time.Duration(hi) > maxWait/unit {
			return 0, 0, false
		}
	}
	return time.Duration(lo) * unit, time.Duration(hi) * unit, true
}

// maxWait bounds a wait step: a longer one is surely a typo (and a large
// enough number of days would overflow into a negative wait).
const maxWait = 365 * 24 * time.Hour
