package bot

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/pacerhq/pacer/wording"
)

// Rendering of the App Home tab.

func (r renderer) home(v HomeView) slack.HomeTabViewRequest {
	blocks := []slack.Block{slack.NewHeaderBlock(plain("Pacer"))}
	if v.Refusal != "" {
		blocks = append(blocks, section("refusal", v.Refusal))
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "pacer_home"}
	}
	blocks = append(blocks, section("waiting", "*Waiting for you*\n"+r.waiting(v.Waiting, v.UpdatedAt)), slack.NewDividerBlock())
	budget := maxBlocksPerView - 11
	for i, a := range v.Accounts {
		ab := r.accountQuotaBlocks(a)
		if len(blocks)+len(ab) > budget {
			blocks = append(blocks, contextBlock(fmt.Sprintf("…and %s more: ask `/pacer quota`.", wording.Count(len(v.Accounts)-i, "account", "accounts"))))
			break
		}
		blocks = append(blocks, ab...)
	}
	if len(v.Accounts) == 0 {
		blocks = append(blocks, section("", "No LinkedIn account is configured."))
	}
	if v.Switch != nil {
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, r.homeSwitch(*v.Switch)...)
	}
	blocks = append(blocks, slack.NewDividerBlock(), section("open", "*Open proposals*\n"+r.openProposals(v.OpenProposals)))
	human := "Nobody: every account runs by itself."
	if len(v.NeedsHuman) > 0 {
		var lines []string
		for _, a := range v.NeedsHuman {
			lines = append(lines, fmt.Sprintf(":sos: *%s*: %s", esc(a.Name), esc(orText(a.StateReason, "LinkedIn asked for a check"))))
		}
		human = strings.Join(lines, "\n") + "\nLog in with `pacer account login NAME`, then `/pacer resume NAME`."
	}
	blocks = append(blocks, section("human", "*Waiting for a person*\n"+human), contextBlock("Updated "+r.when(v.UpdatedAt)))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "pacer_home"}
}
