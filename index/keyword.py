"""BM25 keyword search over the same passages as the vector store (bm25s, persisted).

Dense vectors miss rare names, numbers and exact phrases; BM25 finds them. The index lives
next to Chroma in `<data_dir>/keyword/` and is rebuilt from the store after every ingest that
changed something (bm25s indexes are immutable, and a rebuild of 25k passages takes
seconds). A marker file written before the store changes and removed after the rebuild,
plus a passage-count check, make a stale index rebuild itself on the next ingest or open.

Readers keep answering while an ingest rebuilds, in this process or another one. Each
rebuild goes to a new folder `v<generation>/`; `state.json`, the pointer to the current
one, is replaced atomically (`os.replace`) once that folder is complete, and the previous
folder is kept for readers still loading it. A search compares `state.json`'s inode and
mtime with those it loaded (one `stat`) and loads the new generation when they differ, so
an open assistant sees new articles after an ingest without restarting. A process killed
at any point of a rebuild leaves either the old pointer (and the marker, so the next
ingest builds again) or the new one; never a half-written index that a reader would load.
"""

import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsqa.index.filters import PassageFilter
from newsqa.index.store import PassageStore

_STATE = "state.json"
_DIRTY = "DIRTY"
_VERSION = re.compile(r"^v(\d+)(\.tmp)?$")


def _tokenize(texts: list[str], *, as_strings: bool = False):
    import bm25s
    import Stemmer

    return bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"),
                          return_ids=not as_strings, show_progress=False)


@dataclass(frozen=True)
class _Snapshot:
    """One loaded generation; searches use one snapshot throughout, never a mix."""

    bm25: object | None  # None: no passages
    ids: list[str]
    days: np.ndarray
    sources: np.ndarray


_EMPTY = _Snapshot(None, [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))


class KeywordIndex:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._snapshot: _Snapshot | None = None
        self._loaded_key: tuple | None = None
        self._loading = threading.Lock()

    # --- keeping in step with the store ----------------------------------------------
    def mark_dirty(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / _DIRTY).touch()

    def is_current(self, store: PassageStore) -> bool:
        state = self._state()
        if (self.folder / _DIRTY).exists() or state is None:
            return False
        return state.get("count") == store.count()

    def rebuild(self, store: PassageStore) -> None:
        """Index every stored passage as a new generation and point `state.json` at it.

        The caller holds the ingest lock (`lock.py`): one rebuild at a time per folder.
        """
        import bm25s

        ids, texts, days, sources = [], [], [], []
        for pid, text, meta in store.scan():
            ids.append(pid)
            texts.append(f"{meta.get('title', '')}\n{text}")
            days.append(int(meta.get("published_day") or 0))
            sources.append(meta.get("source_key") or "")
        self.folder.mkdir(parents=True, exist_ok=True)
        state = self._state() or {}
        generation = max([state.get("generation", 0), *self._generations()]) + 1
        name = f"v{generation:06d}"
        partial = self.folder / f"{name}.tmp"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(_tokenize(texts), show_progress=False)
            bm25.save(str(partial / "bm25"), show_progress=False)
        (partial / "passages.json").write_text(
            json.dumps({"ids": ids, "days": days, "sources": sources}))
        partial.rename(self.folder / name)
        _replace_json(self.folder / _STATE,
                      {"generation": generation, "version": name, "count": len(ids)})
        (self.folder / _DIRTY).unlink(missing_ok=True)
        self._tidy(keep={name, state.get("version")})

    def ensure_current(self, store: PassageStore) -> None:
        """Rebuild when stale; the caller holds the ingest lock (or nobody else writes)."""
        if not self.is_current(store):
            self.rebuild(store)

    def catch_up(self, store: PassageStore) -> None:
        """Rebuild when stale and no ingest is running (for readers such as the assistant).

        While an ingest runs, the index it will rebuild at its end is used as it is; a
        keyword hit whose passage is not in the vector store is dropped by the retriever.
        """
        from newsqa.index.lock import try_lock

        if self.is_current(store):
            return
        lock = try_lock(self.folder.parent)
        if lock is None:
            return
        try:
            self.ensure_current(store)
        finally:
            lock.release()

    def _state(self) -> dict | None:
        try:
            return json.loads((self.folder / _STATE).read_text())
        except (OSError, ValueError):
            return None

    def _generations(self) -> list[int]:
        try:
            names = [p.name for p in self.folder.iterdir()]
        except OSError:
            return []
        return [int(m.group(1)) for m in map(_VERSION.match, names) if m]

    def _tidy(self, keep: set) -> None:
        """Delete generations other than the current and previous one, unfinished ones, and
        the files of the single-folder layout of earlier versions."""
        for path in self.folder.iterdir():
            old = _VERSION.match(path.name) and path.name not in keep
            if old or path.name in ("bm25", "passages.json"):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)

    # --- searching ---------------------------------------------------------------------
    def _current(self) -> _Snapshot:
        """The loaded snapshot, reloaded when `state.json` was replaced since."""
        key = _stat_key(self.folder / _STATE)
        if self._snapshot is not None and key == self._loaded_key:
            return self._snapshot
        with self._loading:
            key = _stat_key(self.folder / _STATE)
            if self._snapshot is not None and key == self._loaded_key:
                return self._snapshot
            snapshot = self._load()
            if snapshot is None:  # the pointer moved on while loading: keep what we had
                return self._snapshot or _EMPTY
            self._snapshot, self._loaded_key = snapshot, key
            return snapshot

    def _load(self) -> _Snapshot | None:
        import bm25s

        for attempt in range(3):
            state = self._state()
            if state is None:
                return _EMPTY
            # Earlier versions kept one generation directly in the folder.
            base = self.folder / state["version"] if state.get("version") else self.folder
            try:
                meta = json.loads((base / "passages.json").read_text())
                bm25 = (bm25s.BM25.load(str(base / "bm25"), show_progress=False)
                        if meta["ids"] else None)
            except (OSError, ValueError, KeyError):
                time.sleep(0.05 * (attempt + 1))  # a rebuild removed it: read the pointer again
                continue
            return _Snapshot(bm25, meta["ids"], np.array(meta["days"], dtype=np.int64),
                             np.array(meta["sources"], dtype=object))
        return None

    def search(self, query: str, k: int, where: PassageFilter | None = None) -> list[tuple[str, float]]:
        """(passage id, BM25 score) of the best k passages that pass the filter."""
        snapshot = self._current()
        if snapshot.bm25 is None:
            return []
        mask = None
        if where is not None and where.active:
            keep = where.mask(snapshot.days, snapshot.sources)
            if not keep.any():
                return []
            mask = keep.astype(np.float32)
        tokens = _tokenize([query], as_strings=True)
        if not tokens[0]:
            return []
        k = min(k, len(snapshot.ids))
        docs, scores = snapshot.bm25.retrieve(tokens, k=k, show_progress=False, weight_mask=mask)
        return [(snapshot.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]


def _stat_key(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _replace_json(path: Path, value: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(value, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
