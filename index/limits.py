"""How much one input may cost: its size, the wait for a web server, the entries of a feed
(and which addresses a URL may reach).

A small frozen object instead of the whole `Settings`, so the loaders can be called (and
tested) without building settings, and the defaults live in one place: `Settings` takes its defaults from here.
"""

from dataclasses import dataclass

from newsqa.index.urlguard import UrlPolicy

USER_AGENT = "newsqa/0.1 (news question answering; article ingest)"


@dataclass(frozen=True)
class LoadLimits:
    max_file_mb: float = 50.0  # a file or a downloaded page/feed larger than this is skipped
    fetch_timeout: float = 15.0  # seconds to wait for a web server (to connect, and per read)
    max_feed_items: int = 100  # entries read from one feed; the rest are reported, not read
    fetch_feed_pages: bool = True  # fetch the linked page of a feed entry that is only a summary
    user_agent: str = USER_AGENT
    # which private or local addresses URLs may reach (none by default; index/urlguard.py)
    url_policy: UrlPolicy = UrlPolicy()
    size_setting: str = "NEWSQA_MAX_FILE_MB"  # the setting a "too large" message says to raise

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @classmethod
    def from_settings(cls, settings) -> "LoadLimits":
        return cls(max_file_mb=settings.max_file_mb, fetch_timeout=settings.fetch_timeout,
                   max_feed_items=settings.max_feed_items,
                   fetch_feed_pages=settings.fetch_feed_pages, user_agent=settings.user_agent,
                   url_policy=UrlPolicy.parse(settings.allow_private_urls))


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
