package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode connects to Slack over Socket Mode (SLACK_APP_TOKEN) and
// serves until ctx ends. Without an app token it returns nil at once: HTTP
// mode serves alone.
func (b *Bot) RunSocketMode(ctx context.Context) error {
	if !b.cfg.Slack.AppToken.IsSet() {
		return nil
	}
	client := socketmode.New(b.api,
		socketmode.OptionLog(slog.NewLogLogger(b.logger.Handler(), slog.LevelDebug)))
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("bot: Socket Mode stopped: %s; check SLACK_APP_TOKEN (an app-level token with connections:write)", slackErrorText(err))
		case evt := <-client.Events:
			// Each envelope on its own, as HTTP mode's requests are: a note
			// edit waiting for the database must not hold the others' acks.
			go b.socketEvent(evt, func(envelopeID string, payload []byte) error {
				if payload == nil {
					return client.AckCtx(ctx, envelopeID, nil)
				}
				return client.AckCtx(ctx, envelopeID, json.RawMessage(payload))
			})
		}
	}
}

// socketEvent is Socket Mode's translation: the envelope's payload becomes a
// Request, the handlers' Ack becomes the envelope's acknowledgement. The
// payload is read with the same parsers as HTTP mode; Socket Mode needs no
// signature, since the connection itself is authenticated by the app token.
// An envelope slack-go could not read is read here all the same, so that a
// payload shape it does not know neither goes unanswered nor is retried by
// Slack forever.
func (b *Bot) socketEvent(evt socketmode.Event, ack func(envelopeID string, payload []byte) error) {
	env := evt.Request
	switch evt.Type {
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
	case socketmode.EventTypeErrorBadMessage:
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		var req socketmode.Request
		if !ok || json.Unmarshal(bad.Message, &req) != nil || req.EnvelopeID == "" {
			b.logger.Warn("slack: Socket Mode received a message that is not an envelope")
			return
		}
		env = &req
	case socketmode.EventTypeConnected:
		b.logger.Info("slack: connected over Socket Mode")
		return
	case socketmode.EventTypeConnectionError:
		attrs := []any{}
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			// Dial errors name host and port, never the connection's ticket.
			attrs = append(attrs, slog.Int("attempt", ce.Attempt), slog.Duration("retry_in", ce.Backoff), slog.String("error", slackErrorText(ce.ErrorObj)))
		}
		b.logger.Warn("slack: cannot connect over Socket Mode; retrying", attrs...)
		return
	case socketmode.EventTypeInvalidAuth:
		b.logger.Error("slack: Socket Mode refused SLACK_APP_TOKEN; create an app-level token with connections:write")
		return
	case socketmode.EventTypeIncomingError:
		b.logger.Warn("slack: Socket Mode could not read from its connection")
		return
	default:
		return
	}
	if env == nil {
		return
	}
	// Every envelope is acknowledged, even a useless one: Slack would send
	// it again otherwise.
	if err := ack(env.EnvelopeID, b.socketAck(env)); err != nil {
		b.logger.Warn("slack: acknowledge a Socket Mode envelope", slog.String("error", err.Error()))
	}
}

// socketAck translates one envelope and returns its acknowledgement's
// payload (nil: none).
func (b *Bot) socketAck(env *socketmode.Request) (body []byte) {
	defer func() {
		if p := recover(); p != nil {
			b.logger.Error("slack: a Socket Mode envelope could not be handled", slog.String("type", env.Type), slog.Any("panic", p))
			body = nil
		}
	}()
	var (
		req Request
		err error
	)
	switch env.Type {
	case socketmode.RequestTypeSlashCommands:
		req, err = commandFromJSON(env.Payload)
	case socketmode.RequestTypeInteractive:
		req, err = interactionFromJSON(env.Payload)
	case socketmode.RequestTypeEventsAPI:
		req, _, err = eventFromJSON(env.Payload)
	default:
		return nil
	}
	switch {
	case err != nil:
		b.logger.Warn("slack: malformed Socket Mode payload", slog.String("type", env.Type), slog.String("reason", err.Error()))
		return nil
	case req.TeamID != b.teamID:
		b.logger.Warn("slack: Socket Mode payload from another workspace dropped", slog.String("team", req.TeamID))
		return nil
	}
	body, err = b.ackBody(req, b.handle(req))
	if err != nil {
		b.logger.Error("slack: render an ack", slog.String("error", err.Error()))
		return nil
	}
	return body
}
