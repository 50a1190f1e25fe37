"""The feed routes: list, follow, unfollow and poll followed feeds from a program.

`GET /api/feeds`, `POST /api/feeds` ({url, every, keep}), `DELETE /api/feeds?url=...` and
`POST /api/feeds/poll`: what `newsqa feeds`, `follow`, `unfollow` and the page's Feeds tab
do, with the same code (index/follow.py, index/subscriptions.py). Following fetches the
address once to check it (in a thread, like every other fetch here); the server's own
watcher (index/watch.py) then polls it, woken at once. Changing the list is adding articles,
so it is switched off with the "Add articles" tab (`NEWSQA_UI_INGEST=false`: 403).
"""

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from newsqa.auth import may
from newsqa.serving.errors import ApiError
from newsqa.serving.guard import request_login
from newsqa.serving.rest import program_owner
from newsqa.errors import FeedError, NotYoursError
from newsqa.index.subscriptions import FeedBook, Subscription, parse_every

SWITCH = "NEWSQA_UI_INGEST"


class FollowRequest(BaseModel):
    """A feed to follow: its address, or the address of a page that announces one."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000, description="Feed or site address (http/https).")
    every: str | None = Field(None, max_length=20, description="Time between polls: 90s, 15m, 2h, 1d (default NEWSQA_FEED_EVERY).")
    keep: bool = Field(False, description="Never remove its articles by NEWSQA_KEEP_DAYS.")


def feed_json(feed: Subscription) -> dict:
    """A followed feed as programs see it (without its entry fingerprints)."""
    return feed.model_dump(exclude={"seen", "body_sha", "etag", "last_modified"})


def feeds_router(settings, watcher=None, **router_options) -> APIRouter:
    router = APIRouter(**router_options)
    book = FeedBook(settings.data_dir)

    def writable() -> None:
        if not settings.ui_ingest:
            raise ApiError(403, f"Following feeds is switched off on this server ({SWITCH}="
                                "false), as adding articles is.", kind="permission_error",
                           code="ingest_disabled")

    def polling() -> bool:
        return watcher is not None and watcher.running

    def wake() -> bool:
        if not polling():
            return False
        watcher.wake()
        return True

    @router.get("/api/feeds", tags=["feeds"], summary="The followed feeds")
    def list_feeds() -> dict:
        """Each followed feed: interval (seconds), last and next poll (epoch seconds), new and
        updated articles at the last poll and in all, last error and failures in a row."""
        return {"feeds": [feed_json(f) for f in book.all()],
                "polling_here": polling()}

    @router.post("/api/feeds", tags=["feeds"], summary="Follow a feed")
    async def follow_feed(request: FollowRequest, http: Request) -> dict:
        """Check the address (a feed, or a page announcing one) and follow it; the server
        polls it at once. 422 with the reason when it cannot be followed."""
        from newsqa.index.follow import follow

        writable()
        if request.every not in (None, ""):
            try:
                parse_every(request.every)
            except FeedError as error:
                raise ApiError(422, f"every: {error}", param="every", code="bad_interval") from None
        login = request_login(http.scope)
        try:
            feed, new = await run_in_threadpool(follow, settings, request.url,
                                                every=request.every, keep=request.keep,
                                                followed_by=program_owner(http.scope)[0] if login else None)
        except FeedError as error:
            raise ApiError(422, str(error), param="url", code="not_a_feed") from None
        return {"feed": feed_json(feed), "new": new, "polling_now": wake()}

    @router.delete("/api/feeds", tags=["feeds"], summary="Unfollow a feed")
    def unfollow_feed(http: Request, url: str = Query(..., max_length=2000, description="The feed's (or its site's) address.")) -> dict:
        """Stop polling it; its articles stay in the index. An editor may unfollow the
        feeds it followed, an admin any."""
        from newsqa.index.follow import unfollow

        writable()
        login = request_login(http.scope)
        try:
            feed = unfollow(settings, url, by=program_owner(http.scope)[0] if login else None,
                            any_feed=may(login.role if login else None, "administer"))
        except NotYoursError as error:
            raise ApiError(403, str(error), param="url", code="not_yours",
                           kind="permission_error") from None
        except FeedError as error:
            raise ApiError(404, str(error), param="url", code="not_followed") from None
        return {"unfollowed": feed.url}

    @router.post("/api/feeds/poll", tags=["feeds"], summary="Poll now")
    def poll_now(url: str | None = Query(None, max_length=2000, description="One feed; all when left out.")) -> dict:
        """Make the feed (or all) due now and wake the server's watcher."""
        writable()
        if url is not None and book.get(url) is None:
            raise ApiError(404, f"{url} is not followed.", param="url", code="not_followed")
        book.poll_now(url)
        return {"polling_now": wake()}

    return router
