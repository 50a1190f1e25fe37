"""What the page, the REST API and MCP share to add articles: uploads, pasted text, URLs.

No Gradio and no HTTP here: what one "Add" (a form, a request, a tool call) brings in,
kept per uploader under `DATA_DIR/uploads` so two people's `report.txt` stay two articles,
and how a kept upload is named back to a person. Everything then goes through the same
`index.pipeline.ingest()`.
"""

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.settings import Settings


@dataclass
class IngestInputs:
    """What one click on "Add" hands to `ingest`, and what was refused before it."""

    items: list = field(default_factory=list)  # paths, URLs and pasted `Article`s
    skipped: list = field(default_factory=list)  # `Skipped` found before ingesting


_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")
_OWNER_FOLDER = re.compile(r"(user-[^/]+|session-[0-9a-f]+|anonymous|program)/")


def uploader(request) -> str:
    """Whose uploads these are, as a folder name: `user-NAME` when logged in, else
    `session-HASH` for the browser session, `anonymous` without a request.

    Articles without an id or URL of their own are identified by where they came from, and
    an upload from the same place replaces the earlier one. Keeping each uploader's files in
    a folder of their own means two people's `report.txt` are two articles; only the same
    user's same file replaces. A name that is not a plain file name, and the session hash
    (a value the browser holds), appear only as a hash.
    """
    name = getattr(request, "username", None) if request is not None else None
    if name:
        name = str(name)
        return f"user-{name}" if _SAFE_NAME.fullmatch(name) else f"user-{_digest(name)}"
    session = getattr(request, "session_hash", None) if request is not None else None
    return f"session-{_digest(str(session))}" if session else "anonymous"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def keep_uploads(paths, folder: Path) -> list[Path]:
    """Copy Gradio's temporary uploads to `folder` under their own names.

    The index records where each article came from; a stable `DATA_DIR/uploads/NAME`
    (instead of a temp path that Gradio deletes) means uploading an edited file again
    replaces the earlier version, as re-ingesting a file from the CLI does, and the
    uploaded originals stay next to the index they were added to.
    """
    kept = []
    for raw in paths or []:
        source = Path(getattr(raw, "name", raw))
        name = source.name.lstrip(".") or "upload"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        kept.append(target)
    return kept


def pasted_article(text: str, owner: str | None = None):
    """An `Article` (or `Skipped`) from pasted text: title on the first line, as in a .txt.

    With an `owner` (see `uploader`), two people pasting articles under the same title do not
    replace each other's.
    """
    from newsqa.index.formats import load_text

    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return load_text(text, f"pasted ({owner}): {title[:80]}" if owner else f"pasted: {title[:80]}")


def collect_inputs(files, pasted: str, urls: str, upload_folder: Path,
                   owner: str | None = None) -> IngestInputs:
    """What to ingest; with an `owner`, uploads go to `upload_folder/owner/`."""
    from newsqa.index.article import Skipped

    found = IngestInputs()
    folder = upload_folder / owner if owner else upload_folder
    found.items.extend(str(p) for p in keep_uploads(files, folder))
    if pasted and pasted.strip():
        article = pasted_article(pasted, owner)
        (found.skipped if isinstance(article, Skipped) else found.items).append(article)
    found.items.extend(line.strip() for line in (urls or "").splitlines() if line.strip())
    return found


def article_labels(store, article_ids: list[str], limit: int = 20) -> dict[str, str]:
    """'“Title” — Source · date' for up to `limit` stored articles (for the ingest summary)."""
    labels = {}
    for article_id in article_ids[:limit]:
        passages = store.get(store.passage_ids(article_id)[:1])
        if passages:
            p = passages[0]
            details = " · ".join(x for x in (p.source, p.published) if x)
            labels[article_id] = f"“{p.title}”" + (f" — {details}" if details else "")
    return labels


def display_origin(origin: str, upload_folder: Path) -> str:
    """'uploaded NAME' for a kept upload (not the server's path, nor whose folder it is in)."""
    prefix = str(upload_folder) + "/"
    if not origin.startswith(prefix):
        return origin
    rest = origin[len(prefix):]
    owner = _OWNER_FOLDER.match(rest)
    return "uploaded " + (rest[owner.end():] if owner else rest)


def upload_limit_bytes(settings: Settings) -> int:
    return max(1, int(settings.max_upload_mb * 1024 * 1024))
