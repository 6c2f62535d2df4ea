package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Kind says what a person did in Slack.
type Kind string

// Request kinds. KindOther is a well-formed payload Pacer has no use for (a
// modal closed, another event type); it is acknowledged and dropped.
const (
	KindCommand        Kind = "command"
	KindAction         Kind = "block_action"
	KindViewSubmission Kind = "view_submission"
	KindHomeOpened     Kind = "app_home_opened"
	KindOther          Kind = "other"
)

// Request is one thing a person did in Slack, whichever transport carried
// it: both HTTP mode and Socket Mode translate their payloads into it, and
// handlers see nothing else.
type Request struct {
	Kind   Kind
	TeamID string
	UserID string
	// ChannelID is where the command was typed or the button clicked.
	ChannelID string
	// ResponseURL answers the person where they acted (commands, buttons).
	ResponseURL string
	// TriggerID lets a handler open a modal, for three seconds.
	TriggerID string

	// Text is what followed the slash command ("quota anna").
	Text string

	// ActionID and Value are the clicked button's; MessageTS is the message
	// it belongs to.
	ActionID  string
	Value     string
	MessageTS string

	// CallbackID, ViewID and Metadata (private_metadata) identify a submitted
	// modal; Inputs holds its values by block_id.
	CallbackID string
	ViewID     string
	Metadata   string
	Inputs     map[string]string
}

// ErrMalformed is wrapped by every parsing error: the payload is not what
// Slack sends. HTTP mode answers it 400.
var ErrMalformed = errors.New("bot: malformed Slack payload")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// commandFromForm reads a slash command as HTTP mode receives it
// (application/x-www-form-urlencoded).
func commandFromForm(v url.Values) (Request, error) {
	return commandRequest(commandPayload{
		TeamID: v.Get("team_id"), UserID: v.Get("user_id"), ChannelID: v.Get("channel_id"),
		Command: v.Get("command"), Text: v.Get("text"), ResponseURL: v.Get("response_url"),
		TriggerID: v.Get("trigger_id"),
	})
}

// commandFromJSON reads a slash command as Socket Mode receives it: the same
// fields, as a JSON object.
func commandFromJSON(raw []byte) (Request, error) {
	var p commandPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return Request{}, malformed("slash command: %v", err)
	}
	return commandRequest(p)
}

func commandRequest(p commandPayload) (Request, error) {
	if p.TeamID == "" || p.UserID == "" || p.Command == "" {
		return Request{}, malformed("slash command without team_id, user_id or command")
	}
	return Request{
		Kind: KindCommand, TeamID: p.TeamID, UserID: p.UserID, ChannelID: p.ChannelID,
		Text: strings.TrimSpace(p.Text), ResponseURL: p.ResponseURL, TriggerID: p.TriggerID,
	}, nil
}

// interactionFromJSON reads an interaction payload (the payload= form field
// in HTTP mode, the envelope's payload in Socket Mode). Only the fields Pacer
// uses are decoded: the message's blocks, which can be large, are skipped.
func interactionFromJSON(raw []byte) (Request, error) {
	var p interactionPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return Request{}, malformed("interaction: %v", err)
	}
	if p.Type == "" || p.Team.ID == "" || p.User.ID == "" {
		return Request{}, malformed("interaction without type, team or user")
	}
	r := Request{
		Kind: KindOther, TeamID: p.Team.ID, UserID: p.User.ID, ChannelID: p.Channel.ID,
		ResponseURL: p.ResponseURL, TriggerID: p.TriggerID,
	}
	if r.ChannelID == "" {
		r.ChannelID = p.Container.ChannelID
	}
	switch p.Type {
	case "block_actions":
		if len(p.Actions) == 0 {
			return Request{}, malformed("block_actions without actions")
		}
		a := p.Actions[0]
		r.Kind, r.ActionID, r.Value = KindAction, a.ActionID, a.Value
		r.MessageTS = p.Container.MessageTS
		if r.MessageTS == "" {
			r.MessageTS = p.Message.TS
		}
	case "view_submission":
		r.Kind, r.CallbackID, r.ViewID, r.Metadata = KindViewSubmission, p.View.CallbackID, p.View.ID, p.View.PrivateMetadata
		r.Inputs = map[string]string{}
		for blockID, actions := range p.View.State.Values {
			for _, input := range actions {
				if input.Value != nil {
					r.Inputs[blockID] = *input.Value
				}
			}
		}
	}
	return r, nil
}

// eventFromJSON reads an Events API body. A url_verification handshake
// returns its challenge and a zero Request.
func eventFromJSON(raw []byte) (r Request, challenge string, err error) {
	var p eventPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return Request{}, "", malformed("event: %v", err)
	}
	switch p.Type {
	case "url_verification":
		if p.Challenge == "" {
			return Request{}, "", malformed("url_verification without a challenge")
		}
		return Request{}, p.Challenge, nil
	case "event_callback":
	default:
		return Request{}, "", malformed("event of type %q", p.Type)
	}
	if p.TeamID == "" {
		return Request{}, "", malformed("event without team_id")
	}
	r = Request{Kind: KindOther, TeamID: p.TeamID, UserID: p.Event.User, ChannelID: p.Event.Channel}
	if p.Event.Type == "app_home_opened" && p.Event.Tab == "home" && p.Event.User != "" {
		r.Kind = KindHomeOpened
	}
	return r, "", nil
}

// The payloads, as far as Pacer reads them.
type commandPayload struct {
	TeamID      string `json:"team_id"`
	UserID      string `json:"user_id"`
	ChannelID   string `json:"channel_id"`
	Command     string `json:"command"`
	Text        string `json:"text"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
}

type interactionPayload struct {
	Type        string `json:"type"`
	TriggerID   string `json:"trigger_id"`
	ResponseURL string `json:"response_url"`
	Team        struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		MessageTS string `json:"message_ts"`
		ChannelID string `json:"channel_id"`
	} `json:"container"`
	Message struct {
		TS string `json:"ts"`
	} `json:"message"`
	Actions []struct {
		ActionID string `json:"action_id"`
		BlockID  string `json:"block_id"`
		Value    string `json:"value"`
	} `json:"actions"`
	View struct {
		ID              string `json:"id"`
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		State           struct {
			Values map[string]map[string]struct {
				Value *string `json:"value"`
			} `json:"values"`
		} `json:"state"`
	} `json:"view"`
}

type eventPayload struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	TeamID    string `json:"team_id"`
	Event     struct {
		Type    string `json:"type"`
		User    string `json:"user"`
		Channel string `json:"channel"`
		Tab     string `json:"tab"`
	} `json:"event"`
}
