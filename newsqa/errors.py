"""The few errors newsqa raises on purpose, each with a message a user can act on.

Like simonw/llm: one small hierarchy, so the CLI and the UI can show `str(error)` and
exit cleanly instead of printing a traceback.
"""


class NewsqaError(Exception):
    """Base class: the message says what went wrong and what to do about it."""


class InputError(NewsqaError):
    """An input file or record cannot be used (the message names the file and line)."""

    def __init__(self, origin: str, reason: str):
        self.origin = origin
        self.reason = reason
        super().__init__(f"{origin}: {reason}")


class IndexMismatchError(NewsqaError):
    """The stored index was built with a different embedding model or dimension."""


class ModelNotFoundError(NewsqaError):
    """A model folder is missing or unreadable."""


class StoreError(NewsqaError):
    """The vector store cannot be opened or reached."""


class StoreAccessError(StoreError):
    """The Chroma server refused newsqa's token, or got none (the message names
    NEWSQA_CHROMA_TOKEN and the server, never the token)."""


class IndexBusyError(StoreError):
    """Another ingest holds the data folder (the message names it and says to wait)."""


class FilterError(NewsqaError):
    """A date or source filter cannot be understood."""


class LLMError(NewsqaError):
    """A language model cannot be set up or reached (the message says how to fix it)."""


class FeedError(NewsqaError):
    """A feed cannot be followed, or the list of followed feeds cannot be read."""


class WatcherBusyError(NewsqaError):
    """Another watcher already polls this data folder's feeds (the message names it)."""


class NotYoursError(NewsqaError):
    """Someone else's feed or article: only they (or an admin) may change it."""
