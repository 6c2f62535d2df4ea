package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacerhq/pacer/executor/browser"
	"github.com/pacerhq/pacer/executor/linkedin"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/wording"
)

func newAccountCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "Manage the LinkedIn sessions of accounts"}
	cmd.AddCommand(&cobra.Command{
		Use:   "set-cookie NAME",
		Short: "Store an account's LinkedIn session from an li_at cookie value read on standard input",
		Long: "Reads the value of the li_at cookie (copied from a signed-in browser's developer tools)\n" +
			"from standard input and stores it, encrypted with PACER_SECRET_KEY, as the account's session.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			value, err := readCookieValue(cmd.InOrStdin())
			if err != nil {
				return err
			}
			return storeSession(cmd, g, args[0], session.LiAt(value))
		},
	})
	cmd.AddCommand(newAccountLoginCmd(g))
	return cmd
}

// readCookieValue reads one li_at value, accepting "li_at=…" as well.
func readCookieValue(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the cookie from standard input: %w", err)
	}
	value := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), session.CookieLiAt+"="))
	if value == "" || strings.ContainsAny(value, " ;\t") {
		return "", errors.New("standard input holds no li_at value; pipe the cookie's value, e.g. `pbpaste | pacer account set-cookie anna`")
	}
	return value, nil
}

// storeSession seals cookies under PACER_SECRET_KEY and stores them for the
// named account.
func storeSession(cmd *cobra.Command, g *globals, name string, cookies []session.Cookie) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	key, err := cfg.SecretKeyBytes()
	if err != nil {
		return err
	}
	sealed, err := session.Seal(key, cookies)
	if err != nil {
		return err
	}
	store, err := openMigratedStore(cmd.Context(), cfg, g.logger())
	if err != nil {
		return err
	}
	defer store.Close()
	account, err := store.AccountByName(cmd.Context(), name)
	if err != nil {
		return err
	}
	if err := store.SaveSession(cmd.Context(), account.ID, sealed); err != nil {
		return err
	}
	printf(cmd, "Stored the LinkedIn session of %s (encrypted).\n", name)
	return nil
}

func newAccountLoginCmd(g *globals) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "login NAME",
		Short: "Open a visible browser for a person to sign in to LinkedIn once, then store the session",
		Long: "Opens Chromium at LinkedIn's login page. Sign in there (Pacer never types credentials);\n" +
			"once LinkedIn has set its session cookie the window closes and the session is stored,\n" +
			"encrypted with PACER_SECRET_KEY.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if _, ok := cfg.Account(args[0]); !ok {
				return fmt.Errorf("unknown account %q: declare it under accounts in the configuration file", args[0])
			}
			// Check the key before a person spends time signing in.
			if key, err := cfg.SecretKeyBytes(); err != nil || key == nil {
				return cmp.Or(err, session.ErrNoKey)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), wait)
			defer cancel()
			b, err := browser.Launch(ctx, browser.Options{Bin: cfg.LinkedIn.ChromeBin, Visible: true, Logger: g.logger()})
			if err != nil {
				return err
			}
			defer b.Close()
			printf(cmd, "Sign in to LinkedIn in the browser window; waiting up to %s.\n", wording.Duration(wait))
			cookies, err := linkedin.Login(ctx, b, cfg.LinkedIn.URL)
			if err != nil {
				return err
			}
			return storeSession(cmd, g, args[0], cookies)
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 10*time.Minute, "how long to wait for the person to sign in")
	return cmd
}
