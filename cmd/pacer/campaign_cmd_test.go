package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const campaignConfig = `accounts:
  - {name: anna, plan: premium, timezone: Europe/Berlin}
campaigns:
  - {name: cto, account: anna, channel: C0123CAMPAIGN, note: "Hi {{first_name|there}}"}
`

// campaignWorld is a migrated database and a configuration with the
// campaign cto, in a fresh directory.
func campaignWorld(t *testing.T, env []string) (dir string, args func(...string) []string) {
	t.Helper()
	dir = t.TempDir()
	cfg := writeConfig(t, dir, campaignConfig)
	if res := runPacer(t, dir, env, "--config", cfg, "migrate"); res.code != 0 {
		t.Fatalf("migrate: exit %d: %s", res.code, res.stderr)
	}
	return dir, func(a ...string) []string { return append([]string{"--config", cfg}, a...) }
}

func TestImportProspectsCommand(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			dir, args := campaignWorld(t, env)
			csv := "\uFEFFLinkedIn URL,First Name,talk\r\n" +
				"https://www.linkedin.com/in/ada,Ada,\"Notes, on engines\"\r\n" +
				"https://www.linkedin.com/sales/lead/ACwAAA1,Bob,x\r\n" +
				"https://de.linkedin.com/in/Ada/,Ada,\r\n" +
				"linkedin.com/in/alan,Alan,\r\n"
			if err := os.WriteFile(filepath.Join(dir, "p.csv"), []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			first := runPacer(t, dir, env, args("import", "prospects", "p.csv", "--campaign", "cto")...)
			if first.code != 0 {
				t.Fatalf("import: exit %d: %s", first.code, first.stderr)
			}
			for _, want := range []string{
				"Imported 2 prospects into cto.",
				"Already in the campaign: 0. Duplicates within the file: 1. Invalid: 1.",
				"line 3: https://www.linkedin.com/sales/lead/ACwAAA1: a Sales Navigator URL",
				"{{talk}}",
			} {
				if !strings.Contains(first.stdout, want) {
					t.Errorf("first import: got %q, want it to contain %q", first.stdout, want)
				}
			}
			if strings.Contains(first.stderr, "\r") {
				t.Errorf("stderr is not a terminal: got a progress bar %q", first.stderr)
			}
			again := runPacer(t, dir, env, args("import", "prospects", "p.csv", "--campaign", "cto", "--json")...)
			lines := strings.Split(strings.TrimSpace(again.stdout), "\n")
			var sum struct {
				Imported     int `json:"imported"`
				AlreadyKnown int `json:"already_known"`
				Invalid      int `json:"invalid"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || again.code != 0 {
				t.Fatalf("import --json: exit %d, %v, stdout %q", again.code, err, again.stdout)
			}
			if sum.Imported != 0 || sum.AlreadyKnown != 2 || sum.Invalid != 1 {
				t.Errorf("second import: got %+v, want nothing imported", sum)
			}

			if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("name,company\nAda,Engines\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			bad := runPacer(t, dir, env, args("import", "prospects", "bad.csv", "--campaign", "cto")...)
			if bad.code != 1 || !strings.Contains(bad.stderr, "no profile URL column") {
				t.Errorf("no profile column: got exit %d, stderr %q", bad.code, bad.stderr)
			}
			unknown := runPacer(t, dir, env, args("import", "prospects", "p.csv", "--campaign", "nope")...)
			if unknown.code != 1 || !strings.Contains(unknown.stderr, "use one of: cto") {
				t.Errorf("unknown campaign: got exit %d, stderr %q", unknown.code, unknown.stderr)
			}
		})
	}
}

func TestSuppressCommand(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			dir, args := campaignWorld(t, env)
			add := runPacer(t, dir, env, args("suppress", "add", "--reason", "asked", "@Acme.com", "ada@engines.io", "https://www.linkedin.com/in/Alan/")...)
			if add.code != 0 {
				t.Fatalf("add: exit %d: %s", add.code, add.stderr)
			}
			for _, want := range []string{"added domain acme.com", "added email ada@engines.io", "added slug alan"} {
				if !strings.Contains(add.stdout, want) {
					t.Errorf("add: got %q, want %q", add.stdout, want)
				}
			}
			if again := runPacer(t, dir, env, args("suppress", "add", "acme.com")...); !strings.Contains(again.stdout, "already listed: domain acme.com") {
				t.Errorf("add again: got %q", again.stdout)
			}
			bad := runPacer(t, dir, env, args("suppress", "add", "grace@navy.mil", "not a value")...)
			if bad.code != 1 || !strings.Contains(bad.stderr, "nothing was changed") {
				t.Errorf("bad value: got exit %d, stderr %q", bad.code, bad.stderr)
			}
			if rm := runPacer(t, dir, env, args("suppress", "remove", "alan")...); rm.code != 0 || !strings.Contains(rm.stdout, "removed slug alan") {
				t.Errorf("remove: got exit %d, %q", rm.code, rm.stdout)
			}
			list := runPacer(t, dir, env, args("suppress", "list", "--json")...)
			var out struct {
				Entries []struct{ Kind, Value, Reason string } `json:"entries"`
			}
			if err := json.Unmarshal([]byte(strings.TrimSpace(list.stdout)), &out); err != nil {
				t.Fatalf("list --json: %v: %q", err, list.stdout)
			}
			if len(out.Entries) != 2 || out.Entries[0].Value != "acme.com" || out.Entries[0].Reason != "asked" || out.Entries[1].Value != "ada@engines.io" {
				t.Errorf("list: got %+v", out.Entries)
			}
		})
	}
}

func TestNoteLintCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"clean", []string{"--plan", "free", "Hi Ada, I enjoyed your talk."}, 0, []string{"28 of 200 characters", "No findings"}},
		{"template with vars", []string{"--plan", "premium", "--var", "first_name=Ada", "--var", "Event=Data Council", "Hi {{first_name}}, see you at {{event|the meetup}}"}, 0,
			[]string{"Hi Ada, see you at Data Council", "of 300 characters"}},
		{"blocking", []string{"--plan", "free", "Hi {{first_name}}, see acme.com/x " + strings.Repeat("x", 190)}, 1,
			[]string{"BLOCKING (length)", "BLOCKING (link): the note holds a link (acme.com/x)", "BLOCKING (placeholder): {{first_name}}"}},
		{"empty is said plainly", []string{"--plan", "free", "  "}, 0, []string{"note (empty): the note is empty: the invitation goes without a note"}},
		{"json", []string{"--plan", "sales_navigator", "--json", "see www.acme.com"}, 1, []string{`"blocking":true`, `"rule":"link"`, `"max_length":300`}},
		{"unknown plan", []string{"--plan", "gold", "Hi"}, 1, []string{"use one of free, premium"}},
		{"bad var", []string{"--plan", "free", "--var", "novalue", "Hi"}, 1, []string{"not name=value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runPacer(t, t.TempDir(), nil, append([]string{"note", "lint"}, tc.args...)...)
			if res.code != tc.code {
				t.Errorf("exit: got %d, want %d (stdout %q, stderr %q)", res.code, tc.code, res.stdout, res.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.stdout+res.stderr, w) {
					t.Errorf("output: got %q%q, want it to contain %q", res.stdout, res.stderr, w)
				}
			}
		})
	}
}
