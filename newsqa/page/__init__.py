"""The page, a wing over the ground: the Gradio app people use in a browser.

`app` (build_app), `layout`, `events`, `ask`, `add`, `feeds`. It imports the read and
write paths and newsqa's shared modules (settings, errors, intake, present, gate,
corpus_stats, auth), never the servers or the CLI above it.
"""
