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
			b.socketEvent(evt, func(payload []byte) error {
				if evt.Request == nil {
					return nil
				}
				if payload == nil {
					return client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
				}
				return client.AckCtx(ctx, evt.Request.EnvelopeID, json.RawMessage(payload))
			})
		}
	}
}

// socketEvent is Socket Mode's translation: the envelope's payload becomes a
// Request, the handlers' Ack becomes the envelope's acknowledgement. The
// payload is read with the same parsers as HTTP mode; Socket Mode needs no
// signature, since the connection itself is authenticated by the app token.
func (b *Bot) socketEvent(evt socketmode.Event, ack func(payload []byte) error) {
	var (
		req Request
		err error
	)
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		req, err = commandFromJSON(evt.Request.Payload)
	case socketmode.EventTypeInteractive:
		req, err = interactionFromJSON(evt.Request.Payload)
	case socketmode.EventTypeEventsAPI:
		req, _, err = eventFromJSON(evt.Request.Payload)
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
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage:
		b.logger.Warn("slack: Socket Mode received a message it could not read", slog.String("event", string(evt.Type)))
		return
	default:
		return
	}
	if evt.Request == nil {
		return
	}
	// Every envelope is acknowledged, even a useless one: Slack would send
	// it again otherwise.
	var body []byte
	switch {
	case err != nil:
		b.logger.Warn("slack: malformed Socket Mode payload", slog.String("type", string(evt.Type)), slog.String("reason", err.Error()))
	case req.TeamID != b.teamID:
		b.logger.Warn("slack: Socket Mode payload from another workspace dropped", slog.String("team", req.TeamID))
	default:
		body, err = b.ackBody(req, b.handle(req))
		if err != nil {
			b.logger.Error("slack: render an ack", slog.String("error", err.Error()))
			body = nil
		}
	}
	if err := ack(body); err != nil {
		b.logger.Warn("slack: acknowledge a Socket Mode envelope", slog.String("error", err.Error()))
	}
}
