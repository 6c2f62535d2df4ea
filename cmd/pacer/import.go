package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/wording"
)

// maxInvalidShown is how many invalid rows the import prints; the summary
// counts them all.
const maxInvalidShown = 50

func newImportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Import data into Pacer"}
	var campaignName string
	var asJSON bool
	prospects := &cobra.Command{
		Use:   "prospects FILE",
		Short: "Import a CSV file of prospects into a campaign's queue (- reads standard input)",
		Long: `Import a CSV file of prospects into a campaign's queue.

The first line names the columns. A profile URL column (profile_url,
linkedin_url or url) is required; first_name, last_name, company, title and
email are stored on the prospect, priority (a whole number, higher goes first)
orders the queue, and every other column can be used in the campaign's note
template as {{column_name}}. UTF-8 with or without BOM; comma, semicolon or tab
separated. Importing the same file again adds nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			imp, err := openImport(cmd, g, args[0], func(cfg *config.Config) error { return knownCampaign(cfg, campaignName) })
			if err != nil {
				return err
			}
			defer imp.close()
			counted := &countingReader{r: imp.in}
			bar := newProgressBar(cmd.ErrOrStderr(), imp.size, isTerminal(os.Stderr), counted)
			sum, err := campaign.Import(cmd.Context(), imp.store, campaignName, counted, campaign.ImportOptions{Progress: bar.update})
			bar.finish()
			if err != nil && sum.Rows == 0 {
				return err
			}
			printImportSummary(cmd, sum, asJSON)
			return err
		},
	}
	prospects.Flags().StringVar(&campaignName, "campaign", "", "the campaign whose queue receives the prospects (required)")
	prospects.Flags().BoolVar(&asJSON, "json", false, "print the summary as one JSON object")
	_ = prospects.MarkFlagRequired("campaign")
	cmd.AddCommand(prospects, newImportConnectionsCmd(g))
	return cmd
}

func newImportConnectionsCmd(g *globals) *cobra.Command {
	var account string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "connections FILE",
		Short: "Import an account's LinkedIn connections, so that no other account of the team invites them (- reads standard input)",
		Long: `Import an account's first-degree connections.

Export them from LinkedIn (Settings → Data privacy → Get a copy of your data →
Connections) and import Connections.csv as it comes; any CSV file with a URL
column of profile URLs works too. Nobody connected to one account of the team
is proposed to another. Importing the same file again adds nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			imp, err := openImport(cmd, g, args[0], func(cfg *config.Config) error { return knownAccount(cfg, account) })
			if err != nil {
				return err
			}
			defer imp.close()
			sum, err := campaign.ImportConnections(cmd.Context(), imp.store, account, imp.in, time.Now())
			if sum.Rows > 0 || err == nil {
				printConnectionsSummary(cmd, sum, asJSON)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&account, "account", "", "the account whose connections these are (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as one JSON object")
	_ = cmd.MarkFlagRequired("account")
	return cmd
}

func printConnectionsSummary(cmd *cobra.Command, sum campaign.ConnectionsSummary, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(sum)
		printf(cmd, "%s\n", b)
		return
	}
	printf(cmd, "Imported %s of %s (%d already known).\n", wording.Count(sum.Added, "connection", "connections"), sum.Account, sum.AlreadyKnown)
	if sum.Invalid > 0 {
		printf(cmd, "Invalid: %d rows without a profile URL Pacer can read:\n", sum.Invalid)
		for i, r := range sum.InvalidRows {
			if i == maxInvalidShown {
				printf(cmd, "  … and %d more\n", sum.Invalid-maxInvalidShown)
				break
			}
			printf(cmd, "  line %d: %q: %s\n", r.Line, r.Value, r.Reason)
		}
	}
}

// importInput is an import command's file and the store it goes into.
type importInput struct {
	in    io.Reader
	size  int64 // 0 when unknown
	store *models.Store
	close func()
}

// openImport loads the configuration, checks that it knows what the import
// goes into (known), and opens FILE and the migrated store.
func openImport(cmd *cobra.Command, g *globals, file string, known func(*config.Config) error) (importInput, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return importInput{}, err
	}
	if err := known(cfg); err != nil {
		return importInput{}, err
	}
	in, size, closeIn, err := openInput(cmd, file)
	if err != nil {
		return importInput{}, err
	}
	s, err := openMigratedStore(cmd.Context(), cfg, g.loggerAtLeast(slog.LevelWarn))
	if err != nil {
		closeIn()
		return importInput{}, err
	}
	return importInput{in: in, size: size, store: s, close: func() { _ = s.Close(); closeIn() }}, nil
}

// knownCampaign refuses a campaign the configuration does not declare.
func knownCampaign(cfg *config.Config, name string) error {
	if _, ok := cfg.Campaign(name); ok {
		return nil
	}
	var names []string
	for _, c := range cfg.Campaigns {
		names = append(names, c.Name)
	}
	return fmt.Errorf("no campaign is named %q; use one of: %s", name, strings.Join(names, ", "))
}

// knownAccount refuses an account the configuration does not declare.
func knownAccount(cfg *config.Config, name string) error {
	if _, ok := cfg.Account(name); ok {
		return nil
	}
	var names []string
	for _, a := range cfg.Accounts {
		names = append(names, a.Name)
	}
	return fmt.Errorf("no account is named %q; use one of: %s", name, strings.Join(names, ", "))
}

// openInput opens FILE, or standard input for "-", and returns its size
// when known (0 otherwise).
func openInput(cmd *cobra.Command, name string) (io.Reader, int64, func(), error) {
	if name == "-" {
		return cmd.InOrStdin(), 0, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("cannot open %s: %w", name, err)
	}
	var size int64
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	return f, size, func() { _ = f.Close() }, nil
}

func printImportSummary(cmd *cobra.Command, sum campaign.ImportSummary, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(sum)
		printf(cmd, "%s\n", b)
		return
	}
	known := ""
	if n := sum.Imported - sum.NewProspects; n > 0 {
		known = fmt.Sprintf(" (%d already known to the team from other campaigns: proposed only if nobody contacted them)", n)
	}
	printf(cmd, "Imported %s into %s%s.\n", wording.Count(sum.Imported, "prospect", "prospects"), sum.Campaign, known)
	printf(cmd, "Already in the campaign: %d. Duplicates within the file: %d. Invalid: %d.\n", sum.AlreadyKnown, sum.Duplicates, sum.Invalid)
	if sum.Suppressed > 0 {
		printf(cmd, "Not added: %s on the do-not-contact list (see `pacer suppress list`).\n", wording.Count(sum.Suppressed, "row names someone", "rows name people"))
	}
	if len(sum.InvalidRows) > 0 {
		printf(cmd, "Invalid rows (not imported):\n")
		for i, r := range sum.InvalidRows {
			if i == maxInvalidShown {
				printf(cmd, "  … and %d more\n", sum.Invalid-maxInvalidShown)
				break
			}
			value := r.Value
			if value == "" {
				value = "(no profile URL)"
			}
			printf(cmd, "  line %d: %s: %s\n", r.Line, value, r.Reason)
		}
	}
	if len(sum.Variables) > 0 {
		printf(cmd, "Columns usable in note templates: %s\n", "{{"+strings.Join(sum.Variables, "}}, {{")+"}}")
	}
	for _, c := range sum.IgnoredColumns {
		printf(cmd, "Ignored %s: its name is empty or repeats an earlier column's.\n", c)
	}
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressBar draws the import's progress on a terminal, on one line of
// stderr; elsewhere (a pipe, a log file, CI) it draws nothing.
type progressBar struct {
	w       io.Writer
	size    int64
	on      bool
	read    *countingReader
	start   time.Time
	lastRun time.Time
	drawn   bool
}

func newProgressBar(w io.Writer, size int64, terminal bool, read *countingReader) *progressBar {
	return &progressBar{w: w, size: size, on: terminal, read: read, start: time.Now()}
}

const barWidth = 30

func (b *progressBar) update(p campaign.ImportProgress) {
	if !b.on || time.Since(b.lastRun) < 100*time.Millisecond {
		return
	}
	b.lastRun = time.Now()
	rate := float64(p.Rows) / max(time.Since(b.start).Seconds(), 0.001)
	line := fmt.Sprintf("%d rows, %.0f rows/s", p.Rows, rate)
	if b.size > 0 {
		frac := min(float64(b.read.n.Load())/float64(b.size), 1)
		filled := int(frac * barWidth)
		line = fmt.Sprintf("[%s%s] %3.0f%%  %s", strings.Repeat("█", filled), strings.Repeat("░", barWidth-filled), frac*100, line)
	}
	fmt.Fprintf(b.w, "\r\033[K%s", line)
	b.drawn = true
}

// finish clears the bar so the summary starts on a clean line.
func (b *progressBar) finish() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
