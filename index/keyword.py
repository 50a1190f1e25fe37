"""BM25 keyword search over the same passages as the vector store (bm25s, persisted).

Dense vectors miss rare names, numbers and exact phrases; BM25 finds them. The index lives
next to Chroma in `<data_dir>/keyword/` and is rebuilt from the store after every ingest that
changed something (bm25s indexes are immutable, and a rebuild of 25k passages takes
seconds). A marker file written before the store changes and removed after the rebuild,
plus a passage-count check, make a stale index rebuild itself on the next open.
"""

import json
import shutil
from pathlib import Path

import numpy as np

from newsqa.index.filters import PassageFilter
from newsqa.index.store import PassageStore

_STATE = "state.json"
_DIRTY = "DIRTY"


def _tokenize(texts: list[str], *, as_strings: bool = False):
    import bm25s
    import Stemmer

    return bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"),
                          return_ids=not as_strings, show_progress=False)


class KeywordIndex:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._bm25 = None
        self._ids: list[str] = []
        self._days = np.zeros(0, dtype=np.int64)
        self._sources = np.zeros(0, dtype=object)

    # --- keeping in step with the store ----------------------------------------------
    def mark_dirty(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / _DIRTY).touch()

    def is_current(self, store: PassageStore) -> bool:
        state = self.folder / _STATE
        if (self.folder / _DIRTY).exists() or not state.exists():
            return False
        return json.loads(state.read_text()).get("count") == store.count()

    def rebuild(self, store: PassageStore) -> None:
        import bm25s

        ids, texts, days, sources = [], [], [], []
        for pid, text, meta in store.scan():
            ids.append(pid)
            texts.append(f"{meta.get('title', '')}\n{text}")
            days.append(int(meta.get("published_day") or 0))
            sources.append(meta.get("source_key") or "")
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(_tokenize(texts), show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
        (tmp / "passages.json").write_text(json.dumps({"ids": ids, "days": days, "sources": sources}))
        (tmp / _STATE).write_text(json.dumps({"count": len(ids)}))
        shutil.rmtree(self.folder, ignore_errors=True)
        tmp.rename(self.folder)
        self._bm25 = None

    def ensure_current(self, store: PassageStore) -> None:
        if not self.is_current(store):
            self.rebuild(store)

    # --- searching ---------------------------------------------------------------------
    def _load(self) -> None:
        if self._bm25 is not None:
            return
        import bm25s

        meta = json.loads((self.folder / "passages.json").read_text())
        self._ids = meta["ids"]
        self._days = np.array(meta["days"], dtype=np.int64)
        self._sources = np.array(meta["sources"], dtype=object)
        self._bm25 = (bm25s.BM25.load(str(self.folder / "bm25"), show_progress=False)
                      if self._ids else False)

    def search(self, query: str, k: int, where: PassageFilter | None = None) -> list[tuple[str, float]]:
        """(passage id, BM25 score) of the best k passages that pass the filter."""
        self._load()
        if not self._bm25:
            return []
        mask = None
        if where is not None and where.active:
            keep = where.mask(self._days, self._sources)
            if not keep.any():
                return []
            mask = keep.astype(np.float32)
        tokens = _tokenize([query], as_strings=True)
        if not tokens[0]:
            return []
        k = min(k, len(self._ids))
        docs, scores = self._bm25.retrieve(tokens, k=k, show_progress=False, weight_mask=mask)
        return [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
