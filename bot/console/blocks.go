package console

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit's limits, as Slack enforces them
// (https://docs.slack.dev/reference/block-kit/blocks).
const (
	maxMessageBlocks = 50
	maxViewBlocks    = 100
	maxSectionText   = 3000
	maxFieldText     = 2000
	maxFields        = 10
	maxHeaderText    = 150
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxActionsItems  = 25
	maxContextItems  = 10
	maxBlockID       = 255
)

// blockTypes are the block types Slack knows.
var blockTypes = map[string]bool{
	"section": true, "context": true, "divider": true, "actions": true, "header": true, "image": true,
	"input": true, "rich_text": true, "video": true, "file": true, "markdown": true, "table": true,
}

// checkBlocks reads blocks as Slack does and returns the messages Slack
// would refuse them with (invalid_blocks), in Slack's style: "[ERROR] must
// be less than 51 items [json-pointer:/blocks]". Empty input is no blocks.
func checkBlocks(raw json.RawMessage, max int) ([]map[string]any, []string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, []string{"[ERROR] blocks must be a JSON array of objects [json-pointer:/blocks]"}
	}
	c := blockChecker{ids: map[string]bool{}}
	if len(blocks) > max {
		c.add("must be less than %d items [json-pointer:/blocks]", max+1)
	}
	for i, b := range blocks {
		c.block(b, fmt.Sprintf("/blocks/%d", i))
	}
	return blocks, c.problems
}

// blockChecker gathers the problems Slack would find in a list of blocks.
type blockChecker struct {
	problems []string
	// ids are the block_ids seen so far: Slack refuses a second one.
	ids map[string]bool
}

func (c *blockChecker) add(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("[ERROR] "+format, args...))
}

// block checks one block, at its JSON pointer.
func (c *blockChecker) block(b map[string]any, at string) {
	typ, _ := b["type"].(string)
	if !blockTypes[typ] {
		c.add("unsupported type: %s [json-pointer:%s/type]", typ, at)
		return
	}
	if id, _ := b["block_id"].(string); id != "" {
		if c.ids[id] {
			c.add("duplicate block_id: %s [json-pointer:%s/block_id]", id, at)
		}
		c.ids[id] = true
		if len(id) > maxBlockID {
			c.add("must be less than %d characters [json-pointer:%s/block_id]", maxBlockID+1, at)
		}
	}
	switch typ {
	case "section":
		c.section(b, at)
	case "header":
		if n := utf8.RuneCountInString(textOf(b["text"])); n == 0 || n > maxHeaderText {
			c.add("must be between 1 and %d characters [json-pointer:%s/text/text]", maxHeaderText, at)
		}
	case "context":
		if elems, _ := b["elements"].([]any); len(elems) == 0 || len(elems) > maxContextItems {
			c.add("must have between 1 and %d elements [json-pointer:%s/elements]", maxContextItems, at)
		}
	case "actions":
		c.actions(b, at)
	case "input":
		if _, ok := b["element"].(map[string]any); !ok {
			c.add("missing required field: element [json-pointer:%s]", at)
		}
	}
}

// section checks a section's text and fields.
func (c *blockChecker) section(b map[string]any, at string) {
	fields, _ := b["fields"].([]any)
	if textOf(b["text"]) == "" && len(fields) == 0 {
		c.add("must provide either text or fields [json-pointer:%s]", at)
	}
	if n := utf8.RuneCountInString(textOf(b["text"])); n > maxSectionText {
		c.add("must be less than %d characters [json-pointer:%s/text/text]", maxSectionText+1, at)
	}
	if len(fields) > maxFields {
		c.add("must be less than %d items [json-pointer:%s/fields]", maxFields+1, at)
	}
	for j, f := range fields {
		if utf8.RuneCountInString(textOf(f)) > maxFieldText {
			c.add("must be less than %d characters [json-pointer:%s/fields/%d/text]", maxFieldText+1, at, j)
		}
	}
}

// actions checks an actions block's elements: how many, their action_ids
// (unique within the block) and their buttons' text and value.
func (c *blockChecker) actions(b map[string]any, at string) {
	elems, _ := b["elements"].([]any)
	if len(elems) == 0 || len(elems) > maxActionsItems {
		c.add("must have between 1 and %d elements [json-pointer:%s/elements]", maxActionsItems, at)
	}
	actionIDs := map[string]bool{}
	for j, e := range elems {
		el, _ := e.(map[string]any)
		if id, _ := el["action_id"].(string); id != "" {
			if actionIDs[id] {
				c.add("duplicate action_id: %s [json-pointer:%s/elements/%d/action_id]", id, at, j)
			}
			actionIDs[id] = true
		}
		if el["type"] == "button" {
			if n := utf8.RuneCountInString(textOf(el["text"])); n == 0 || n > maxButtonText {
				c.add("must be between 1 and %d characters [json-pointer:%s/elements/%d/text/text]", maxButtonText, at, j)
			}
			if v, _ := el["value"].(string); len(v) > maxButtonValue {
				c.add("must be less than %d characters [json-pointer:%s/elements/%d/value]", maxButtonValue+1, at, j)
			}
		}
	}
}

// textOf returns a text object's text ("" when it is none).
func textOf(v any) string {
	obj, _ := v.(map[string]any)
	s, _ := obj["text"].(string)
	return s
}

// findElement finds an interactive element of blocks by block_id and
// action_id (any block when blockID is empty).
func findElement(blocks []map[string]any, blockID, actionID string) (string, map[string]any) {
	for _, b := range blocks {
		id, _ := b["block_id"].(string)
		if blockID != "" && id != blockID {
			continue
		}
		var elems []any
		switch {
		case b["elements"] != nil:
			elems, _ = b["elements"].([]any)
		case b["accessory"] != nil:
			elems = []any{b["accessory"]}
		}
		for _, e := range elems {
			el, _ := e.(map[string]any)
			if el != nil && el["action_id"] == actionID {
				return id, el
			}
		}
	}
	return "", nil
}
