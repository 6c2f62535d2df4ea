package config

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pacerhq/pacer/pacertype"
)

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ValidationError lists every problem found in a configuration.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "config: " + e.Problems[0]
	}
	return fmt.Sprintf("config: %d problems:\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// Validate checks the whole configuration and returns a *ValidationError
// listing every problem, or nil.
func (c *Config) Validate() error {
	v := &validator{}
	v.timezone("timezone (PACER_TIMEZONE)", c.Timezone)
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		v.addf("http_addr (PACER_HTTP_ADDR) is %q; use host:port, e.g. %s", c.HTTPAddr, DefaultHTTPAddr)
	}
	if c.DatabaseURL.IsSet() {
		if !c.UsesPostgres() {
			v.addf("DATABASE_URL must be a postgres:// URL, or empty to use the embedded SQLite database")
		} else if u, err := url.Parse(c.DatabaseURL.Value()); err != nil || u.Host == "" {
			v.addf("DATABASE_URL cannot be parsed as a postgres:// URL; use postgres://user:password@host:5432/dbname")
		}
	}
	if _, err := c.SecretKeyBytes(); err != nil {
		v.add(strings.TrimPrefix(err.Error(), "config: "))
	}
	v.httpURL("slack.api_url (SLACK_API_URL)", c.Slack.APIURL)
	v.httpURL("hubspot.api_url (HUBSPOT_API_URL)", c.HubSpot.APIURL)
	v.httpURL("hunter.api_url (HUNTER_API_URL)", c.Hunter.APIURL)
	if st := c.HubSpot.ReplyLifecycleStage; st != "" && !lifecycleStagePattern.MatchString(st) {
		v.addf("hubspot.reply_lifecycle_stage is %q; use the stage's internal value, lower-case letters and digits (e.g. salesqualifiedlead; "+
			"a custom stage's is digits: copy its internal ID from the Lifecycle Stage property's settings in HubSpot), or leave it empty to keep the stage", st)
	}
	v.httpURL("linkedin.url (PACER_LINKEDIN_URL)", c.LinkedIn.URL)
	if t := c.Slack.BotToken.Value(); t != "" && !strings.HasPrefix(t, "xoxb-") {
		v.addf("SLACK_BOT_TOKEN does not start with xoxb-; copy the Bot User OAuth Token from the app's OAuth & Permissions page")
	}
	if t := c.Slack.AppToken.Value(); t != "" && !strings.HasPrefix(t, "xapp-") {
		v.addf("SLACK_APP_TOKEN does not start with xapp-; create an app-level token with the connections:write scope")
	}
	v.slackIDs("slack.approvers (PACER_APPROVERS)", c.Slack.Approvers)
	v.slackIDs("slack.viewers (PACER_VIEWERS)", c.Slack.Viewers)
	v.clock("slack.digest_time", c.Slack.DigestTime)
	if t := c.Console.Token.Value(); t != "" && len(t) < minConsoleToken {
		v.addf("console.token (PACER_CONSOLE_TOKEN) has %d characters; use at least %d, e.g. `openssl rand -hex 16`", len(t), minConsoleToken)
	}
	if u := c.Console.User; u != "" && !userIDPattern.MatchString(u) {
		v.addf("console.user (PACER_CONSOLE_USER) is %q; use the Slack user ID (U…) of an approver", u)
	}
	if c.LinkedIn.Concurrency < 1 {
		v.addf("linkedin.concurrency is %d; set at least 1", c.LinkedIn.Concurrency)
	}
	c.validateAccounts(v)
	c.validateCampaigns(v)
	c.validateWebhooks(v)
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// lifecycleStagePattern is the form of HubSpot's internal values of
// lifecycle stages: "salesqualifiedlead", or digits for a custom stage.
var lifecycleStagePattern = regexp.MustCompile(`^[a-z0-9]+$`)

var (
	slackIDPattern   = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)
	userIDPattern    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	channelPattern   = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
	namePattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	clockPattern     = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
	nameRequirements = "use lower-case letters, digits, '-' or '_' (it is typed in Slack commands)"
)

func (c *Config) validateAccounts(v *validator) {
	seen := map[string]bool{}
	for i, a := range c.Accounts {
		where := fmt.Sprintf("accounts[%d]", i)
		if a.Name != "" {
			where = fmt.Sprintf("accounts[%d] (%s)", i, a.Name)
		}
		v.name(where, a.Name, seen)
		if !slices.Contains(Plans, a.Plan) {
			v.addf("%s.plan is %q; use one of %s", where, a.Plan, strings.Join(Plans, ", "))
		}
		if a.Timezone != c.Timezone { // an inherited timezone is reported once, above
			v.timezone(where+".timezone", a.Timezone)
		}
		for _, d := range a.WorkingHours.Days {
			if _, ok := weekdays[strings.ToLower(d)]; !ok {
				v.addf("%s.working_hours.days holds %q; use mon, tue, wed, thu, fri, sat, sun", where, d)
			}
		}
		start, okStart := v.clock(where+".working_hours.start", a.WorkingHours.Start)
		end, okEnd := v.clock(where+".working_hours.end", a.WorkingHours.End)
		if okStart && okEnd && end <= start {
			v.addf("%s.working_hours ends at %s, not after it starts at %s; set an end later than the start", where, a.WorkingHours.End, a.WorkingHours.Start)
		}
		if slices.Contains(Plans, a.Plan) {
			v.problems = append(v.problems, validateLimits(where+".limits", a.Plan, a.Limits)...)
		}
	}
}

func (c *Config) validateCampaigns(v *validator) {
	seen := map[string]bool{}
	for i, cp := range c.Campaigns {
		where := fmt.Sprintf("campaigns[%d]", i)
		if cp.Name != "" {
			where = fmt.Sprintf("campaigns[%d] (%s)", i, cp.Name)
		}
		v.name(where, cp.Name, seen)
		c.validateSenders(v, where, cp)
		if !channelPattern.MatchString(cp.Channel) {
			v.addf("%s.channel is %q; use the channel's ID (C…), shown in Slack under the channel's details", where, cp.Channel)
		}
		if finders := pacertype.EmailFinders(); !slices.Contains(finders, cp.FindEmail) {
			v.addf("%s.find_email is %q; use one of %s", where, cp.FindEmail, strings.Join(finders, ", "))
		}
		if cp.FindEmail == pacertype.FinderHunter && !c.Hunter.APIKey.IsSet() {
			v.addf("%s.find_email is hunter but HUNTER_API_KEY is not set; set it or choose contact_info", where)
		}
		for _, s := range cp.Steps {
			if _, err := ParseStep(s); err != nil {
				v.addf("%s.steps: %v", where, err)
			}
		}
		if cp.ProposeAt != "" {
			v.clock(where+".propose_at", cp.ProposeAt)
		}
		if e := cp.ExpireAfter; e != "" && e != "never" {
			if lo, hi, ok := parseWait(e); !ok || lo != hi || lo < time.Hour {
				v.addf("%s.expire_after is %q; use a number of days or hours such as 7d or 36h (at least 1h), or never", where, e)
			}
		}
		if u := cp.UndoWindow; u != "" {
			if d, err := time.ParseDuration(u); err != nil || d < 0 || d > maxUndoWindow {
				v.addf("%s.undo_window is %q; use a duration such as 10m or 1h (at most 24h), or 0 to send approved batches at once", where, u)
			}
		}
		validateReminders(v, where, cp)
		validateNotes(v, where, cp)
		for j, f := range cp.FollowUps {
			at := fmt.Sprintf("%s.follow_ups[%d]", where, j)
			if f.Wait() <= 0 {
				v.addf("%s.after is %q; use a number of days or hours such as 2d or 36h (at least 1h)", at, f.After)
			}
			if strings.TrimSpace(f.Message) == "" {
				v.addf("%s.message is empty; write the message to send, with variables such as {{first_name}}", at)
			}
		}
		v.slackIDs(where+".approvers", cp.Approvers)
		v.slackIDs(where+".viewers", cp.Viewers)
		if cp.BatchSize < 0 {
			v.addf("%s.batch_size is %d; use a positive number, or remove it to size batches by quota", where, cp.BatchSize)
		}
	}
}

// validateSenders checks a campaign's sending accounts: account or
// senders, each declared once under accounts. (Whether every sender has the
// fields its templates use is checked with the templates, by config check.)
func (c *Config) validateSenders(v *validator, where string, cp Campaign) {
	switch {
	case cp.Account != "" && len(cp.Senders) > 0:
		v.addf("%s sets both account and senders; list the account under senders, or remove senders", where)
		return
	case cp.Account == "" && len(cp.Senders) == 0:
		v.addf("%s has no sending account; set account (one of: %s) or senders (several)", where, strings.Join(c.accountNames(), ", "))
		return
	}
	field := "account"
	if len(cp.Senders) > 0 {
		field = "senders"
	}
	seen := map[string]bool{}
	for _, name := range cp.SenderNames() {
		if seen[name] {
			v.addf("%s.%s lists %q twice; list each account once", where, field, name)
			continue
		}
		seen[name] = true
		if _, ok := c.Account(name); !ok {
			verb := "names"
			if field == "account" {
				verb = "is"
			}
			v.addf("%s.%s %s %q, which is not declared under accounts; use one of: %s", where, field, verb, name, strings.Join(c.accountNames(), ", "))
		}
	}
}

// validateNotes checks a campaign's note variants: note or notes, each
// variant named once, and few enough to compare.
func validateNotes(v *validator, where string, cp Campaign) {
	if cp.Note != "" && len(cp.Notes) > 0 {
		v.addf("%s sets both note and notes; move note into notes as a variant ({name: default, note: ...}) or remove notes", where)
	}
	if len(cp.Notes) > MaxNoteVariants {
		v.addf("%s.notes has %d variants; use at most %d, so that each is sent often enough to compare", where, len(cp.Notes), MaxNoteVariants)
	}
	switch cp.NotesMode {
	case "", NotesRandom:
	case NotesAdaptive:
		if len(cp.Notes) < 2 {
			v.addf("%s.notes_mode is adaptive but the campaign has %d note variants; list at least two under notes to choose between", where, len(cp.Notes))
		}
	default:
		v.addf("%s.notes_mode is %q; use random (the default) or adaptive", where, cp.NotesMode)
	}
	seen := map[string]bool{}
	for i, n := range cp.Notes {
		switch name := strings.TrimSpace(n.Name); {
		case name == "":
			v.addf("%s.notes[%d].name is empty; name each variant (short, none, ...) to tell it apart in the statistics", where, i)
		case seen[name]:
			v.addf("%s.notes[%d].name %q is used twice; give each variant its own name", where, i, name)
		default:
			seen[name] = true
		}
	}
}

// validateReminders checks the reminder waits a campaign sets: each one a
// duration or never, before its proposals expire, and the direct messages
// after the reminder in the thread. A default that comes after a short
// expire_after is not a problem: it simply never fires.
func validateReminders(v *validator, where string, cp Campaign) {
	set := map[string]string{"remind_after": cp.RemindAfter, "remind_dm_after": cp.RemindDMAfter}
	for _, key := range []string{"remind_after", "remind_dm_after"} {
		if s := set[key]; s != "" && s != "never" {
			if _, ok := parseAfter(s); !ok {
				v.addf("%s.%s is %q; use a duration such as 4h, 90m or 1d (at least 1m), or never", where, key, s)
				delete(set, key)
			}
		}
	}
	expire, expires := cp.ExpiresAfter()
	for _, key := range []string{"remind_after", "remind_dm_after"} {
		if d, ok := parseAfter(set[key]); ok && expires && d >= expire {
			v.addf("%s.%s is %s, but its proposals expire after %s (expire_after): nobody would be reminded; make it shorter, or never",
				where, key, set[key], cmp.Or(cp.ExpireAfter, DefaultExpireAfter))
		}
	}
	thread, ok1 := parseAfter(set["remind_after"])
	dm, ok2 := parseAfter(set["remind_dm_after"])
	if ok1 && ok2 && dm <= thread {
		v.addf("%s.remind_dm_after (%s) is not after remind_after (%s): the direct messages follow the reminder in the thread; make it longer, or never",
			where, set["remind_dm_after"], set["remind_after"])
	}
}

func (c *Config) validateWebhooks(v *validator) {
	seen := map[string]bool{}
	for i, w := range c.Webhooks {
		where := fmt.Sprintf("webhooks[%d]", i)
		if w.Name != "" {
			where = fmt.Sprintf("webhooks[%d] (%s)", i, w.Name)
		}
		v.name(where, w.Name, seen)
		if err := CheckWebhookURL(w.URL.Value()); err != nil {
			v.addf("%s.url: %v", where, err)
		}
		key, ok := strings.CutPrefix(w.Secret.Value(), "whsec_")
		if _, err := base64.StdEncoding.DecodeString(key); !ok || err != nil || key == "" {
			v.addf("%s.secret must be whsec_ followed by base64 (Standard Webhooks); generate one with `echo whsec_$(openssl rand -base64 32)`", where)
		}
		types := strings.Join(pacertype.EventTypeNames(), ", ")
		if len(w.Events) == 0 {
			v.addf("%s.events is empty; list the events it receives: %s", where, types)
		}
		for _, e := range w.Events {
			if !pacertype.EventType(e).Public() {
				v.addf("%s.events holds %q; use any of %s", where, e, types)
			}
		}
	}
}

// minConsoleToken is the shortest console token accepted: it guards a page
// that approves invitations.
const minConsoleToken = 16

// SlackConfigured reports whether any of Slack's credentials is set: the
// team means to use Slack, and what is missing of it is a problem to
// report, not a reason to fall back to the console.
func (c *Config) SlackConfigured() bool {
	return c.Slack.BotToken.IsSet() || c.Slack.AppToken.IsSet() || c.Slack.SigningSecret.IsSet()
}

// Warnings lists settings that are valid but probably not what the team
// wants; `pacer config check` prints them and `pacer serve` logs them.
func (c *Config) Warnings() []string {
	var w []string
	if c.HubSpot.Enabled && !c.HubSpot.Token.IsSet() {
		w = append(w, "hubspot.enabled is true but HUBSPOT_TOKEN is not set: nothing will sync to HubSpot until it is set to a private-app token")
	}
	if !c.HubSpot.Enabled && c.HubSpot.ReplyLifecycleStage != "" {
		w = append(w, "hubspot.reply_lifecycle_stage is set but hubspot.enabled is false: no contact's stage will change until HubSpot is enabled")
	}
	if !c.SecretKey.IsSet() {
		w = append(w, "PACER_SECRET_KEY is not set: LinkedIn sessions cannot be stored; generate one with `openssl rand -base64 32`")
	}
	return w
}

// CheckWebhookURL accepts https:// URLs, and http:// only on a loopback
// address for local development. Its errors never repeat the URL, which may
// hold a secret.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("not a valid URL; use https://host/path")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("uses http:// on %s; webhooks must use https:// (plain http is allowed only on loopback addresses)", host)
	default:
		return fmt.Errorf("uses the scheme %q; use https://", u.Scheme)
	}
}

func (c *Config) accountNames() []string {
	names := make([]string, len(c.Accounts))
	for i, a := range c.Accounts {
		names[i] = a.Name
	}
	if len(names) == 0 {
		return []string{"(no accounts declared)"}
	}
	return names
}

type validator struct {
	problems []string
}

func (v *validator) add(p string) { v.problems = append(v.problems, p) }

func (v *validator) addf(format string, args ...any) { v.add(fmt.Sprintf(format, args...)) }

func (v *validator) name(where, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.addf("%s.name is missing; %s", where, nameRequirements)
	case !namePattern.MatchString(name):
		v.addf("%s.name %q is not usable; %s", where, name, nameRequirements)
	case name == reservedName:
		v.addf("%s.name %q is taken by `/pacer stop all` and `/pacer resume all`; choose another name", where, name)
	case seen[name]:
		v.addf("%s.name %q is declared twice; names must be unique", where, name)
	}
	seen[name] = true
}

// reservedName is what `/pacer stop all` and `/pacer resume all` say: no
// account or campaign may be called so.
const reservedName = "all"

// slackIDs checks a list of Slack user and user-group IDs.
func (v *validator) slackIDs(where string, ids []string) {
	for _, id := range ids {
		if !slackIDPattern.MatchString(id) {
			v.addf("%s holds %q; use Slack user IDs (U…/W…) or user-group IDs (S…), not names", where, id)
		}
	}
}

func (v *validator) timezone(where, tz string) {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" {
		v.addf("%s is %q, which is not a known timezone; use an IANA name such as Europe/Berlin", where, tz)
	}
}

func (v *validator) httpURL(where, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.addf("%s is not an http(s) URL; use e.g. https://host/", where)
	}
}

// clock checks an "HH:MM" value and returns it as minutes after midnight.
func (v *validator) clock(where, value string) (int, bool) {
	m, err := ParseClock(value)
	if err != nil {
		v.addf("%s is %q; use a 24-hour time such as 09:00", where, value)
		return 0, false
	}
	return m, true
}

// ParseClock parses "HH:MM" into minutes after midnight.
func ParseClock(value string) (int, error) {
	if !clockPattern.MatchString(value) {
		return 0, fmt.Errorf("config: %q is not a 24-hour time such as 09:00", value)
	}
	t, _ := time.Parse("15:04", value)
	return t.Hour()*60 + t.Minute(), nil
}

// Weekday parses a day name as the configuration writes it ("mon").
func Weekday(name string) (time.Weekday, bool) {
	d, ok := weekdays[strings.ToLower(name)]
	return d, ok
}
