"""The servers, a wing above the page: one process, one port, one login.

`server` (starts the process: the page mounted beside the program routes), `rest` and
`rest_feeds` (/api), `openai_api` (/v1), `mcp_tools` (/mcp), `guard` (logins and body
limits), `ratelimit`, `models` (request bodies), `errors` (error responses), `reply_text`
(an answer as plain text for programs). It may import the page; nothing below imports it.
"""
