package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// The fuzz targets of the configuration file, the part of Pacer's input a
// person writes by hand. `make fuzz` runs each for a few seconds; alone:
//
//	go test ./config -run '^$' -fuzz '^FuzzParse$' -fuzztime 1m

// FuzzParse reads arbitrary bytes as the configuration file and validates
// what it reads: no panic; a file that does not read is an ErrFile; validation either passes or lists problems a person
// can read.
func FuzzParse(f *testing.F) {
	design, err := os.ReadFile("testdata/design.yml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(design)
	for _, s := range []string{
		"accounts:\n  - {name: anna, plan: free}\n",
		"accounts:\n  - {name: anna, plan: gold, limits: {invites_per_week: 900}}\n",
		"campaigns:\n  - {name: c, account: nobody, steps: [view, wait 1-2d, invite, wait 99999999999999d]}\n",
		"slack: {approvers: [U1, S2], digest_time: \"25:00\"}\n",
		"webhooks:\n  - {name: w, url: \"http://127.0.0.1/x\", secret: whsec_x, events: [nope]}\n",
		"timezone: Mars/Olympus\n",
		"- a\n- b\n",
		"{{{",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yml", env(nil))
		if err != nil {
			if !errors.Is(err, ErrFile) {
				t.Fatalf("Parse: %v is not an ErrFile", err)
			}
			return
		}
		err = cfg.Validate()
		if err == nil {
			return
		}
		var verr *ValidationError
		if !errors.As(err, &verr) || len(verr.Problems) == 0 {
			t.Fatalf("Validate: %v is not a *ValidationError with problems", err)
		}
		for _, p := range verr.Problems {
			if strings.TrimSpace(p) == "" {
				t.Fatalf("Validate: an empty problem in %q", verr.Problems)
			}
		}
	})
}

// FuzzParseStep: a campaign step is refused, or is one of the known kinds,
// a wait lasting no less than zero and no less than its minimum.
func FuzzParseStep(f *testing.F) {
	for _, s := range []string{"view", "like latest post", "wait 1d", "wait 1-2d", "wait 2–3d", "wait 12h", "wait 3-1d", "wait 9223372036854775807d", "invite with note", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStep(s)
		if err != nil {
			return
		}
		switch st.Kind {
		case StepView, StepFollow, StepLike, StepInvite:
			if st.Min != 0 || st.Max != 0 {
				t.Fatalf("ParseStep(%q) = %+v: only a wait lasts", s, st)
			}
		case StepWait:
			if st.Min < 0 || st.Max < st.Min || st.Max > maxWait {
				t.Fatalf("ParseStep(%q) = %+v", s, st)
			}
		default:
			t.Fatalf("ParseStep(%q) = %+v: unknown kind", s, st)
		}
	})
}

// FuzzParseClock: a time of day is refused, or is a minute of the day.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"09:00", "23:59", "24:00", "9:00", "-1:00", "0900"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseClock(s)
		if err == nil && (m < 0 || m >= 24*60) {
			t.Fatalf("ParseClock(%q) = %d", s, m)
		}
	})
}
