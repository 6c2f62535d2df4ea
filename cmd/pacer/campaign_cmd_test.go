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
	if res := runPacer(t, dir, env, "--config", cfg, "migrate"); res.Code != 0 {
		t.Fatalf("migrate: exit %d: %s", res.Code, res.Stderr)
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
			if first.Code != 0 {
				t.Fatalf("import: exit %d: %s", first.Code, first.Stderr)
			}
			for _, want := range []string{
				"Imported 2 prospects into cto.",
				"Already in the campaign: 0. Duplicates within the file: 1. Invalid: 1.",
				"line 3: https://www.linkedin.com/sales/lead/ACwAAA1: a Sales Navigator URL",
				"{{talk}}",
			} {
				if !strings.Contains(first.Stdout, want) {
					t.Errorf("first import: got %q, want it to contain %q", first.Stdout, want)
				}
			}
			if strings.Contains(first.Stderr, "\r") {
				t.Errorf("stderr is not a terminal: got a progress bar %q", first.Stderr)
			}
			again := runPacer(t, dir, env, args("import", "prospects", "p.csv", "--campaign", "cto", "--json")...)
			lines := strings.Split(strings.TrimSpace(again.Stdout), "\n")
			var sum struct {
				Imported     int `json:"imported"`
				AlreadyKnown int `json:"already_known"`
				Invalid      int `json:"invalid"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || again.Code != 0 {
				t.Fatalf("import --json: exit %d, %v, stdout %q", again.Code, err, again.Stdout)
			}
			if sum.Imported != 0 || sum.AlreadyKnown != 2 || sum.Invalid != 1 {
				t.Errorf("second import: got %+v, want nothing imported", sum)
			}

			if err := os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("name,company\nAda,Engines\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			bad := runPacer(t, dir, env, args("import", "prospects", "bad.csv", "--campaign", "cto")...)
			if bad.Code != 1 || !strings.Contains(bad.Stderr, "no profile URL column") {
				t.Errorf("no profile column: got exit %d, stderr %q", bad.Code, bad.Stderr)
			}
			unknown := runPacer(t, dir, env, args("import", "prospects", "p.csv", "--campaign", "nope")...)
			if unknown.Code != 1 || !strings.Contains(unknown.Stderr, "use one of: cto") {
				t.Errorf("unknown campaign: got exit %d, stderr %q", unknown.Code, unknown.Stderr)
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
			if add.Code != 0 {
				t.Fatalf("add: exit %d: %s", add.Code, add.Stderr)
			}
			for _, want := range []string{"added domain acme.com", "added email ada@engines.io", "added slug alan"} {
				if !strings.Contains(add.Stdout, want) {
					t.Errorf("add: got %q, want %q", add.Stdout, want)
				}
			}
			if again := runPacer(t, dir, env, args("suppress", "add", "acme.com")...); !strings.Contains(again.Stdout, "already listed: domain acme.com") {
				t.Errorf("add again: got %q", again.Stdout)
			}
			bad := runPacer(t, dir, env, args("suppress", "add", "grace@navy.mil", "not a value")...)
			if bad.Code != 1 || !strings.Contains(bad.Stderr, "nothing was changed") {
				t.Errorf("bad value: got exit %d, stderr %q", bad.Code, bad.Stderr)
			}
			if rm := runPacer(t, dir, env, args("suppress", "remove", "alan")...); rm.Code != 0 || !strings.Contains(rm.Stdout, "removed slug alan") {
				t.Errorf("remove: got exit %d, %q", rm.Code, rm.Stdout)
			}
			list := runPacer(t, dir, env, args("suppress", "list", "--json")...)
			var out struct {
				Entries []struct{ Kind, Value, Reason string } `json:"entries"`
			}
			if err := json.Unmarshal([]byte(strings.TrimSpace(list.Stdout)), &out); err != nil {
				t.Fatalf("list --json: %v: %q", err, list.Stdout)
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
		{"blocking, each finding on its own line", []string{"--plan", "free", "--var", "company=Acme", "Hi {{first_name}}, see acme.com/x and www.acme.io " + strings.Repeat("x", 190)}, 1,
			[]string{"\nBLOCKING (length): ", "\nBLOCKING (link): the note holds a link (acme.com/x); ", "\nBLOCKING (link): the note holds a link (www.acme.io); ",
				"\nBLOCKING (placeholder): {{first_name}} has no value"}},
		{"a template without --var is checked for a sample prospect", []string{"--plan", "free", "Hi {{first_name}}, see you at {{event|the meetup}} with {{team}}"}, 0,
			[]string{"For a sample prospect (give --var name=value to use your own): event=sample event, first_name=Ada, team=sample team",
				"Hi Ada, see you at sample event with sample team", "\nnote (no_fallback): {{first_name}} has no fallback", "\nnote (no_fallback): {{team}} has no fallback"}},
		{"a sample note still blocks on what it holds", []string{"--plan", "free", "Hi {{first_name|there}}, see acme.com"}, 1,
			[]string{"BLOCKING (link): the note holds a link (acme.com)"}},
		{"empty is said plainly", []string{"--plan", "free", "  "}, 0, []string{"note (empty): the note is empty: the invitation goes without a note"}},
		{"json", []string{"--plan", "sales_navigator", "--json", "see www.acme.com"}, 1, []string{`"blocking":true`, `"rule":"link"`, `"max_length":300`}},
		{"unknown plan", []string{"--plan", "gold", "Hi"}, 1, []string{"use one of free, premium"}},
		{"bad var", []string{"--plan", "free", "--var", "novalue", "Hi"}, 1, []string{"not name=value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runPacer(t, t.TempDir(), nil, append([]string{"note", "lint"}, tc.args...)...)
			if res.Code != tc.code {
				t.Errorf("exit: got %d, want %d (stdout %q, stderr %q)", res.Code, tc.code, res.Stdout, res.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Stdout+res.Stderr, w) {
					t.Errorf("output: got %q%q, want it to contain %q", res.Stdout, res.Stderr, w)
				}
			}
		})
	}
}

// TestImportProspectsCommandQuotes: the smallest file with an unclosed
// quote, read from standard input, is refused with its line and exit 1
// (it used to panic); a stray quote in a longer file costs its own row,
// reported at its line, and the rows after it are imported.
func TestImportProspectsCommandQuotes(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			dir, args := campaignWorld(t, env)
			lone := runPacerStdin(t, dir, env, "profile_url\n\"x\n", args("import", "prospects", "-", "--campaign", "cto")...)
			if lone.Code != 1 || !strings.Contains(lone.Stderr, "line 2: a stray quote") || strings.Contains(lone.Stderr, "panic") {
				t.Errorf("lone quote: exit %d, stderr %q; want exit 1 naming line 2", lone.Code, lone.Stderr)
			}
			csv := "profile_url,first_name\n" +
				"https://www.linkedin.com/in/ada,Ada\n" +
				"https://www.linkedin.com/in/bea,\"Bea\n" +
				"https://www.linkedin.com/in/cy,Cy\n" +
				"https://www.linkedin.com/in/dee,Dee\n"
			stray := runPacerStdin(t, dir, env, csv, args("import", "prospects", "-", "--campaign", "cto")...)
			if stray.Code != 0 {
				t.Fatalf("stray quote: exit %d: %s", stray.Code, stray.Stderr)
			}
			for _, want := range []string{"Imported 3 prospects into cto.", "Invalid: 1.", "line 3: https://www.linkedin.com/in/bea,\"Bea: a stray quote (\") opens column 2 (first_name)"} {
				if !strings.Contains(stray.Stdout, want) {
					t.Errorf("stray quote: got %q, want it to contain %q", stray.Stdout, want)
				}
			}
		})
	}
}

// TestImportConnectionsCommand: LinkedIn's Connections.csv is read as it
// comes, again adds nothing, and an unknown account is refused by name.
func TestImportConnectionsCommand(t *testing.T) {
	for name, database := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := database(t)
			dir, args := campaignWorld(t, env)
			export := "Notes:\r\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\r\n\r\n" +
				"First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n" +
				"Ada,Lovelace,https://www.linkedin.com/in/ada,,Engines,CTO,03 Nov 2025\r\n" +
				"Alan,Turing,,,,,01 Feb 2023\r\n"
			if err := os.WriteFile(filepath.Join(dir, "Connections.csv"), []byte(export), 0o600); err != nil {
				t.Fatal(err)
			}
			first := runPacer(t, dir, env, args("import", "connections", "Connections.csv", "--account", "anna")...)
			if first.Code != 0 || !strings.Contains(first.Stdout, "Imported 1 connection of anna (0 already known).") ||
				!strings.Contains(first.Stdout, "line 6: \"\"") {
				t.Errorf("first import: exit %d\n%s%s", first.Code, first.Stdout, first.Stderr)
			}
			again := runPacer(t, dir, env, args("import", "connections", "Connections.csv", "--account", "anna")...)
			if !strings.Contains(again.Stdout, "Imported 0 connections of anna (1 already known).") {
				t.Errorf("second import: %s", again.Stdout)
			}
			bad := runPacer(t, dir, env, args("import", "connections", "Connections.csv", "--account", "zed")...)
			if bad.Code == 0 || !strings.Contains(bad.Stderr, `no account is named "zed"; use one of: anna`) {
				t.Errorf("an unknown account: exit %d %s", bad.Code, bad.Stderr)
			}
		})
	}
}
