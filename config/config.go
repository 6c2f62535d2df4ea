package config

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pacerhq/pacer/pacertype"
)

// Config is Pacer's whole configuration. Load fills it from a YAML file and
// the environment; Validate checks it.
type Config struct {
	// Timezone is the default for accounts and digests (an IANA name).
	Timezone string `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	// HTTPAddr is where `pacer serve` listens (health, metrics, Slack HTTP mode).
	HTTPAddr string `yaml:"http_addr,omitempty" json:"http_addr,omitempty"`
	// DatabaseURL selects Postgres when it is a postgres:// URL; empty selects
	// the embedded SQLite file in DataDir. It may hold a password.
	DatabaseURL Secret `yaml:"database_url,omitempty" json:"database_url,omitempty"`
	// DataDir holds the SQLite database and other local state.
	DataDir string `yaml:"data_dir,omitempty" json:"data_dir,omitempty"`
	// SecretKey (32 bytes, base64) encrypts stored LinkedIn sessions.
	SecretKey Secret `yaml:"secret_key,omitempty" json:"secret_key,omitempty"`

	Slack     Slack      `yaml:"slack,omitempty" json:"slack"`
	LinkedIn  LinkedIn   `yaml:"linkedin,omitempty" json:"linkedin"`
	HubSpot   HubSpot    `yaml:"hubspot,omitempty" json:"hubspot"`
	Hunter    Hunter     `yaml:"hunter,omitempty" json:"hunter"`
	Accounts  []Account  `yaml:"accounts,omitempty" json:"accounts"`
	Campaigns []Campaign `yaml:"campaigns,omitempty" json:"campaigns"`
	Webhooks  []Webhook  `yaml:"webhooks,omitempty" json:"webhooks"`
	Console   Console    `yaml:"console,omitempty" json:"console"`

	// SimAddr is where `pacer serve --sim` runs its LinkedIn simulator.
	SimAddr string `yaml:"sim_addr,omitempty" json:"sim_addr,omitempty"`
}

// Slack holds the Slack app's credentials and the team's Slack set-up.
type Slack struct {
	BotToken      Secret `yaml:"bot_token,omitempty" json:"bot_token,omitempty"`
	AppToken      Secret `yaml:"app_token,omitempty" json:"app_token,omitempty"`
	SigningSecret Secret `yaml:"signing_secret,omitempty" json:"signing_secret,omitempty"`
	APIURL        string `yaml:"api_url,omitempty" json:"api_url,omitempty"`
	// TeamID is the installed workspace; payloads from another are refused.
	TeamID string `yaml:"team_id,omitempty" json:"team_id,omitempty"`
	// Approvers are user IDs (U…, W…) and user-group IDs (S…) who decide
	// the proposals of every campaign that lists no approvers of its own.
	Approvers []string `yaml:"approvers,omitempty" json:"approvers,omitempty"`
	// Viewers (user and user-group IDs) may look at every campaign that
	// lists no viewers of its own: read-only commands, the App Home. When
	// neither lists any, anyone in the workspace may look.
	Viewers []string `yaml:"viewers,omitempty" json:"viewers,omitempty"`
	// DigestTime is the local time ("HH:MM") of the daily quota digest.
	DigestTime string `yaml:"digest_time,omitempty" json:"digest_time,omitempty"`
}

// Console is the local console: a web page served by `pacer serve` at
// /console that stands in for Slack, for one approver on this machine. The
// try-out (`serve --sim` without Slack's credentials) turns it on by
// itself; elsewhere a token turns it on.
type Console struct {
	// Token turns the console on outside the try-out and must be given to
	// open it (PACER_CONSOLE_TOKEN).
	Token Secret `yaml:"token,omitempty" json:"token,omitempty"`
	// User is the Slack user ID of the approver the console acts as
	// (PACER_CONSOLE_USER); it must be listed by ID among the approvers
	// (slack.approvers or a campaign's).
	User string `yaml:"user,omitempty" json:"user,omitempty"`
}

// LinkedIn holds where and how the executor reaches LinkedIn.
type LinkedIn struct {
	URL       string `yaml:"url,omitempty" json:"url,omitempty"`
	ChromeBin string `yaml:"chrome_bin,omitempty" json:"chrome_bin,omitempty"`
	// BrowserURL connects to a remote browser (ws://…) instead of launching one.
	BrowserURL string `yaml:"browser_url,omitempty" json:"browser_url,omitempty"`
	// Concurrency is how many accounts may act at once (browser contexts).
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	// Selectors overrides the embedded selector data with a YAML file.
	Selectors string `yaml:"selectors,omitempty" json:"selectors,omitempty"`
}

// HubSpot holds the CRM integration's settings.
type HubSpot struct {
	Enabled bool   `yaml:"enabled,omitempty" json:"enabled"`
	Token   Secret `yaml:"token,omitempty" json:"token,omitempty"`
	APIURL  string `yaml:"api_url,omitempty" json:"api_url,omitempty"`
	// ReplyLifecycleStage is the lifecycle stage a contact moves to when
	// the prospect replies (HubSpot's internal value, such as
	// "salesqualifiedlead"); empty leaves the stage as it is.
	ReplyLifecycleStage string `yaml:"reply_lifecycle_stage,omitempty" json:"reply_lifecycle_stage,omitempty"`
}

// Hunter holds the Hunter email finder's settings.
type Hunter struct {
	APIKey Secret `yaml:"api_key,omitempty" json:"api_key,omitempty"`
	APIURL string `yaml:"api_url,omitempty" json:"api_url,omitempty"`
}

// Account is one LinkedIn account that sends invitations.
type Account struct {
	Name string `yaml:"name" json:"name"`
	// FirstName and LastName are the member's own name as prospects see it,
	// for note templates ({{sender_first_name}}, {{.Sender.FirstName}}).
	FirstName    string       `yaml:"first_name,omitempty" json:"first_name,omitempty"`
	LastName     string       `yaml:"last_name,omitempty" json:"last_name,omitempty"`
	Plan         string       `yaml:"plan" json:"plan"`
	Timezone     string       `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	WorkingHours WorkingHours `yaml:"working_hours,omitempty" json:"working_hours"`
	Limits       Limits       `yaml:"limits,omitempty" json:"limits"`
}

// WorkingHours are the days and local hours in which an account acts.
type WorkingHours struct {
	Days  []string `yaml:"days,omitempty" json:"days,omitempty"`
	Start string   `yaml:"start,omitempty" json:"start,omitempty"`
	End   string   `yaml:"end,omitempty" json:"end,omitempty"`
}

// Campaign is a named stream of prospects sent by one account, or shared
// among several (Senders).
type Campaign struct {
	Name string `yaml:"name" json:"name"`
	// Account is the sending account; a campaign of several sets Senders
	// instead.
	Account string `yaml:"account,omitempty" json:"account,omitempty"`
	// Senders are the accounts that share the campaign: each prospect is
	// given to one of them (see SenderNames). Set account or senders.
	Senders []string `yaml:"senders,omitempty" json:"senders,omitempty"`
	Channel string   `yaml:"channel" json:"channel"`
	// Note is the invitation note template ({{first_name}}, {{company|fallback}}).
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
	// Notes are named note templates, one given at random to each prospect
	// so that their acceptance can be compared; a variant with an empty
	// note sends no note. Set note or notes, not both.
	Notes []NoteVariant `yaml:"notes,omitempty" json:"notes,omitempty"`
	// NotesMode is how each prospect's variant is chosen: NotesRandom
	// (the default: uniformly) or NotesAdaptive (Thompson sampling on the
	// acceptances so far, shifting new prospects to the better variants).
	NotesMode string `yaml:"notes_mode,omitempty" json:"notes_mode,omitempty"`
	// Steps is the sequence each prospect goes through; default: invite.
	Steps []string `yaml:"steps,omitempty" json:"steps,omitempty"`
	// FindEmail is contact_info, hunter or none.
	FindEmail string `yaml:"find_email,omitempty" json:"find_email,omitempty"`
	// SendWithoutNote allows an invitation to go without its note when the
	// account has no personalized notes left this month.
	SendWithoutNote bool `yaml:"send_without_note,omitempty" json:"send_without_note"`
	// EmailWhenAsked lets an invitation give the prospect's email address,
	// when one is known, if LinkedIn asks for it before it lets the account
	// connect. Off by default: the invitation is then skipped.
	EmailWhenAsked bool `yaml:"email_when_asked,omitempty" json:"email_when_asked"`
	// ProposeAt is the local time ("HH:MM") at which proposals come by themselves.
	ProposeAt string `yaml:"propose_at,omitempty" json:"propose_at,omitempty"`
	// BatchSize caps the number of prospects in one proposal.
	BatchSize int `yaml:"batch_size,omitempty" json:"batch_size,omitempty"`
	// ExpireAfter is how long a proposal stays open without a decision or
	// an edit ("7d", "36h", or "never"; default DefaultExpireAfter). An
	// expired proposal's prospects go back to the queue, which lets the
	// next proposal come.
	ExpireAfter string `yaml:"expire_after,omitempty" json:"expire_after,omitempty"`
	// UndoWindow is how long after an approval nothing of the batch is
	// sent, so that the approver can still undo it ("10m", "1h"; "0" sends
	// at once; default DefaultUndoWindow).
	UndoWindow string `yaml:"undo_window,omitempty" json:"undo_window,omitempty"`
	// FollowUps are the messages sent after an invitation is accepted, in
	// order, each proposed for approval once due; a reply stops them.
	FollowUps []FollowUp `yaml:"follow_ups,omitempty" json:"follow_ups,omitempty"`
	// RemindAfter is how long a proposal waits for a decision before the
	// approvers are reminded in its thread ("4h", "90m", "1d", or "never";
	// default DefaultRemindAfter).
	RemindAfter string `yaml:"remind_after,omitempty" json:"remind_after,omitempty"`
	// RemindDMAfter is how long it waits before each approver is written
	// to directly (same form; default DefaultRemindDMAfter).
	RemindDMAfter string `yaml:"remind_dm_after,omitempty" json:"remind_dm_after,omitempty"`
	// Approvers decide the campaign's proposals (user IDs U…/W… and
	// user-group IDs S…); empty: slack.approvers decide them.
	Approvers []string `yaml:"approvers,omitempty" json:"approvers,omitempty"`
	// Viewers may look at the campaign but not decide; empty:
	// slack.viewers. See Config.RolesOf.
	Viewers []string `yaml:"viewers,omitempty" json:"viewers,omitempty"`
}

// SenderNames are the campaign's sending accounts, in configuration order:
// its senders, or its one account. The first is the campaign's primary
// account (models.Campaign.AccountID).
func (c Campaign) SenderNames() []string {
	if len(c.Senders) > 0 {
		return c.Senders
	}
	if c.Account == "" {
		return nil
	}
	return []string{c.Account}
}

// HasSender tells whether the account sends for the campaign.
func (c Campaign) HasSender(account string) bool {
	return slices.Contains(c.SenderNames(), account)
}

// DefaultExpireAfter is how long a proposal waits for a decision by
// default: a week, after which its forecast and its prospects' standing
// are out of date.
const DefaultExpireAfter = "7d"

// ExpiresAfter is how long a proposal of the campaign stays open without a
// decision or an edit; false when it never expires.
func (c Campaign) ExpiresAfter() (time.Duration, bool) {
	v := c.ExpireAfter
	if v == "" {
		v = DefaultExpireAfter
	}
	lo, hi, ok := parseWait(v)
	if !ok || lo != hi || lo <= 0 {
		return 0, false // "never" (anything else is refused by Validate)
	}
	return lo, true
}

// Reminders of an undecided proposal, by default: in its thread after
// half a working day, to each approver directly after a day, both well
// before it expires (DefaultExpireAfter).
const (
	DefaultRemindAfter   = "4h"
	DefaultRemindDMAfter = "1d"
)

// RemindsAfter is how long a proposal of the campaign waits for a decision
// before the approvers are reminded in its thread; false when never.
func (c Campaign) RemindsAfter() (time.Duration, bool) {
	return parseAfter(cmp.Or(c.RemindAfter, DefaultRemindAfter))
}

// RemindsDMAfter is how long a proposal of the campaign waits for a
// decision before each approver is written to directly; false when never.
func (c Campaign) RemindsDMAfter() (time.Duration, bool) {
	return parseAfter(cmp.Or(c.RemindDMAfter, DefaultRemindDMAfter))
}

// parseAfter reads how long to wait for a reminder: a Go duration ("4h",
// "90m") or whole days ("1d"), at least a minute, the bot's pace. It is
// false for "never" and for what Validate refuses.
func parseAfter(s string) (time.Duration, bool) {
	d, err := time.ParseDuration(s)
	if strings.HasSuffix(s, "d") {
		lo, hi, ok := parseWait(s)
		d, err = lo, nil
		if !ok || lo != hi {
			err = errors.New("not whole days")
		}
	}
	if err != nil || d < time.Minute {
		return 0, false
	}
	return d, true
}

// NoteVariant is one of a campaign's note templates.
type NoteVariant struct {
	// Name tells the variant apart on cards and in statistics.
	Name string `yaml:"name" json:"name"`
	// Note is the template; empty sends the invitation without a note.
	Note string `yaml:"note" json:"note"`
}

// DefaultVariant names the one variant of a campaign that sets note.
const DefaultVariant = "default"

// Ways of choosing a prospect's note variant (Campaign.NotesMode).
const (
	NotesRandom   = "random"
	NotesAdaptive = "adaptive"
)

// MaxNoteVariants is how many variants a campaign may compare: each one
// more splits the invitations further, and the comparison takes longer.
const MaxNoteVariants = 10

// Variants returns the campaign's note variants: its notes, or its note
// as the one variant named DefaultVariant.
func (c Campaign) Variants() []NoteVariant {
	if len(c.Notes) > 0 {
		return c.Notes
	}
	return []NoteVariant{{Name: DefaultVariant, Note: c.Note}}
}

// FollowUp is one message of a campaign's sequence after acceptance.
type FollowUp struct {
	// After is how long after the acceptance (for the first follow-up) or
	// the previous message (for the others) this one is due: "2d", "36h".
	After string `yaml:"after" json:"after"`
	// Message is the message's template, with the variables of notes.
	Message string `yaml:"message" json:"message"`
	// Links allows links in this message (they are refused otherwise: a
	// first message with a link reads as spam).
	Links bool `yaml:"links,omitempty" json:"links,omitempty"`
}

// Wait is how long after the acceptance or the previous message the
// follow-up is due; 0 for a wait Validate refuses.
func (f FollowUp) Wait() time.Duration {
	lo, hi, ok := parseWait(f.After)
	if !ok || lo != hi {
		return 0
	}
	return lo
}

// DefaultUndoWindow gives an approver ten minutes to take back a batch
// approved by mistake before its first action is due.
const DefaultUndoWindow = 10 * time.Minute

// maxUndoWindow bounds the undo window: a longer one holds quota the
// approved batch plans to use.
const maxUndoWindow = 24 * time.Hour

// Undo is how long after an approval the campaign sends nothing of the
// batch; 0 when it sends at once.
func (c Campaign) Undo() time.Duration {
	if c.UndoWindow == "" {
		return DefaultUndoWindow
	}
	d, err := time.ParseDuration(c.UndoWindow)
	if err != nil || d < 0 || d > maxUndoWindow {
		return DefaultUndoWindow // refused by Validate
	}
	return d
}

// Webhook is an endpoint that receives signed events.
type Webhook struct {
	Name string `yaml:"name" json:"name"`
	// URL may hold a secret token in its path or query: it is shown redacted.
	URL    Secret   `yaml:"url" json:"url"`
	Secret Secret   `yaml:"secret" json:"secret"`
	Events []string `yaml:"events" json:"events"`
}

// Defaults.
const (
	DefaultSlackAPIURL   = "https://slack.com/api/"
	DefaultHTTPAddr      = "127.0.0.1:8080"
	DefaultDataDir       = "./data"
	DefaultHubSpotAPIURL = "https://api.hubapi.com"
	DefaultLinkedInURL   = "https://www.linkedin.com"
	DefaultHunterAPIURL  = "https://api.hunter.io"
	DefaultSimAddr       = "127.0.0.1:8090"
	DefaultTimezone      = "UTC"
	DefaultDigestTime    = "09:00"
	DefaultConcurrency   = 4
)

// LookupEnv reads an environment variable; tests pass their own.
type LookupEnv func(key string) (string, bool)

// envVar binds an environment variable to a field. Secret fields are set
// through the same path as plain strings.
type envVar struct {
	name string
	set  func(c *Config, v string)
}

// envVars lists every environment variable Pacer reads; each overrides the
// file's value when it is set (even to an empty string, so that a secret in
// a shared file can be cleared for one run).
var envVars = []envVar{
	{"SLACK_BOT_TOKEN", func(c *Config, v string) { c.Slack.BotToken = Secret(v) }},
	{"SLACK_APP_TOKEN", func(c *Config, v string) { c.Slack.AppToken = Secret(v) }},
	{"SLACK_SIGNING_SECRET", func(c *Config, v string) { c.Slack.SigningSecret = Secret(v) }},
	{"SLACK_API_URL", func(c *Config, v string) { c.Slack.APIURL = v }},
	{"SLACK_TEAM_ID", func(c *Config, v string) { c.Slack.TeamID = v }},
	{"PACER_HTTP_ADDR", func(c *Config, v string) { c.HTTPAddr = v }},
	{"DATABASE_URL", func(c *Config, v string) { c.DatabaseURL = Secret(v) }},
	{"PACER_DATA_DIR", func(c *Config, v string) { c.DataDir = v }},
	{"PACER_SECRET_KEY", func(c *Config, v string) { c.SecretKey = Secret(v) }},
	{"HUBSPOT_TOKEN", func(c *Config, v string) { c.HubSpot.Token = Secret(v) }},
	{"HUBSPOT_API_URL", func(c *Config, v string) { c.HubSpot.APIURL = v }},
	{"HUNTER_API_KEY", func(c *Config, v string) { c.Hunter.APIKey = Secret(v) }},
	{"HUNTER_API_URL", func(c *Config, v string) { c.Hunter.APIURL = v }},
	{"PACER_LINKEDIN_URL", func(c *Config, v string) { c.LinkedIn.URL = v }},
	{"CHROME_BIN", func(c *Config, v string) { c.LinkedIn.ChromeBin = v }},
	{"PACER_BROWSER_URL", func(c *Config, v string) { c.LinkedIn.BrowserURL = v }},
	{"PACER_APPROVERS", func(c *Config, v string) { c.Slack.Approvers = splitList(v) }},
	{"PACER_VIEWERS", func(c *Config, v string) { c.Slack.Viewers = splitList(v) }},
	{"PACER_TIMEZONE", func(c *Config, v string) { c.Timezone = v }},
	{"PACER_SIM_ADDR", func(c *Config, v string) { c.SimAddr = v }},
	{"PACER_CONSOLE_TOKEN", func(c *Config, v string) { c.Console.Token = Secret(v) }},
	{"PACER_CONSOLE_USER", func(c *Config, v string) { c.Console.User = v }},
}

// EnvVarNames returns the names of the environment variables Pacer reads.
func EnvVarNames() []string {
	names := make([]string, len(envVars))
	for i, e := range envVars {
		names[i] = e.name
	}
	return names
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

// ErrFile is wrapped by errors about the configuration file itself.
var ErrFile = errors.New("config: cannot read the configuration file")

// Load reads the YAML file at path (none when path is empty), overlays the
// environment and fills in defaults. It does not validate: call Validate.
func Load(path string, env LookupEnv) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	cfg := &Config{}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%w: %s does not exist; check --config or PACER_CONFIG", ErrFile, path)
			}
			return nil, fmt.Errorf("%w: %s: %v", ErrFile, path, errors.Unwrap(err))
		}
		if err := cfg.decode(data, path); err != nil {
			return nil, err
		}
	}
	cfg.overlay(env)
	return cfg, nil
}

// Parse is Load for a configuration already in memory (an embedded sample);
// name says where it comes from in errors.
func Parse(data []byte, name string, env LookupEnv) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	cfg := &Config{}
	if err := cfg.decode(data, name); err != nil {
		return nil, err
	}
	cfg.overlay(env)
	return cfg, nil
}

// overlay applies the environment and fills in defaults.
func (c *Config) overlay(env LookupEnv) {
	for _, e := range envVars {
		if v, ok := env(e.name); ok {
			e.set(c, v)
		}
	}
	c.fillDefaults()
}

func (c *Config) decode(data []byte, name string) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %s: %s", ErrFile, name, yamlProblem(err))
	}
	return nil
}

// yamlProblem shortens yaml.v3's messages ("yaml: unmarshal errors:\n  line 3:
// field foo not found in type config.Config") into one line naming the key.
func yamlProblem(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			m = typeNamePattern.ReplaceAllString(m, "")
			msgs[i] = strings.Replace(m, "field ", "unknown key ", 1)
		}
		return strings.Join(msgs, "; ") + " (docs/DESIGN.md, section 10, shows the file's shape; examples/pacer.yml is a working one)"
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

var typeNamePattern = regexp.MustCompile(` (not found )?in type [\w.]+`)

func (c *Config) fillDefaults() {
	setDefault(&c.Slack.APIURL, DefaultSlackAPIURL)
	setDefault(&c.HTTPAddr, DefaultHTTPAddr)
	setDefault(&c.DataDir, DefaultDataDir)
	setDefault(&c.HubSpot.APIURL, DefaultHubSpotAPIURL)
	setDefault(&c.Hunter.APIURL, DefaultHunterAPIURL)
	setDefault(&c.LinkedIn.URL, DefaultLinkedInURL)
	setDefault(&c.SimAddr, DefaultSimAddr)
	setDefault(&c.Timezone, DefaultTimezone)
	setDefault(&c.Slack.DigestTime, DefaultDigestTime)
	if c.LinkedIn.Concurrency == 0 {
		c.LinkedIn.Concurrency = DefaultConcurrency
	}
	// slack-go joins method names onto the URL: it needs the trailing slash.
	if !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/"
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		setDefault(&a.Timezone, c.Timezone)
		if len(a.WorkingHours.Days) == 0 {
			a.WorkingHours.Days = []string{"mon", "tue", "wed", "thu", "fri"}
		}
		setDefault(&a.WorkingHours.Start, "09:00")
		setDefault(&a.WorkingHours.End, "18:00")
	}
	for i := range c.Campaigns {
		if len(c.Campaigns[i].Steps) == 0 {
			c.Campaigns[i].Steps = []string{"invite"}
		}
		setDefault(&c.Campaigns[i].FindEmail, pacertype.FinderNone)
	}
}

func setDefault(field *string, value string) {
	if *field == "" {
		*field = value
	}
}

// UsesPostgres reports whether DatabaseURL selects Postgres.
func (c *Config) UsesPostgres() bool {
	u := c.DatabaseURL.Value()
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// SQLitePath is where the embedded database lives when Postgres is not used.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "pacer.db") }

// SecretKeyBytes decodes SecretKey. It returns nil when no key is set.
func (c *Config) SecretKeyBytes() ([]byte, error) {
	if !c.SecretKey.IsSet() {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(c.SecretKey.Value())
	if err != nil {
		return nil, errors.New("config: PACER_SECRET_KEY is not valid base64; generate one with `openssl rand -base64 32`")
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("config: PACER_SECRET_KEY decodes to %d bytes, not 32; generate one with `openssl rand -base64 32`", len(key))
	}
	return key, nil
}

// Account returns the account with that name.
func (c *Config) Account(name string) (Account, bool) {
	i := slices.IndexFunc(c.Accounts, func(a Account) bool { return a.Name == name })
	if i < 0 {
		return Account{}, false
	}
	return c.Accounts[i], true
}

// Campaign returns the campaign with that name.
func (c *Config) Campaign(name string) (Campaign, bool) {
	i := slices.IndexFunc(c.Campaigns, func(cp Campaign) bool { return cp.Name == name })
	if i < 0 {
		return Campaign{}, false
	}
	return c.Campaigns[i], true
}

// Location loads the account's timezone. It assumes Validate passed.
func (a Account) Location() *time.Location {
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// EffectiveLimits returns the account's limits with the plan's defaults
// filled in and overrides applied.
func (a Account) EffectiveLimits() Limits {
	return Effective(a.Plan, len(a.WorkingHours.Days), a.Limits)
}

// RedactURL keeps a URL's scheme and host and hides the rest, which may hold
// a token.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return redacted
	}
	if u.Path == "" && u.RawQuery == "" && u.User == nil {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/" + redacted
}
