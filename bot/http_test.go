package bot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pacerhq/pacer/models"
	"github.com/pacerhq/pacer/models/storetest"
)

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	now := time.Unix(1780300000, 0)
	body := []byte("token=x&team_id=T0PACER&text=help")
	good := Sign(testSecret, now, body)
	tests := []struct {
		name   string
		header func() http.Header
		body   []byte
		want   error
	}{
		{"valid", func() http.Header { return good }, body, nil},
		{"valid at the edge of the window", func() http.Header { return Sign(testSecret, now.Add(-5*time.Minute), body) }, body, nil},
		{"no headers", func() http.Header { return http.Header{} }, body, ErrMissingSignature},
		{"no signature", func() http.Header { h := good.Clone(); h.Del(headerSignature); return h }, body, ErrMissingSignature},
		{"no timestamp", func() http.Header { h := good.Clone(); h.Del(headerTimestamp); return h }, body, ErrMissingSignature},
		{"other secret", func() http.Header { return Sign("another-secret", now, body) }, body, ErrBadSignature},
		{"body changed", func() http.Header { return good }, []byte("token=x&team_id=T0PACER&text=pause+anna"), ErrBadSignature},
		{"no v0 prefix", func() http.Header {
			h := good.Clone()
			h.Set(headerSignature, strings.TrimPrefix(h.Get(headerSignature), "v0="))
			return h
		}, body, ErrBadSignature},
		{"v1 scheme", func() http.Header {
			h := good.Clone()
			h.Set(headerSignature, "v1="+strings.TrimPrefix(h.Get(headerSignature), "v0="))
			return h
		}, body, ErrBadSignature},
		{"not hex", func() http.Header { h := good.Clone(); h.Set(headerSignature, "v0=zz"); return h }, body, ErrBadSignature},
		{"short", func() http.Header { h := good.Clone(); h.Set(headerSignature, "v0=abcd"); return h }, body, ErrBadSignature},
		{"timestamp not a number", func() http.Header { h := good.Clone(); h.Set(headerTimestamp, "yesterday"); return h }, body, ErrBadSignature},
		{"timestamp re-signed older", func() http.Header { return Sign(testSecret, now.Add(-5*time.Minute-time.Second), body) }, body, ErrStaleTimestamp},
		{"timestamp in the future", func() http.Header { return Sign(testSecret, now.Add(6*time.Minute), body) }, body, ErrStaleTimestamp},
		{"absurd timestamp", func() http.Header {
			h := good.Clone()
			h.Set(headerTimestamp, strconv.FormatInt(-1<<62, 10))
			return h
		}, body, ErrStaleTimestamp},
		{"timestamp swapped after signing", func() http.Header {
			h := good.Clone()
			h.Set(headerTimestamp, strconv.FormatInt(now.Unix()-1, 10))
			return h
		}, body, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verifySignature([]byte(testSecret), tt.header(), tt.body, now); got != tt.want {
				t.Errorf("verifySignature() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHTTPRefusesUnverified: nothing unsigned, mis-signed or stale gets past
// the signature, on any endpoint, and nothing happens.
func TestHTTPRefusesUnverified(t *testing.T) {
	b := setupWith(t, storetest.SQLite(t), newFakeSlack(t), nil)
	p := b.proposeFor(t)
	b.slack.reset()
	bodies := map[string]string{
		PathCommands:      b.commandBody(approver, ctoChannel, "pause anna"),
		PathInteractivity: b.blockActionBody(approver, p, ActionApprove, buttonValue{ProposalID: p.ID, Version: p.Version}.String()),
		PathEvents:        homeOpenedBody(testTeam, approver),
	}
	now := b.clock.Now()
	for path, body := range bodies {
		cases := map[string]http.Header{
			"missing signature": {},
			"bad signature":     Sign("not-the-secret", now, []byte(body)),
			"stale timestamp":   Sign(testSecret, now.Add(-6*time.Minute), []byte(body)),
			"future timestamp":  Sign(testSecret, now.Add(6*time.Minute), []byte(body)),
			"body tampered":     Sign(testSecret, now, []byte(body+"x")),
		}
		for name, h := range cases {
			t.Run(path+"/"+name, func(t *testing.T) {
				resp := b.postWith(t, path, body, h)
				b.bot.tasks.wait()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("status = %d, want 401", resp.StatusCode)
				}
			})
		}
	}
	if calls := b.slack.recorded(); len(calls) != 0 {
		t.Errorf("Slack was called %d times by refused requests: %+v", len(calls), calls[0])
	}
	if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
		t.Errorf("proposal state = %s after refused requests, want open", got.State)
	}
	var acct models.Account
	b.store.DB.Where("name = ?", "anna").First(&acct)
	if acct.State != models.AccountActive {
		t.Errorf("anna = %s after a refused pause, want active", acct.State)
	}
}

// TestHTTPOtherWorkspace: a well-signed payload from another workspace is
// refused with 403 and changes nothing.
func TestHTTPOtherWorkspace(t *testing.T) {
	b := setupWith(t, storetest.SQLite(t), newFakeSlack(t), nil)
	p := b.proposeFor(t)
	b.slack.reset()
	value := buttonValue{ProposalID: p.ID, Version: p.Version}.String()
	bodies := map[string]string{
		PathCommands:      commandForm("T0OTHER", approver, ctoChannel, "pause anna", b.slack.responseURLFor("x")).Encode(),
		PathInteractivity: url.Values{"payload": {blockActionJSON("T0OTHER", approver, p.Channel, p.MessageTS, ActionApprove, value, "")}}.Encode(),
		PathEvents:        homeOpenedBody("T0OTHER", approver),
	}
	for path, body := range bodies {
		resp := b.post(t, path, body)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status = %d, want 403", path, resp.StatusCode)
		}
	}
	if calls := b.slack.recorded(); len(calls) != 0 {
		t.Errorf("Slack was called by another workspace's requests: %+v", calls)
	}
	if got := b.proposal(t, p.ID); got.State != models.ProposalOpen {
		t.Errorf("proposal state = %s, want open", got.State)
	}
}

// TestHTTPMalformed: signed garbage is a 400, never a 500 or a panic.
func TestHTTPMalformed(t *testing.T) {
	b := setupWith(t, storetest.SQLite(t), newFakeSlack(t), nil)
	tests := []struct {
		name, path, body string
	}{
		{"command: bad form encoding", PathCommands, "team_id=%zz"},
		{"command: empty", PathCommands, ""},
		{"command: no user", PathCommands, "team_id=T0PACER&command=%2Fpacer&text=help"},
		{"interaction: no payload", PathInteractivity, "token=x"},
		{"interaction: payload not JSON", PathInteractivity, "payload=%7Bnot+json"},
		{"interaction: payload an array", PathInteractivity, "payload=%5B1%2C2%5D"},
		{"interaction: no team", PathInteractivity, url.Values{"payload": {`{"type":"block_actions","user":{"id":"U0APPROVER"},"actions":[]}`}}.Encode()},
		{"interaction: no actions", PathInteractivity, url.Values{"payload": {`{"type":"block_actions","team":{"id":"T0PACER"},"user":{"id":"U0APPROVER"}}`}}.Encode()},
		{"interaction: wrong types", PathInteractivity, url.Values{"payload": {`{"type":"block_actions","team":{"id":7},"user":{"id":"U"}}`}}.Encode()},
		{"event: not JSON", PathEvents, "challenge=abc"},
		{"event: unknown envelope", PathEvents, `{"type":"app_rate_limited","team_id":"T0PACER"}`},
		{"event: challenge missing", PathEvents, `{"type":"url_verification"}`},
		{"event: no team", PathEvents, `{"type":"event_callback","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := b.post(t, tt.path, tt.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400 (body %q)", resp.StatusCode, body(t, resp))
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := "text=" + strings.Repeat("a", maxBodyBytes+1)
		resp := b.post(t, PathCommands, big)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413", resp.StatusCode)
		}
	})
}

func TestHTTPURLVerification(t *testing.T) {
	b := setupWith(t, storetest.SQLite(t), newFakeSlack(t), nil)
	resp := b.post(t, PathEvents, `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	if got := body(t, resp); resp.StatusCode != 200 || !strings.Contains(got, `"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"`) {
		t.Errorf("url_verification: %d %q", resp.StatusCode, got)
	}
	// The challenge is signed too: an unsigned one is refused.
	resp = b.postWith(t, PathEvents, `{"challenge":"x","type":"url_verification"}`, http.Header{})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned url_verification: %d, want 401", resp.StatusCode)
	}
}

// TestAckDoesNotWaitForSlackOrTheDatabase: with the database locked and
// Slack not answering, every kind of request is still acknowledged; the
// work happens once both come back. The test asserts the order (ack first),
// not a duration: the benchmark measures the latency.
func TestAckDoesNotWaitForSlackOrTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *models.Store) {
		b := setupWith(t, s, newFakeSlack(t), nil)
		p := b.proposeFor(t)
		release := b.slack.block()
		unlock := lockDatabase(t, s)
		value := buttonValue{ProposalID: p.ID, Version: p.Version}.String()
		item := b.items(t, p.ID)[0]
		meta := noteMeta{ProposalID: p.ID, ItemID: item.ID, Version: p.Version, Account: "anna", Channel: ctoChannel}.String()
		requests := []struct{ path, body string }{
			{PathCommands, b.commandBody(approver, ctoChannel, "quota")},
			{PathCommands, b.commandBody(approver, ctoChannel, "pause anna")},
			// A note edit waits for the database at most submitBudget.
			{PathInteractivity, viewSubmissionBody(testTeam, approver, meta, "Hi {{first_name}}, welcome.")},
			{PathInteractivity, b.blockActionBody(approver, p, ActionApprove, value)},
			{PathEvents, homeOpenedBody(testTeam, approver)},
		}
		for _, r := range requests {
			resp := b.postSigned(t, r.path, r.body, b.clock.Now())
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d while Slack and the database hang", r.path, resp.StatusCode)
			}
		}
		unlock()
		release()
		b.bot.tasks.wait()
		// The edit and the approval raced once the database came back;
		// whichever came first, both were handled.
		// The edit and the approval waited for the same rows: whichever went
		// first won, and the approver was told about the other.
		approved := b.proposal(t, p.ID).State == models.ProposalApproved
		edited := b.items(t, p.ID)[0].Note == "Hi Ada1, welcome."
		switch {
		case approved && edited:
			t.Error("the note changed after the approval")
		case approved && !b.toldAny(approver, "Your note was not saved"):
			t.Error("the approval won, but the editor was not told the note was not saved")
		case edited && !b.toldAny(approver, "changed since you saw it"):
			t.Error("the edit won, but the approver was not told the proposal changed")
		case !approved && !edited:
			t.Errorf("neither the approval nor the edit happened once the database came back; told: %+v", b.slack.recorded("chat.postEphemeral"))
		}
	})
}

// lockDatabase holds the tables the handlers write until unlock is called.
func lockDatabase(t *testing.T, s *models.Store) (unlock func()) {
	t.Helper()
	tx := s.DB.Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	var err error
	if s.Dialect == models.DialectPostgres {
		err = tx.Exec("LOCK TABLE proposals, accounts IN ACCESS EXCLUSIVE MODE").Error
	} else {
		// _txlock=immediate: the transaction holds SQLite's write lock.
		err = tx.Exec("UPDATE accounts SET updated_at = updated_at").Error
	}
	if err != nil {
		t.Fatal(err)
	}
	done := false
	unlock = func() {
		if !done {
			done = true
			tx.Rollback()
		}
	}
	t.Cleanup(unlock)
	return unlock
}

// proposeFor imports prospects into cto-berlin and posts a proposal of 3.
func (b *bundle) proposeFor(t testing.TB) models.Proposal {
	t.Helper()
	b.importProspects(t, "cto-berlin", 1, 5)
	return b.propose(t, "cto-berlin", 3)
}

func TestCheckConfigNamesTheVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    []string
		wantNil bool
	}{
		{"nothing", map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""}, []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"}, false},
		{"no transport", map[string]string{"SLACK_SIGNING_SECRET": ""}, []string{"SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"}, false},
		{"http mode", nil, nil, true},
		{"socket mode", map[string]string{"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-1-test"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadTestConfig(t, "http://127.0.0.1:1/api/", tt.env)
			err := CheckConfig(cfg)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("CheckConfig() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("CheckConfig() = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckConfig() = %q, does not name %s", err, w)
				}
			}
			_, nerr := New(context.Background(), cfg, nil, Options{})
			if nerr == nil || nerr.Error() != err.Error() {
				t.Errorf("New() = %v, want the same error", nerr)
			}
		})
	}
}

func TestNewLearnsTheWorkspace(t *testing.T) {
	fake := newFakeSlack(t)
	fake.team = "T0LEARNED"
	b := setupWith(t, storetest.SQLite(t), fake, map[string]string{"SLACK_TEAM_ID": ""})
	if b.bot.TeamID() != "T0LEARNED" {
		t.Fatalf("TeamID() = %q, want the one auth.test gave", b.bot.TeamID())
	}
	if len(fake.recorded("auth.test")) != 1 {
		t.Errorf("auth.test calls = %d, want 1", len(fake.recorded("auth.test")))
	}
	// A payload from the configured test team is now another workspace.
	resp := b.post(t, PathCommands, b.commandBody(approver, ctoChannel, "help"))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
}
