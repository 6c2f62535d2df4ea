package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// lastJSON decodes the last line of a command's output.
func lastJSON(t *testing.T, stdout string, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("the last line is not one JSON object: %v\n%s", err, stdout)
	}
}

func TestQuotaSimulateCommand(t *testing.T) {
	t.Parallel()
	type result struct {
		WeeklyLimit         *int     `json:"weekly_limit"`
		DailyLimit          *int     `json:"daily_limit"`
		MaxRolling7d        *int     `json:"max_rolling_7d"`
		MaxDay              *int     `json:"max_day"`
		SentTotal           *int     `json:"sent_total"`
		Utilization         *float64 `json:"utilization"`
		OutsideWorkingHours *int     `json:"outside_working_hours"`
		MinGapSeconds       *float64 `json:"min_gap_seconds"`
		SentLate            int      `json:"sent_late"`
		Backlog             int      `json:"backlog"`
	}
	run := func(t *testing.T, demand string) result {
		res := runPacer(t, t.TempDir(), nil, "quota", "simulate", "--plan", "free", "--weeks", "12", "--demand", demand, "--json")
		if res.Code != 0 {
			t.Fatalf("exit %d: %s", res.Code, res.Stderr)
		}
		if !strings.Contains(res.Stdout, "2026-03-02  20  20  20  20  20   0   0") && demand == "400" {
			t.Errorf("the per-day counts are missing:\n%s", res.Stdout)
		}
		var r result
		lastJSON(t, res.Stdout, &r)
		if r.WeeklyLimit == nil || r.DailyLimit == nil || r.MaxRolling7d == nil || r.MaxDay == nil || r.SentTotal == nil ||
			r.Utilization == nil || r.OutsideWorkingHours == nil || r.MinGapSeconds == nil {
			t.Fatalf("a required key is missing: %s", res.Stdout[strings.LastIndex(strings.TrimSpace(res.Stdout), "\n")+1:])
		}
		return r
	}
	t.Run("demand 400", func(t *testing.T) {
		t.Parallel()
		r := run(t, "400")
		if *r.MaxRolling7d > *r.WeeklyLimit || *r.MaxDay > *r.DailyLimit || *r.OutsideWorkingHours != 0 ||
			*r.MinGapSeconds < 90 || *r.Utilization < 0.95 {
			t.Errorf("got max 7 days %d (limit %d), max day %d (limit %d), outside %d, min gap %.0f, utilization %.3f",
				*r.MaxRolling7d, *r.WeeklyLimit, *r.MaxDay, *r.DailyLimit, *r.OutsideWorkingHours, *r.MinGapSeconds, *r.Utilization)
		}
	})
	t.Run("demand 50", func(t *testing.T) {
		t.Parallel()
		r := run(t, "50")
		if *r.SentTotal != 600 || r.SentLate != 0 || r.Backlog != 0 {
			t.Errorf("sent %d of 600, %d late, %d left; want each sent in the week it was asked for", *r.SentTotal, r.SentLate, r.Backlog)
		}
	})
}

func TestQuotaSimulateRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown plan", []string{"--plan", "gold"}, `"gold"`},
		{"no plan", nil, `"plan" not set`},
		{"unknown timezone", []string{"--plan", "free", "--timezone", "Mars/Base"}, `"Mars/Base"`},
		{"hours backwards", []string{"--plan", "free", "--hours", "18:00-09:00"}, "end at 09:00, not after they start at 18:00"},
		{"unknown window", []string{"--plan", "free", "--window", "sliding"}, `"sliding"`},
		{"unknown day", []string{"--plan", "free", "--days", "mon,funday"}, `"funday"`},
		{"no weeks", []string{"--plan", "free", "--weeks", "0"}, "0 weeks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runPacer(t, t.TempDir(), nil, append([]string{"quota", "simulate"}, tt.args...)...)
			if res.Code != 1 || !strings.Contains(res.Stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 naming %s", res.Code, res.Stderr, tt.want)
			}
		})
	}
}

func TestQuotaShowCommand(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			dir := t.TempDir()
			cfg := writeConfig(t, dir, `timezone: Europe/Berlin
accounts:
  - {name: anna, plan: premium}
  - {name: ben, plan: free, limits: {weekly_window: anchored}}
`)
			if res := runPacer(t, dir, env, "--config", cfg, "migrate"); res.Code != 0 {
				t.Fatalf("migrate: exit %d: %s", res.Code, res.Stderr)
			}
			all := runPacer(t, dir, env, "--config", cfg, "quota", "show")
			if all.Code != 0 {
				t.Fatalf("quota show: exit %d: %s", all.Code, all.Stderr)
			}
			for _, want := range []string{"anna: premium plan, Europe/Berlin", "ben: free plan", "invites_per_week", "0 / 150",
				"anchored 7 days", "notes_per_month", "0 / 5", "state: active", "next invitation:"} {
				if !strings.Contains(all.Stdout, want) {
					t.Errorf("quota show lacks %q:\n%s", want, all.Stdout)
				}
			}
			one := runPacer(t, dir, env, "--config", cfg, "quota", "show", "ben", "--json")
			if one.Code != 0 {
				t.Fatalf("quota show ben: exit %d: %s", one.Code, one.Stderr)
			}
			var got struct {
				Accounts []struct {
					Account string `json:"account"`
					State   string `json:"state"`
					Limits  []struct {
						Limit string `json:"limit"`
						Used  int    `json:"used"`
						Max   int    `json:"max"`
					} `json:"limits"`
				} `json:"accounts"`
			}
			lastJSON(t, one.Stdout, &got)
			if len(got.Accounts) != 1 || got.Accounts[0].Account != "ben" || got.Accounts[0].State != "active" ||
				len(got.Accounts[0].Limits) == 0 || got.Accounts[0].Limits[0].Max != 100 {
				t.Errorf("quota show ben --json: got %+v", got)
			}
			unknown := runPacer(t, dir, env, "--config", cfg, "quota", "show", "carl")
			if unknown.Code != 1 || !strings.Contains(unknown.Stderr, `"carl"`) || !strings.Contains(unknown.Stderr, "anna, ben") {
				t.Errorf("unknown account: exit %d, stderr %q", unknown.Code, unknown.Stderr)
			}
		})
	}
}
