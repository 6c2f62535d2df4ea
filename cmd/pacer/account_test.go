package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pacerhq/pacer/cmd/pacer/pacertest"
	"github.com/pacerhq/pacer/config"
	"github.com/pacerhq/pacer/executor/session"
	"github.com/pacerhq/pacer/models"
)

const testSecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes, base64

// runPacerStdin is runPacer with standard input.
func runPacerStdin(t *testing.T, dir string, env []string, stdin string, args ...string) pacertest.Result {
	t.Helper()
	return pacertest.Run(t, pacerBin, dir, pacertest.Env(env...), stdin, args...)
}

func TestAccountSetCookieStoresTheSessionEncrypted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, "accounts:\n  - {name: anna, plan: free}\n")
	dataDir := filepath.Join(dir, "data")
	env := []string{"PACER_DATA_DIR=" + dataDir, "PACER_CONFIG=" + cfgPath}
	if res := runPacer(t, dir, env, "migrate"); res.Code != 0 {
		t.Fatalf("migrate: %s", res.Stderr)
	}
	keyed := append(env, "PACER_SECRET_KEY="+testSecretKey)
	tests := []struct {
		name, stdin, account string
		env                  []string
		want                 string
	}{
		{"no key", "AQEDAR-secret-cookie\n", "anna", env, "PACER_SECRET_KEY is not set"},
		{"empty input", "\n", "anna", keyed, "no li_at value"},
		{"unknown account", "x\n", "bob", keyed, `unknown account "bob"`},
	}
	for _, tt := range tests {
		res := runPacerStdin(t, dir, tt.env, tt.stdin, "account", "set-cookie", tt.account)
		if res.Code != 1 || !strings.Contains(res.Stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 saying %q", tt.name, res.Code, res.Stderr, tt.want)
		}
	}
	res := runPacerStdin(t, dir, keyed, "li_at=AQEDAR-secret-cookie\n", "account", "set-cookie", "anna")
	if res.Code != 0 || strings.Contains(res.Stdout+res.Stderr, "AQEDAR") {
		t.Fatalf("set-cookie: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}

	store, err := models.Open(context.Background(), &config.Config{DataDir: dataDir}, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a, err := store.AccountByName(context.Background(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(a.SessionSealed), "AQEDAR") {
		t.Fatal("the session is stored in the clear")
	}
	key, _ := (&config.Config{SecretKey: testSecretKey}).SecretKeyBytes()
	cookies, err := session.Open(key, a.SessionSealed)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := session.Find(cookies, session.CookieLiAt); !ok || c.Value != "AQEDAR-secret-cookie" {
		t.Errorf("stored session: got %v", cookies)
	}
}
