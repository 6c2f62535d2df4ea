package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// ErrNotConfigured is wrapped by New's error when Slack's credentials are
// missing; the message names the variables to set.
var ErrNotConfigured = errors.New("bot: Slack is not configured")

// Defaults.
const (
	// DefaultTaskTimeout bounds the work done after an ack.
	DefaultTaskTimeout = 30 * time.Second
	// DefaultApproverCacheTTL is how long a user group's members (approvers
	// or viewers) are trusted.
	DefaultApproverCacheTTL = 2 * time.Minute
	// ProgressInterval is the least time between two updates of a progress
	// card: Slack allows about one chat.update per second per channel, and a
	// card that changes every few seconds helps nobody.
	ProgressInterval = 10 * time.Second
)

// Options are New's optional parts.
type Options struct {
	// Proposer and Quota are the campaign and quota packages (required).
	Proposer Proposer
	Quota    Quota
	// Logger receives the bot's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// HTTPClient carries Web API calls and response_url posts; nil uses one
	// with a 15-second timeout.
	HTTPClient *http.Client
	// TaskTimeout bounds the work done after an ack (DefaultTaskTimeout).
	TaskTimeout time.Duration
	// ApproverCacheTTL (DefaultApproverCacheTTL).
	ApproverCacheTTL time.Duration
	// DeadLetters counts the CRM and webhook deliveries that gave up, for
	// the digest (the integrations' dead letters); nil counts the delivery
	// jobs River kept as discarded.
	DeadLetters func(ctx context.Context) (int, error)
	// PassEvery is the period of the pass that posts, refreshes, expires
	// and reminds (DefaultPassEvery); `--pace fast` shortens it.
	PassEvery time.Duration
}

// DefaultPassEvery: proposals, undo countdowns and reminders move by the
// minute.
const DefaultPassEvery = time.Minute

// Bot is Pacer's Slack bot. Build it with New, mount its HTTP endpoints with
// Mount (HTTP mode), run RunSocketMode (Socket Mode), register Workers and
// PeriodicJobs with River, and Close it on shutdown.
type Bot struct {
	cfg      *config.Config
	store    *models.Store
	api      *slack.Client
	proposer Proposer
	quota    Quota
	logger   *slog.Logger
	now      func() time.Time
	http     *http.Client
	secret   []byte
	teamID   string
	// loc is the team's timezone (config timezone): digests run and
	// fallback texts are written in it.
	loc *time.Location

	groups          *groupCache
	tasks           *tasks
	deadLetterCount func(ctx context.Context) (int, error)
	passEvery       time.Duration
	// refreshLocks serialize the updates of a proposal's messages (striped
	// by proposal id).
	refreshLocks [64]sync.Mutex
}

// New builds the bot. It needs SLACK_BOT_TOKEN and at least one transport:
// SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode). When the
// configuration names no workspace (SLACK_TEAM_ID), New learns it from
// auth.test, so that payloads from any other workspace are refused.
func New(ctx context.Context, cfg *config.Config, store *models.Store, opts Options) (*Bot, error) {
	if err := CheckConfig(cfg); err != nil {
		return nil, err
	}
	if opts.Proposer == nil || opts.Quota == nil {
		return nil, errors.New("bot: New needs Options.Proposer and Options.Quota")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.TaskTimeout <= 0 {
		opts.TaskTimeout = DefaultTaskTimeout
	}
	if opts.ApproverCacheTTL <= 0 {
		opts.ApproverCacheTTL = DefaultApproverCacheTTL
	}
	if opts.PassEvery <= 0 {
		opts.PassEvery = DefaultPassEvery
	}
	apiOpts := []slack.Option{slack.OptionAPIURL(cfg.Slack.APIURL), slack.OptionHTTPClient(opts.HTTPClient)}
	if cfg.Slack.AppToken.IsSet() {
		apiOpts = append(apiOpts, slack.OptionAppLevelToken(cfg.Slack.AppToken.Value()))
	}
	b := &Bot{
		cfg:      cfg,
		store:    store,
		api:      slack.New(cfg.Slack.BotToken.Value(), apiOpts...),
		proposer: opts.Proposer,
		quota:    opts.Quota,
		logger:   opts.Logger,
		now:      opts.Now,
		http:     opts.HTTPClient,
		secret:   []byte(cfg.Slack.SigningSecret.Value()),
		teamID:   cfg.Slack.TeamID,
		tasks:    newTasks(opts.TaskTimeout),
		loc:      time.UTC,

		deadLetterCount: opts.DeadLetters,
		passEvery:       opts.PassEvery,
	}
	if loc, err := time.LoadLocation(cfg.Timezone); err == nil {
		b.loc = loc
	}
	b.groups = newGroupCache(b.api, opts.ApproverCacheTTL, opts.Now)
	if b.teamID == "" {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		res, err := b.api.AuthTestContext(actx)
		if err != nil {
			return nil, fmt.Errorf("bot: cannot learn the workspace from Slack (auth.test: %s); check SLACK_BOT_TOKEN and SLACK_API_URL, or set SLACK_TEAM_ID", slackErrorText(err))
		}
		b.teamID = res.TeamID
	}
	return b, nil
}

// CheckConfig reports what is missing for the bot to run, naming the
// environment variables to set.
func CheckConfig(cfg *config.Config) error {
	var missing []string
	if !cfg.Slack.BotToken.IsSet() {
		missing = append(missing, "SLACK_BOT_TOKEN (the Bot User OAuth Token, xoxb-…)")
	}
	if !cfg.Slack.AppToken.IsSet() && !cfg.Slack.SigningSecret.IsSet() {
		missing = append(missing, "SLACK_APP_TOKEN (an app-level token, xapp-…, for Socket Mode) or SLACK_SIGNING_SECRET (for HTTP mode at /slack/commands, /slack/interactivity and /slack/events)")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: set %s; see app-manifest.yml", ErrNotConfigured, strings.Join(missing, ", and "))
}

// TeamID is the workspace the bot answers.
func (b *Bot) TeamID() string { return b.teamID }

// Close waits for the work started after acks to finish, until ctx ends,
// then cancels what is left.
func (b *Bot) Close(ctx context.Context) error {
	return b.tasks.close(ctx)
}

// tasks runs the work that follows an ack: each task in its own goroutine
// with its own deadline, at most maxTasks at once.
type tasks struct {
	ctx     context.Context
	cancel  context.CancelFunc
	timeout time.Duration
	sem     chan struct{}
	wg      sync.WaitGroup
}

func newTasks(timeout time.Duration) *tasks {
	ctx, cancel := context.WithCancel(context.Background())
	return &tasks{ctx: ctx, cancel: cancel, timeout: timeout, sem: make(chan struct{}, maxTasks())}
}

// maxTasks bounds the work running after acks; more waits its turn. The
// work is CPU-bound on SQLite (the database runs in the process): with many
// such goroutines per CPU, Go's scheduler makes the acks wait their turn
// behind them (10 ms slices each), which the ack latency benchmark shows
// as a p99 in the hundreds of milliseconds. Two per CPU keeps the acks
// quick and the database busy.
func maxTasks() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// goLater runs fn after the caller returns, with a deadline of its own. It
// reports false when the bot is closed (the process is stopping) and fn
// will not run.
func (t *tasks) goLater(fn func(ctx context.Context)) bool {
	if t.ctx.Err() != nil {
		return false
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		select {
		case t.sem <- struct{}{}:
		case <-t.ctx.Done():
			return
		}
		defer func() { <-t.sem }()
		ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
		defer cancel()
		fn(ctx)
	}()
	return true
}

// wait blocks until every task has finished (tests).
func (t *tasks) wait() { t.wg.Wait() }

func (t *tasks) close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		t.cancel()
		return nil
	case <-ctx.Done():
		t.cancel()
		<-done
		return fmt.Errorf("bot: work after acks did not finish in time: %w", ctx.Err())
	}
}

// maxSlackDetail bounds the detail Slack gives with an error, as quoted in
// logs and messages.
const maxSlackDetail = 600

// slackRefusal is Slack's error code with the detail it documents beside
// it: response_metadata.messages ("[ERROR] must be more than 0 characters
// [json-pointer:/blocks/0/text/text]" for invalid_blocks), and the scopes
// needed and granted for missing_scope. Without it, "invalid_blocks" says
// nothing about which block.
func slackRefusal(se slack.SlackErrorResponse) string {
	var detail []string
	detail = append(detail, se.ResponseMetadata.Messages...)
	if se.Needed != "" {
		detail = append(detail, "needs scope "+se.Needed+", has "+orText(se.Provided, "none"))
	}
	if len(detail) == 0 {
		return se.Err
	}
	return se.Err + " (" + clip(strings.Join(detail, "; "), maxSlackDetail) + ")"
}

// slackErrorText describes a Web API error without anything secret: the
// method's error code, or the kind of transport failure.
func slackErrorText(err error) string {
	var rl *slack.RateLimitedError
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	switch {
	case errors.As(err, &rl):
		return "rate limited, retry after " + wording.Duration(rl.RetryAfter)
	case errors.As(err, &se):
		return slackRefusal(se)
	case errors.As(err, &sc):
		return fmt.Sprintf("HTTP %d", sc.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	// Transport errors name the URL, which holds no secret (tokens travel in
	// headers or form bodies, never in Slack API URLs).
	return err.Error()
}
