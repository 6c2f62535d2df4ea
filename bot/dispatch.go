package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/campaign"
)

// Ack is the handlers' immediate answer to a request, which the transport
// sends back to Slack at once. Everything else happens after it.
type Ack struct {
	// Reply answers a slash command, seen only by whoever typed it.
	Reply View
	// FieldErrors keeps a submitted modal open with these messages under
	// its inputs, by block_id.
	FieldErrors map[string]string
}

// handle routes a request to its handler. It never touches the database or
// the Web API: what needs them is started with later and runs after the ack.
func (b *Bot) handle(req Request) Ack {
	switch req.Kind {
	case KindCommand:
		return b.command(req)
	case KindAction:
		return b.action(req)
	case KindViewSubmission:
		return b.submit(req)
	case KindHomeOpened:
		b.later(req, "publish the App Home", b.publishHome)
	}
	return Ack{}
}

// ackBody renders an ack as the body Slack expects for the request's kind;
// nil is an empty 200.
func (b *Bot) ackBody(req Request, ack Ack) ([]byte, error) {
	switch {
	case req.Kind == KindViewSubmission && len(ack.FieldErrors) > 0:
		return viewErrorsAck(ack.FieldErrors)
	case req.Kind == KindCommand && ack.Reply != nil:
		return b.renderer().commandAck(ack.Reply)
	}
	return nil, nil
}

func (b *Bot) renderer() renderer {
	return renderer{loc: b.loc, now: b.now()}
}

// later runs fn after the ack, with its own deadline. An error is logged
// and told to the person who asked, in words they can act on.
func (b *Bot) later(req Request, what string, fn func(ctx context.Context, req Request) error) {
	b.tasks.goLater(func(ctx context.Context) {
		defer func() {
			if p := recover(); p != nil {
				b.logger.Error("slack: "+what+" failed", slog.String("user", req.UserID), slog.Any("panic", p))
			}
		}()
		if err := fn(ctx, req); err != nil {
			b.logger.Error("slack: "+what+" failed", slog.String("user", req.UserID), slog.String("error", err.Error()))
			if req.Kind != KindHomeOpened {
				b.tell(ctx, req, NoticeView{Text: ":warning: " + userMessage(what, err)})
			}
		}
	})
}

// userMessage words an error for the person in Slack. The campaign and
// quota packages' errors are written for people; anything else (a database
// or network failure) is described without its internals, which are in the
// log.
func userMessage(what string, err error) string {
	// Errors are plain text and may quote names from a CSV file, the
	// configuration or Slack itself: escaped, they cannot forge a link or
	// a mention.
	var ue *userError
	if errors.As(err, &ue) {
		return upperFirst(esc(ue.msg)) + "."
	}
	known := []error{
		campaign.ErrUnknownCampaign, campaign.ErrNotFound, campaign.ErrOpenProposal, campaign.ErrNoCapacity,
		campaign.ErrQueueEmpty, campaign.ErrQueueTidied, campaign.ErrNoNotesLeft, campaign.ErrCampaignPaused, campaign.ErrAccountUnavailable,
		campaign.ErrDecided, campaign.ErrStale, campaign.ErrBlocked, campaign.ErrLint, errSlackCall,
	}
	for _, k := range known {
		if errors.Is(err, k) {
			msg := err.Error()
			for _, prefix := range []string{"campaign: ", "bot: ", "quota: "} {
				msg = strings.TrimPrefix(msg, prefix)
			}
			return upperFirst(esc(msg)) + "."
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Pacer could not " + what + " in time; try again in a minute."
	}
	return "Pacer could not " + what + "; the error is in Pacer's log. Try again in a minute."
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// errSlackCall wraps failed Web API calls.
var errSlackCall = errors.New("bot: Slack refused a call")

func slackCall(method string, err error) error {
	if err == nil {
		return nil
	}
	return &slackError{method: method, err: err}
}

// slackError is a failed Web API call. Its message names the method and
// Slack's error code, nothing the request carried.
type slackError struct {
	method string
	err    error
}

func (e *slackError) Error() string {
	return fmt.Sprintf("bot: Slack refused a call: %s answered %s", e.method, slackErrorText(e.err))
}

// Unwrap lets callers match errSlackCall and the Web API's own errors
// (a *slack.RateLimitedError snoozes a job).
func (e *slackError) Unwrap() []error { return []error{errSlackCall, e.err} }

// tell answers the person who made the request, privately: through the
// command's response_url, as an ephemeral message beside the clicked
// message, or, for a click in the App Home (no channel, no response_url),
// in a direct message.
func (b *Bot) tell(ctx context.Context, req Request, v View) {
	m := b.renderer().render(v)
	var err error
	switch {
	case req.Kind == KindCommand && req.ResponseURL != "":
		err = b.respond(ctx, req.ResponseURL, m, false)
	case req.ChannelID != "":
		_, err = b.api.PostEphemeralContext(ctx, req.ChannelID, req.UserID,
			slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		err = slackCall("chat.postEphemeral", err)
	case req.ResponseURL != "":
		err = b.respond(ctx, req.ResponseURL, m, false)
	case req.Kind == KindAction && req.UserID != "":
		_, _, err = b.api.PostMessageContext(ctx, req.UserID, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		err = slackCall("chat.postMessage", err)
	}
	if err != nil {
		b.logger.Warn("slack: could not answer a user", slog.String("user", req.UserID), slog.String("error", err.Error()))
	}
}

// reply answers a command: privately unless inChannel.
func (b *Bot) reply(ctx context.Context, req Request, v View, inChannel bool) error {
	m := b.renderer().render(v)
	if req.ResponseURL == "" {
		_, err := b.api.PostEphemeralContext(ctx, req.ChannelID, req.UserID, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...))
		return slackCall("chat.postEphemeral", err)
	}
	return b.respond(ctx, req.ResponseURL, m, inChannel)
}

// respond posts a message to a response_url. The URL is a capability (it
// lets anyone answer in the channel for 30 minutes): it never appears in an
// error or a log.
func (b *Bot) respond(ctx context.Context, responseURL string, m message, inChannel bool) error {
	kind := slack.ResponseTypeEphemeral
	if inChannel {
		kind = slack.ResponseTypeInChannel
	}
	body, err := json.Marshal(map[string]any{
		"response_type": kind, "text": m.Text, "blocks": m.Blocks, "replace_original": false,
	})
	if err != nil {
		return fmt.Errorf("bot: encode a reply: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: the response_url is not a URL", errSlackCall)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: the response_url did not answer in time", errSlackCall)
		}
		return fmt.Errorf("%w: the response_url could not be reached", errSlackCall)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: the response_url answered %d %s", errSlackCall, resp.StatusCode, strings.TrimSpace(string(answer)))
	}
	return nil
}
