package bot

import (
	"github.com/slack-go/slack"
)

// Rendering of the alerts that need people.

func (r renderer) alert(v AlertView) message {
	text := "*" + esc(v.Title) + "*"
	if v.Body != "" {
		text += "\n" + v.Body
	}
	blocks := []slack.Block{section("alert", text)}
	if v.Until != nil {
		blocks = append(blocks, contextBlock("Until "+r.when(*v.Until)))
	}
	return message{Text: clip(esc(v.Title), maxFallbackText), Blocks: blocks}
}
