package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) LookupEnv {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pacer.yml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDesignExampleLoads(t *testing.T) {
	t.Parallel()
	cfg, err := Load("testdata/design.yml", env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got, want := len(cfg.Accounts), 1; got != want {
		t.Fatalf("accounts: got %d, want %d", got, want)
	}
	l := cfg.Accounts[0].EffectiveLimits()
	if *l.InvitesPerWeek != 150 || *l.InvitesPerDay != 30 || *l.NoteLength != 300 {
		t.Errorf("effective limits: got week %d day %d note %d, want 150 30 300", *l.InvitesPerWeek, *l.InvitesPerDay, *l.NoteLength)
	}
	steps := cfg.Campaigns[0].Steps
	if got, want := strings.Join(steps, ","), "view,follow,wait 1d,invite"; got != want {
		t.Errorf("steps: got %q, want %q", got, want)
	}
	if r := cfg.RolesOf("cto-berlin"); strings.Join(r.Approvers, ",") != "U0456SALESLEAD" || strings.Join(r.Viewers, ",") != "S0789SALESTEAM" {
		t.Errorf("roles of cto-berlin: %+v", r)
	}
	if got := cfg.Webhooks[0].Events; len(got) != 2 {
		t.Errorf("webhook events: got %v", got)
	}
	if got := cfg.HubSpot.ReplyLifecycleStage; got != "salesqualifiedlead" {
		t.Errorf("hubspot.reply_lifecycle_stage: got %q", got)
	}
	thread, _ := cfg.Campaigns[0].RemindsAfter()
	dm, _ := cfg.Campaigns[0].RemindsDMAfter()
	if thread != 4*time.Hour || dm != 24*time.Hour {
		t.Errorf("reminders: got %v and %v, want 4h and 24h", thread, dm)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"SLACK_API_URL", cfg.Slack.APIURL, "https://slack.com/api/"},
		{"PACER_HTTP_ADDR", cfg.HTTPAddr, "127.0.0.1:8080"},
		{"PACER_DATA_DIR", cfg.DataDir, "./data"},
		{"HUBSPOT_API_URL", cfg.HubSpot.APIURL, "https://api.hubapi.com"},
		{"PACER_LINKEDIN_URL", cfg.LinkedIn.URL, "https://www.linkedin.com"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if cfg.UsesPostgres() {
		t.Error("an empty DATABASE_URL must select SQLite")
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("an empty configuration must be valid: %v", err)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "http_addr: 0.0.0.0:1\nslack:\n  approvers: [U0FILE]\n  api_url: https://slack-gov.com/api\n")
	cfg, err := Load(path, env(map[string]string{
		"PACER_HTTP_ADDR": "127.0.0.1:9999",
		"PACER_APPROVERS": "U0AAA, S0BBB",
		"DATABASE_URL":    "postgres://u:p@127.0.0.1:5432/test",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:9999" {
		t.Errorf("http addr: got %q", cfg.HTTPAddr)
	}
	if got := strings.Join(cfg.Slack.Approvers, ","); got != "U0AAA,S0BBB" {
		t.Errorf("approvers: got %q", got)
	}
	if cfg.Slack.APIURL != "https://slack-gov.com/api/" {
		t.Errorf("api url needs its trailing slash: got %q", cfg.Slack.APIURL)
	}
	if !cfg.UsesPostgres() {
		t.Error("a postgres:// DATABASE_URL must select Postgres")
	}
}

func TestBadFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
	}{
		{"unknown key", "timezone: UTC\nslak:\n  approvers: []\n", `unknown key slak`},
		{"unknown nested key", "accounts:\n  - name: a\n    plan: free\n    limit: {}\n", `unknown key limit`},
		{"malformed", "accounts: [\n", "did not find expected"},
		{"wrong type", "accounts: 3\n", "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tt.body), env(nil))
			if err == nil || !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an ErrFile mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error must be one line: %q", err)
			}
		})
	}
	_, err := Load(filepath.Join(t.TempDir(), "missing.yml"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: got %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	body := `
timezone: Mars/Olympus
accounts:
  - name: anna
    plan: free
    working_hours: {days: [mon, funday], start: "18:00", end: "09:00"}
    limits: {invites_per_week: 250, invites_per_day: 41, notes_per_month: 6, weekly_window: sliding}
  - name: anna
    plan: gold
campaigns:
  - name: c1
    account: nobody
    channel: general
    find_email: psychic
    steps: [view, dance]
    expire_after: 30m
    approvers: [anna.smith]
    viewers: ["#sales"]
  - name: all
    account: anna
    channel: C0ALL
webhooks:
  - name: w
    url: http://hooks.example.com/secret-token
    secret: nope
    events: [invite.exploded]
`
	cfg, err := Load(writeFile(t, body), env(map[string]string{"DATABASE_URL": "mysql://x", "PACER_SECRET_KEY": "c2hvcnQ=",
		"PACER_CONSOLE_TOKEN": "short-token", "PACER_CONSOLE_USER": "S0GROUP"}))
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	wants := []string{
		`timezone (PACER_TIMEZONE) is "Mars/Olympus"`,
		`limits.invites_per_week is 250, above the ceiling of 200`,
		`limits.invites_per_day is 41, above the ceiling of 40`,
		`limits.notes_per_month is 6, above the ceiling of 5`,
		`weekly_window is "sliding"`,
		`days holds "funday"`,
		`ends at 09:00, not after it starts at 18:00`,
		`name "anna" is declared twice`,
		`plan is "gold"`,
		`account is "nobody", which is not declared`,
		`channel is "general"`,
		`find_email is "psychic"`,
		`"dance" is not a step`,
		`expire_after is "30m"`,
		`campaigns[0] (c1).approvers holds "anna.smith"; use Slack user IDs`,
		`campaigns[0] (c1).viewers holds "#sales"; use Slack user IDs`,
		`campaigns[1] (all).name "all" is taken by ` + "`/pacer stop all`",
		`uses http:// on hooks.example.com`,
		`secret must be whsec_`,
		`events holds "invite.exploded"`,
		`DATABASE_URL must be a postgres:// URL`,
		`PACER_SECRET_KEY decodes to 5 bytes, not 32`,
		`PACER_CONSOLE_TOKEN) has 11 characters; use at least 16`,
		`console.user (PACER_CONSOLE_USER) is "S0GROUP"`,
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing problem %q in:\n%v", w, err)
		}
	}
	if len(verr.Problems) != len(wants) {
		t.Errorf("got %d problems, want %d:\n%v", len(verr.Problems), len(wants), err)
	}
	if strings.Contains(err.Error(), "secret-token") || strings.Contains(err.Error(), "short-token") {
		t.Error("the error repeats a secret")
	}
}

func TestExpiresAfter(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": 7 * 24 * time.Hour, "3d": 72 * time.Hour, "36h": 36 * time.Hour, "never": 0} {
		got, ok := Campaign{ExpireAfter: in}.ExpiresAfter()
		if got != want || ok != (want > 0) {
			t.Errorf("expire_after %q: %v %v, want %v %v", in, got, ok, want, want > 0)
		}
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	cfg, err := Load("testdata/design.yml", env(map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-very-secret", "HUBSPOT_TOKEN": "pat-secret-hub",
		"DATABASE_URL": "postgres://u:dbpass@h/db", "PACER_CONSOLE_TOKEN": "console-secret-0123456789",
	}))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	printed := fmt.Sprintf("%v %+v %#v %s", cfg, *cfg, *cfg, js)
	for _, s := range []string{"xoxb-very-secret", "pat-secret-hub", "dbpass", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "hooks.example.com/pacer", "console-secret"} {
		if strings.Contains(printed, s) {
			t.Errorf("secret %q printed", s)
		}
	}
	if cfg.Slack.BotToken.Value() != "xoxb-very-secret" {
		t.Error("Value must return the real secret")
	}
}

func TestParseStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Step
		wantErr bool
	}{
		{"view", Step{Kind: StepView}, false},
		{"like latest post", Step{Kind: StepLike}, false},
		{"Invite with note", Step{Kind: StepInvite}, false},
		{"wait 1d", Step{Kind: StepWait, Min: 24 * 3600e9, Max: 24 * 3600e9}, false},
		{"wait 1–2d", Step{Kind: StepWait, Min: 24 * 3600e9, Max: 48 * 3600e9}, false},
		{"wait 12h", Step{Kind: StepWait, Min: 12 * 3600e9, Max: 12 * 3600e9}, false},
		{"wait 2-1d", Step{}, true},
		{"wait", Step{}, true},
		{"poke", Step{}, true},
	}
	for _, tt := range tests {
		got, err := ParseStep(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseStep(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestEffectiveLimits(t *testing.T) {
	t.Parallel()
	free := DefaultLimits("free", 5)
	if *free.InvitesPerWeek != 100 || *free.InvitesPerDay != 20 || *free.NotesPerMonth != 5 || *free.NoteLength != 200 {
		t.Errorf("free defaults: %+v", free)
	}
	sixDays := Effective("premium", 6, Limits{InvitesPerWeek: new(200)})
	if got := *sixDays.InvitesPerDay; got != 34 {
		t.Errorf("daily from 200/week over 6 days: got %d, want 34 (rounded up)", got)
	}
	capped := Effective("premium", 2, Limits{})
	if got := *capped.InvitesPerDay; got != 40 {
		t.Errorf("daily must stop at the 40 ceiling: got %d", got)
	}
}

func TestUndoWindow(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": 10 * time.Minute, "0": 0, "90s": 90 * time.Second, "1h": time.Hour} {
		if got := (Campaign{UndoWindow: in}).Undo(); got != want {
			t.Errorf("undo_window %q: %v, want %v", in, got, want)
		}
	}
	for _, bad := range []string{"soon", "-1m", "25h"} {
		cfg := &Config{Timezone: "UTC", Campaigns: []Campaign{{Name: "c", UndoWindow: bad}}}
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("undo_window is %q; use a duration such as 10m", bad)) {
			t.Errorf("undo_window %q: %v", bad, err)
		}
	}
}

func TestReminderWaits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		thread, dm   string
		wantThread   time.Duration
		wantDM       time.Duration
		threadOn, on bool
	}{
		{"defaults", "", "", 4 * time.Hour, 24 * time.Hour, true, true},
		{"minutes and days", "90m", "2d", 90 * time.Minute, 48 * time.Hour, true, true},
		{"hours", "2h", "36h", 2 * time.Hour, 36 * time.Hour, true, true},
		{"never", "never", "never", 0, 0, false, false},
	}
	for _, tt := range tests {
		c := Campaign{RemindAfter: tt.thread, RemindDMAfter: tt.dm}
		if got, ok := c.RemindsAfter(); got != tt.wantThread || ok != tt.threadOn {
			t.Errorf("%s: remind_after %q = %v %v, want %v %v", tt.name, tt.thread, got, ok, tt.wantThread, tt.threadOn)
		}
		if got, ok := c.RemindsDMAfter(); got != tt.wantDM || ok != tt.on {
			t.Errorf("%s: remind_dm_after %q = %v %v, want %v %v", tt.name, tt.dm, got, ok, tt.wantDM, tt.on)
		}
	}
}

func TestValidateReminders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Campaign
		want string // "" when valid
	}{
		{"defaults", Campaign{}, ""},
		{"both set", Campaign{RemindAfter: "2h", RemindDMAfter: "1d"}, ""},
		{"never", Campaign{RemindAfter: "never", RemindDMAfter: "never"}, ""},
		{"only the message", Campaign{RemindAfter: "never", RemindDMAfter: "3h"}, ""},
		{"a default after a short expiry is left out", Campaign{ExpireAfter: "12h"}, ""},
		{"not a duration", Campaign{RemindAfter: "soon"},
			`campaigns[0] (c).remind_after is "soon"; use a duration such as 4h, 90m or 1d (at least 1m), or never`},
		{"zero", Campaign{RemindDMAfter: "0"},
			`campaigns[0] (c).remind_dm_after is "0"; use a duration such as 4h, 90m or 1d (at least 1m), or never`},
		{"negative", Campaign{RemindAfter: "-1h"}, `remind_after is "-1h"`},
		{"a range", Campaign{RemindAfter: "1-2d"}, `remind_after is "1-2d"`},
		{"after the expiry", Campaign{RemindAfter: "8d"},
			`campaigns[0] (c).remind_after is 8d, but its proposals expire after 7d (expire_after): nobody would be reminded; make it shorter, or never`},
		{"at the expiry", Campaign{ExpireAfter: "36h", RemindDMAfter: "36h"},
			`campaigns[0] (c).remind_dm_after is 36h, but its proposals expire after 36h (expire_after)`},
		{"the message before the reminder", Campaign{RemindAfter: "1d", RemindDMAfter: "4h"},
			`campaigns[0] (c).remind_dm_after (4h) is not after remind_after (1d): the direct messages follow the reminder in the thread; make it longer, or never`},
	}
	for _, tt := range tests {
		tt.c.Name, tt.c.Account, tt.c.Channel, tt.c.FindEmail = "c", "a", "C0CAMPAIGN", "none"
		cfg := &Config{Accounts: []Account{{Name: "a", Plan: "free"}}, Campaigns: []Campaign{tt.c}}
		cfg.fillDefaults()
		err := cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v, want no problem", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v\nwant a problem saying %q", tt.name, err, tt.want)
		}
	}
}

func TestFollowUpsAreValidated(t *testing.T) {
	t.Parallel()
	cfg := &Config{Timezone: "UTC", Campaigns: []Campaign{{Name: "c", FollowUps: []FollowUp{
		{After: "2d", Message: "Thanks, {{first_name}}"},
		{After: "soon", Message: " "},
	}}}}
	err := cfg.Validate()
	for _, want := range []string{`follow_ups[1].after is "soon"`, "follow_ups[1].message is empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want it to say %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "follow_ups[0]") {
		t.Errorf("a valid follow-up was refused: %v", err)
	}
	if got := cfg.Campaigns[0].FollowUps[0].Wait(); got != 48*time.Hour {
		t.Errorf("wait of 2d: %v", got)
	}
}

// TestRolesOf: a campaign's own approvers and viewers win; a list it
// leaves empty is the team's; with no viewer anywhere it is open.
func TestRolesOf(t *testing.T) {
	t.Parallel()
	cfg := &Config{
		Slack: Slack{Approvers: []string{"U0LEAD", "S0LEADS"}},
		Campaigns: []Campaign{
			{Name: "cto", Approvers: []string{"U0ANNA"}, Viewers: []string{"U0INTERN", "S0SALES"}},
			{Name: "ops"},
		},
	}
	tests := []struct {
		name, campaign     string
		approvers, viewers string
		open               bool
		report             string
	}{
		{"its own lists", "cto", "U0ANNA", "U0INTERN,S0SALES", false,
			"campaign cto: decided by U0ANNA (campaigns[0].approvers); seen by its approvers and U0INTERN, S0SALES (campaigns[0].viewers)"},
		{"the team's approvers, open to all", "ops", "U0LEAD,S0LEADS", "", true,
			"campaign ops: decided by U0LEAD, S0LEADS (slack.approvers); seen by its approvers and anyone in the workspace (no viewer is listed)"},
	}
	report := strings.Join(cfg.RolesReport(), "\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cfg.RolesOf(tt.campaign)
			if got := strings.Join(r.Approvers, ","); got != tt.approvers {
				t.Errorf("approvers: got %q, want %q", got, tt.approvers)
			}
			if got := strings.Join(r.Viewers, ","); got != tt.viewers {
				t.Errorf("viewers: got %q, want %q", got, tt.viewers)
			}
			if r.Open() != tt.open {
				t.Errorf("open: got %v, want %v", r.Open(), tt.open)
			}
			if !strings.Contains(report, tt.report) {
				t.Errorf("the report lacks %q:\n%s", tt.report, report)
			}
		})
	}
	cfg.Slack.Viewers = []string{"U0BOARD"}
	if r := cfg.RolesOf("ops"); r.Open() || strings.Join(r.Viewers, ",") != "U0BOARD" || r.ViewersFrom != "slack.viewers" {
		t.Errorf("with slack.viewers, ops is seen by %v (%s), want U0BOARD from slack.viewers", r.Viewers, r.ViewersFrom)
	}
	cfg.Slack.Approvers = nil
	if got := cfg.RolesReport()[1]; !strings.Contains(got, "decided by nobody") {
		t.Errorf("without any approver: %q", got)
	}
	if got := strings.Join(cfg.ApproverIDs(), ","); got != "U0ANNA" {
		t.Errorf("approver IDs: got %q, want U0ANNA (groups are not user IDs)", got)
	}
}

func TestReplyLifecycleStageIsValidated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stage string
		want        string // "" when valid
	}{
		{"unset keeps the stage", "", ""},
		{"a default stage", "salesqualifiedlead", ""},
		{"a custom stage's numeric value", "1234567", ""},
		{"the label, not the value", "Sales Qualified Lead",
			`hubspot.reply_lifecycle_stage is "Sales Qualified Lead"; use the stage's internal value, lower-case letters and digits (e.g. salesqualifiedlead;`},
		{"upper case", "SALESQUALIFIEDLEAD", `hubspot.reply_lifecycle_stage is "SALESQUALIFIEDLEAD"`},
		{"blank", " ", `hubspot.reply_lifecycle_stage is " "`},
		{"punctuation", "sales-qualified", `hubspot.reply_lifecycle_stage is "sales-qualified"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse([]byte("hubspot:\n  enabled: true\n  reply_lifecycle_stage: \""+tt.stage+"\"\n"), "pacer.yml", env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HubSpot.ReplyLifecycleStage != tt.stage {
				t.Fatalf("ReplyLifecycleStage = %q, want %q", cfg.HubSpot.ReplyLifecycleStage, tt.stage)
			}
			err = cfg.Validate()
			switch {
			case tt.want == "" && err != nil && strings.Contains(err.Error(), "reply_lifecycle_stage"):
				t.Errorf("Validate: %v, want no problem with the stage", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v\nwant a problem saying %q", err, tt.want)
			}
		})
	}
}

func TestReplyLifecycleStageWithoutHubSpotIsAWarning(t *testing.T) {
	t.Parallel()
	cfg := &Config{HubSpot: HubSpot{ReplyLifecycleStage: "salesqualifiedlead"}}
	want := "hubspot.reply_lifecycle_stage is set but hubspot.enabled is false"
	if w := strings.Join(cfg.Warnings(), "\n"); !strings.Contains(w, want) {
		t.Errorf("Warnings() = %q, want one saying %q", w, want)
	}
	cfg.HubSpot.Enabled = true
	if w := strings.Join(cfg.Warnings(), "\n"); strings.Contains(w, "reply_lifecycle_stage") {
		t.Errorf("Warnings() = %q, want none about the stage with HubSpot enabled", w)
	}
}

// TestNoteVariants: a campaign's notes are named variants, checked for
// names a person can tell apart; note alone is the one variant "default".
func TestNoteVariants(t *testing.T) {
	t.Parallel()
	many := make([]NoteVariant, MaxNoteVariants+1)
	for i := range many {
		many[i] = NoteVariant{Name: fmt.Sprintf("v%d", i), Note: "Hi"}
	}
	tests := []struct {
		name  string
		cp    Campaign
		wants []string // empty: valid
	}{
		{"note alone", Campaign{Note: "Hi {{first_name}}"}, nil},
		{"variants with no note", Campaign{Notes: []NoteVariant{{Name: "short", Note: "Hi"}, {Name: "none"}}}, nil},
		{"both", Campaign{Note: "Hi", Notes: []NoteVariant{{Name: "short", Note: "Hi"}}},
			[]string{"sets both note and notes", "move note into notes"}},
		{"same name twice", Campaign{Notes: []NoteVariant{{Name: "short", Note: "Hi"}, {Name: "short", Note: "Hello"}}},
			[]string{`notes[1].name "short" is used twice`}},
		{"no name", Campaign{Notes: []NoteVariant{{Note: "Hi"}}}, []string{"notes[0].name is empty"}},
		{"adaptive", Campaign{NotesMode: NotesAdaptive, Notes: []NoteVariant{{Name: "a", Note: "Hi"}, {Name: "b"}}}, nil},
		{"adaptive with one note", Campaign{NotesMode: NotesAdaptive, Note: "Hi"}, []string{"notes_mode is adaptive but the campaign has 0 note variants"}},
		{"unknown mode", Campaign{NotesMode: "smart", Note: "Hi"}, []string{`notes_mode is "smart"; use random (the default) or adaptive`}},
		{"too many", Campaign{Notes: many}, []string{"notes has 11 variants; use at most 10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cp.Name = "c"
			err := (&Config{Timezone: "UTC", Campaigns: []Campaign{tt.cp}}).Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if len(tt.wants) == 0 && strings.Contains(got, "notes") {
				t.Errorf("Validate: %v, want the notes accepted", err)
			}
			for _, want := range tt.wants {
				if !strings.Contains(got, want) {
					t.Errorf("Validate: %v, want it to say %q", err, want)
				}
			}
		})
	}
	got := Campaign{Note: "Hi"}.Variants()
	if want := []NoteVariant{{Name: DefaultVariant, Note: "Hi"}}; !slices.Equal(got, want) {
		t.Errorf("Variants of note alone: %v, want %v", got, want)
	}
}
