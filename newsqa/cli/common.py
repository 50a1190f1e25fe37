"""What every command shares: the two consoles, the common options, flags over settings.

Its own module so that the command groups (`commands`, `feeds`, and eval's) can use it
without importing each other.
"""

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from newsqa.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LLMOption = Annotated[Optional[str], typer.Option("--llm", help="none, llamacpp:PATH.gguf, llamacpp:smollm2, openai:MODEL or ollama:MODEL (env NEWSQA_LLM).")]
DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Index folder (default ./data, env NEWSQA_DATA_DIR).")]


def settings_from(**flags) -> Settings:
    """Settings from env/.env, with every flag the user actually gave taking precedence."""
    return Settings(**{key: value for key, value in flags.items() if value is not None})
