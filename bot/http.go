package bot

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/pacerhq/pacer/server"
)

// maxBodyBytes bounds what HTTP mode reads of a request. Slack's largest
// payloads (a block_actions carrying a whole 50-block message) stay well
// below it.
const maxBodyBytes = 1 << 20

// HTTP mode's endpoints (DESIGN §11).
const (
	PathCommands      = "/slack/commands"
	PathInteractivity = "/slack/interactivity"
	PathEvents        = "/slack/events"
)

// Mount mounts HTTP mode's endpoints on srv when SLACK_SIGNING_SECRET is
// set; without it, Slack cannot be verified and nothing is mounted.
func (b *Bot) Mount(srv *server.Server) {
	if len(b.secret) == 0 {
		return
	}
	srv.Handle("POST "+PathCommands, b.HTTPHandler(PathCommands))
	srv.Handle("POST "+PathInteractivity, b.HTTPHandler(PathInteractivity))
	srv.Handle("POST "+PathEvents, b.HTTPHandler(PathEvents))
}

// HTTPHandler returns the handler of one of HTTP mode's endpoints.
func (b *Bot) HTTPHandler(path string) http.Handler {
	var parse func(body []byte) (Request, string, error)
	switch path {
	case PathCommands:
		parse = func(body []byte) (Request, string, error) {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				return Request{}, "", malformed("slash command form: %v", err)
			}
			r, err := commandFromForm(form)
			return r, "", err
		}
	case PathInteractivity:
		parse = func(body []byte) (Request, string, error) {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				return Request{}, "", malformed("interaction form: %v", err)
			}
			payload := form.Get("payload")
			if payload == "" {
				return Request{}, "", malformed("interaction without payload")
			}
			r, err := interactionFromJSON([]byte(payload))
			return r, "", err
		}
	case PathEvents:
		parse = eventFromJSON
	default:
		panic("bot: HTTPHandler of an unknown path " + path)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.serveHTTP(w, r, path, parse) })
}

// serveHTTP is HTTP mode: read the raw body, verify it, parse it, check the
// workspace, then answer with the handlers' ack. The order matters: nothing
// unverified reaches a parser, and nothing is parsed twice.
func (b *Bot) serveHTTP(w http.ResponseWriter, r *http.Request, path string, parse func([]byte) (Request, string, error)) {
	// A bug in a parser must cost one request a 400, never the process or
	// a 500 that Slack would retry.
	defer func() {
		if p := recover(); p != nil {
			b.logger.Error("slack: a request could not be handled", slog.String("path", path), slog.Any("panic", p))
			http.Error(w, "malformed request", http.StatusBadRequest)
		}
	}()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := verifySignature(b.secret, r.Header, body, b.now()); err != nil {
		b.logger.Warn("slack: request refused", slog.String("path", path), slog.String("reason", err.Error()))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	req, challenge, err := parse(body)
	if err != nil {
		b.logger.Warn("slack: malformed request", slog.String("path", path), slog.String("reason", err.Error()))
		http.Error(w, "malformed request", http.StatusBadRequest)
		return
	}
	if challenge != "" {
		writeJSON(w, map[string]string{"challenge": challenge})
		return
	}
	if req.TeamID != b.teamID {
		b.logger.Warn("slack: request from another workspace refused", slog.String("path", path), slog.String("team", req.TeamID))
		http.Error(w, "wrong workspace", http.StatusForbidden)
		return
	}
	body, err = b.ackBody(req, b.handle(req))
	if err != nil {
		// Rendering an ack cannot fail on valid views; answer the ack
		// empty rather than leave Slack waiting.
		b.logger.Error("slack: render an ack", slog.String("error", err.Error()))
		body = nil
	}
	if len(body) == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
