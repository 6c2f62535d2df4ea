package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/pacerhq/pacer/bot"
	"github.com/pacerhq/pacer/bot/console"
	"github.com/pacerhq/pacer/config"
)

// openConsole opens the local console and makes it the bot's Slack: the
// bot's Web API calls, its response_url posts and the deliveries to Slack
// go to the console, which signs what the person does with a secret made
// up for this process. On the simulator the console's person is an
// approver; elsewhere checkStart made sure PACER_CONSOLE_USER is one.
func openConsole(cfg *config.Config, m startMode, logger *slog.Logger) (*console.Workspace, error) {
	user := cfg.Console.User
	if user == "" {
		user = console.DefaultUser
	}
	channels := map[string]string{}
	for _, c := range cfg.Campaigns {
		if channels[c.Channel] == "" {
			channels[c.Channel] = c.Name
		} else {
			channels[c.Channel] += ", " + c.Name
		}
	}
	ws, err := console.New(console.Options{
		Dir: cfg.DataDir, User: user, Token: cfg.Console.Token.Value(), Channels: channels,
		Logger: logger.With(slog.String("part", "console")),
	})
	if err != nil {
		return nil, err
	}
	cfg.Slack.BotToken = config.Secret(ws.BotToken())
	cfg.Slack.SigningSecret = config.Secret(ws.SigningSecret())
	cfg.Slack.APIURL = console.APIURL
	cfg.Slack.TeamID = "" // learnt from the console's auth.test
	if m.sim {
		// On the simulator the console's person approves every campaign.
		addApprover(&cfg.Slack.Approvers, user)
		for i := range cfg.Campaigns {
			if len(cfg.Campaigns[i].Approvers) > 0 {
				addApprover(&cfg.Campaigns[i].Approvers, user)
			}
		}
	}
	return ws, nil
}

func addApprover(list *[]string, user string) {
	if !slices.Contains(*list, user) {
		*list = append(*list, user)
	}
}

// slackEndpoints are the bot's HTTP-mode endpoints, where the console sends
// what the person does. They are not mounted on serve's server: only the
// console reaches them, in the process.
func slackEndpoints(b *bot.Bot) http.Handler {
	mux := http.NewServeMux()
	for _, path := range []string{bot.PathCommands, bot.PathInteractivity, bot.PathEvents} {
		mux.Handle("POST "+path, b.HTTPHandler(path))
	}
	return mux
}

// consoleURL is the console's address for people: a loopback address when
// serve listens on all interfaces.
func consoleURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + console.Path
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + console.Path
}

// newData is what of the embedded database serve is about to make: when
// the start fails, it is removed, so that a start that cannot run leaves
// no database behind. A database that existed before is never touched.
type newData struct {
	// dir is the data directory when serve makes it; files are the
	// database's files when serve makes the database.
	dir   string
	files []string
}

func watchNewData(cfg *config.Config) newData {
	if cfg.UsesPostgres() {
		return newData{}
	}
	db := cfg.SQLitePath()
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		return newData{}
	}
	d := newData{files: []string{db, db + "-wal", db + "-shm", db + "-journal"}}
	if _, err := os.Stat(cfg.DataDir); errors.Is(err, os.ErrNotExist) {
		d.dir = cfg.DataDir
	}
	return d
}

func (d newData) remove(logger *slog.Logger) {
	var failed []string
	for _, f := range d.files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			failed = append(failed, f)
		}
	}
	if d.dir != "" {
		if err := os.RemoveAll(d.dir); err != nil {
			failed = append(failed, d.dir)
		}
	}
	if len(failed) > 0 {
		logger.Warn("serve did not start, and could not remove the database it began: " + strings.Join(failed, ", "))
	}
}
