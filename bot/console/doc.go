// Package console is Pacer's local console: a small Slack workspace served
// by `pacer serve` itself at /console, for trying Pacer (and running it
// without Slack) on one machine.
//
// The console plays Slack's part towards the bot and a Slack client's part
// towards the person:
//
//   - Towards the bot it is the Web API (chat.postMessage, chat.update,
//     chat.postEphemeral, views.open, views.update, views.publish, …) and the
//     response_url endpoints, answering in Slack's documented shapes. The bot
//     reaches them through [Workspace.HTTPClient], which carries its calls in
//     the process: nothing of the Web API listens on a port.
//   - What the person does (a /pacer command, a click, a modal submitted, the
//     App Home opened) the console sends to the bot's HTTP-mode endpoints,
//     shaped and signed exactly as Slack sends them. The bot's transport
//     verifies and parses them as it does Slack's, and its one dispatch path
//     decides: the console holds no decision logic of its own.
//   - The page (static/, embedded) renders the very Block Kit the bot posted
//     and follows changes live over server-sent events.
//
// Without a token the console answers only on loopback, to requests whose
// Host is a loopback name; with one (PACER_CONSOLE_TOKEN) it asks for the
// token first. Either way it acts as one person, an approver.
package console
