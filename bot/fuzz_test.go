package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pacerhq/pacer/campaign"
	"github.com/pacerhq/pacer/models"
)

// FuzzSlackHTTP feeds HTTP mode arbitrary bodies, signed and unsigned, on
// each endpoint: the answer is always one of 200, 400, 401, 403 or 413,
// never a panic or a 500; nothing unsigned gets past 401; and a 200 with a
// body is valid JSON. The work after the ack is switched off, so that the
// fuzzer exercises verification, parsing, routing and the acks themselves.
//
//	go test ./bot -run '^$' -fuzz FuzzSlackHTTP -fuzztime 1m
func FuzzSlackHTTP(f *testing.F) {
	interaction := func(payload string) []byte { return []byte(url.Values{"payload": {payload}}.Encode()) }
	meta := noteMeta{ProposalID: 1, ItemID: 2, Version: 3, Account: "anna", Channel: "C0CTO"}.String()
	seeds := []struct {
		endpoint uint8
		body     []byte
	}{
		{0, []byte(commandForm(testTeam, approver, ctoChannel, "help", "https://hooks.slack.com/commands/T0PACER/1/x").Encode())},
		{0, []byte(commandForm(testTeam, approver, ctoChannel, "propose cto-berlin 10", "").Encode())},
		{0, []byte(commandForm(testTeam, approver, ctoChannel, "frob", "").Encode())},
		{0, []byte(commandForm("T0OTHER", approver, ctoChannel, "pause anna", "").Encode())},
		{0, []byte("team_id=%zz")},
		{1, interaction(blockActionJSON(testTeam, approver, ctoChannel, "1.2", ActionApprove, "12:3", ""))},
		{1, interaction(blockActionJSON(testTeam, approver, ctoChannel, "1.2", ActionSkip, "12:3:45", ""))},
		{1, interaction(blockActionJSON(testTeam, approver, ctoChannel, "1.2", ActionEdit, "12:x:45", ""))},
		{1, []byte(viewSubmissionBody(testTeam, approver, meta, "Hi, see https://x.io"))},
		{1, []byte(viewSubmissionBody(testTeam, approver, meta, "Hi Ada"))},
		{1, []byte(viewSubmissionBody(testTeam, approver, "1:2", "Hi"))},
		{1, interaction(`{"type":"view_closed","team":{"id":"T0PACER"},"user":{"id":"U1"}}`)},
		{1, interaction(`{"type":"block_actions","team":{"id":"T0PACER"},"user":{"id":"U1"},"actions":[{}]}`)},
		{1, []byte("payload=null")},
		{2, []byte(homeOpenedBody(testTeam, approver))},
		{2, []byte(`{"type":"url_verification","challenge":"abc"}`)},
		{2, []byte(`{"type":"event_callback","team_id":"T0PACER","event":{"type":"message","user":"U1","channel":"C1"}}`)},
		{2, []byte(`{"type":"event_callback","team_id":"T0PACER","event":null}`)},
		{2, []byte(`[`)},
	}
	for _, s := range seeds {
		f.Add(s.endpoint, s.body, true)
		f.Add(s.endpoint, s.body, false)
	}
	b, logs := fuzzBot(f)
	paths := []string{PathCommands, PathInteractivity, PathEvents}
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte, signed bool) {
		path := paths[int(endpoint)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		if signed {
			for k, v := range Sign(testSecret, b.now(), body) {
				req.Header[k] = v
			}
		}
		rec := httptest.NewRecorder()
		b.HTTPHandler(path).ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 401, 403, 413:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if !signed && rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("an unsigned request got %d", rec.Code)
		}
		if rec.Code == 200 && rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("the ack is not JSON: %q", rec.Body.String())
		}
		if logs.errors.Load() > 0 {
			t.Fatalf("a handler panicked or failed on %q", body)
		}
	})
}

// fuzzBot is a bot whose work after the ack never runs.
func fuzzBot(f *testing.F) (*Bot, *errorCounter) {
	cfg := loadTestConfig(f, "http://127.0.0.1:1/api/", nil)
	logs := &errorCounter{}
	clock := time.Unix(1780300000, 0)
	b, err := New(context.Background(), cfg, nil, Options{
		Proposer: idleProposer{}, Quota: idleQuota{},
		Logger: slog.New(logs),
		Now:    func() time.Time { return clock },
	})
	if err != nil {
		f.Fatal(err)
	}
	_ = b.Close(context.Background())
	return b, logs
}

type idleProposer struct{}

func (idleProposer) Propose(context.Context, string, int) (int64, error)        { return 0, nil }
func (idleProposer) Approve(context.Context, int64, int, string) error          { return nil }
func (idleProposer) Reject(context.Context, int64, int, string) error           { return nil }
func (idleProposer) Undo(context.Context, int64, int, string) error             { return nil }
func (idleProposer) SkipItem(context.Context, int64, int, string) error         { return nil }
func (idleProposer) EditNote(context.Context, int64, int, string, string) error { return nil }
func (idleProposer) Finish(context.Context, string, time.Time) (campaign.Finish, error) {
	return campaign.Finish{}, nil
}

type idleQuota struct{}

func (idleQuota) Usage(context.Context, models.Account, time.Time) ([]Usage, error) { return nil, nil }
func (idleQuota) Forecast(context.Context, models.Account, int, time.Time) (string, error) {
	return "", nil
}
func (idleQuota) Pause(context.Context, models.Account, string) error  { return nil }
func (idleQuota) Resume(context.Context, models.Account, string) error { return nil }
func (idleQuota) StopAll(context.Context, string) (Switched, error)    { return Switched{}, nil }
func (idleQuota) ResumeAll(context.Context, string) (Switched, error)  { return Switched{}, nil }

// errorCounter is a slog handler that counts error records (a recovered
// panic, a failed ack) and drops the rest.
type errorCounter struct{ errors atomic.Int64 }

func (c *errorCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (c *errorCounter) Handle(context.Context, slog.Record) error {
	c.errors.Add(1)
	return nil
}
func (c *errorCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *errorCounter) WithGroup(string) slog.Handler      { return c }

// FuzzSocketPayloads feeds the payload readers Socket Mode uses (a slash
// command arrives as JSON there, not as a form) and the button values and
// modal metadata Pacer reads back: no panic; a payload is read or refused
// with ErrMalformed; a value read back writes as itself.
//
//	go test ./bot -run '^$' -fuzz FuzzSocketPayloads -fuzztime 1m
func FuzzSocketPayloads(f *testing.F) {
	f.Add([]byte(`{"team_id":"T0PACER","user_id":"U1","command":"/pacer","text":" propose cto 3 "}`), "12:3:45")
	f.Add([]byte(blockActionJSON(testTeam, approver, ctoChannel, "1.2", ActionApprove, "12:3", "")), "12:3")
	f.Add([]byte(`{"type":"view_submission","team":{"id":"T"},"user":{"id":"U"},"view":{"state":{"values":{"note":{"note_input":{"value":null}}}}}}`), "1:2:3:anna:C1")
	f.Add([]byte(`{"type":"event_callback","team_id":"T","event":{"type":"app_home_opened","tab":"home","user":"U"}}`), "-1:0")
	f.Add([]byte(`null`), "")
	f.Fuzz(func(t *testing.T, raw []byte, value string) {
		check := func(what string, err error) {
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: %v is not ErrMalformed", what, err)
			}
		}
		r, err := commandFromJSON(raw)
		check("command", err)
		if err == nil && (r.Kind != KindCommand || r.TeamID == "" || r.UserID == "") {
			t.Fatalf("command %q read as %+v", raw, r)
		}
		_, err = interactionFromJSON(raw)
		check("interaction", err)
		_, _, err = eventFromJSON(raw)
		check("event", err)
		for _, withItem := range []bool{false, true} {
			if v, err := parseButtonValue(value, withItem); err == nil {
				if again, err := parseButtonValue(v.String(), withItem); err != nil || again != v {
					t.Fatalf("button value %q read as %+v, written %q, read back %+v, %v", value, v, v.String(), again, err)
				}
			} else {
				check("button value", err)
			}
		}
		if m, err := parseNoteMeta(value); err == nil {
			if again, err := parseNoteMeta(m.String()); err != nil || again != m {
				t.Fatalf("metadata %q read as %+v, read back %+v, %v", value, m, again, err)
			}
		} else {
			check("metadata", err)
		}
	})
}
