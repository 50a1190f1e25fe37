"""Passages and their vectors in Chroma, embedded (PersistentClient) or on a server.

Chroma never embeds anything here: the collection has no embedding function and every
write and query passes vectors made by our own `Embedder`. The collection records which
model built it, so a different model cannot silently mix incompatible vectors into it.

Side indexes (the keyword index of each app process or machine) follow the store by change
sequence: every written row carries `seq` (microseconds since the epoch at the write,
strictly increasing in a process), and every deleted row leaves a tombstone with its own
`seq` in a small second collection (`<collection>-deletions`) written *before* the row is
deleted. "What changed since S" is then two indexed metadata queries, never a scan, and it
works the same against an embedded store and a Chroma server shared by several machines.

A server can want a token and hold several tenants and databases (a `chroma run` behind a
token-checking proxy, distributed Chroma, Chroma Cloud): `ChromaAccess` carries them, and
opening the store turns each way that can fail into one message naming the setting to fix.
"""

import re
import string
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np

from newsqa.errors import IndexMismatchError, StoreAccessError, StoreError
from newsqa.index.article import Article
from newsqa.index.chunk import Passage
from newsqa.index.filters import PassageFilter, day_number, source_key
from newsqa.index.owners import owner_of

if TYPE_CHECKING:  # annotations only: opening the store needs neither module loaded
    from pydantic import SecretStr

    from newsqa.index.embed import TextEmbedder
    from newsqa.settings import Settings

SCHEMA_VERSION = 2  # 2: published_day and source_key for filters
_GET_BATCH = 500
_PUT_BATCH = 4000  # rows per Chroma upsert (its limit is ~5,400)
OVERFETCH = 4  # unfiltered search depth, as a multiple of k, tried before a filtered one


@dataclass(frozen=True)
class StoredPassage:
    """A passage as it comes back from the store, with its article's metadata."""

    id: str
    text: str
    article_id: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    position: int
    start: int
    end: int
    score: float = 0.0  # cosine similarity to the query
    published_at: str | None = None  # to the minute, UTC, when the source gave it


DEFAULT_TENANT = "default_tenant"  # chromadb.config's defaults, without importing chromadb
DEFAULT_DATABASE = "default_database"
TOKEN_HEADERS = ("Authorization", "X-Chroma-Token")  # chromadb.auth.token_authn's two


@dataclass(frozen=True)
class ChromaAccess:
    """How newsqa identifies itself to a Chroma server and where its collection lives there.

    A token is what an authenticated deployment asks for (a server behind a token-checking
    proxy, distributed Chroma, Chroma Cloud); tenant and database let several indexes share
    one server without seeing each other. The token stays a SecretStr: never in a repr."""

    token: "SecretStr | None" = None
    token_header: str = "Authorization"
    tenant: str = DEFAULT_TENANT
    database: str = DEFAULT_DATABASE

    @property
    def place(self) -> str:
        """' (tenant T, database D)' when not Chroma's defaults, for messages."""
        if (self.tenant, self.database) == (DEFAULT_TENANT, DEFAULT_DATABASE):
            return ""
        return f" (tenant {self.tenant}, database {self.database})"


def _auth_headers(access: ChromaAccess) -> dict[str, str]:
    """The header carrying the token, as chromadb's TokenAuthClientProvider sends it:
    `Authorization: Bearer TOKEN`, or `X-Chroma-Token: TOKEN`."""
    if access.token is None:
        return {}
    token = access.token.get_secret_value()
    allowed = set(string.ascii_letters + string.digits + string.punctuation)
    if not token or not set(token) <= allowed:  # what chromadb accepts; never echo the token
        raise StoreError("NEWSQA_CHROMA_TOKEN may hold only ASCII letters, digits and "
                         "punctuation (no spaces): check what was copied into it.")
    if access.token_header not in TOKEN_HEADERS:
        raise StoreError(f"NEWSQA_CHROMA_TOKEN_HEADER must be one of {', '.join(TOKEN_HEADERS)}, "
                         f"not {access.token_header!r}.")
    if access.token_header == "Authorization":
        return {"Authorization": f"Bearer {token}"}
    return {access.token_header: token}


def _client(data_dir: Path, chroma_url: str | None, access: ChromaAccess = ChromaAccess()):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if chroma_url:
        return _server_client(chroma_url, access)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(data_dir / "chroma"),
                                         settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as error:  # chroma raises many kinds; the user needs one message
        hint = (" Chroma writes to its files even to answer questions: make the folder writable "
                f"(chmod -R u+w {data_dir}) or copy it somewhere writable and point --data-dir "
                "there." if "readonly" in str(error).replace("-", "").lower() else "")
        raise StoreError(f"Cannot open the index folder {data_dir}: {error}.{hint}") from error


def _address(chroma_url: str) -> tuple[str, int, bool]:
    """(host, port, TLS) of a checked NEWSQA_CHROMA_URL; the port defaults as Chroma's does."""
    parts = urlsplit(chroma_url)
    ssl = parts.scheme == "https"
    return parts.hostname or "", parts.port or (443 if ssl else 8000), ssl


def _server_client(chroma_url: str, access: ChromaAccess):
    """A client of the server's tenant and database, or one StoreError saying what to fix.

    A missing database is created (as a missing collection is): an index on a new database
    needs no step outside newsqa. A missing tenant is not: tenants belong to the server's
    administrator (on Chroma Cloud, to the account), and a mistyped one should stop here."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    headers = _auth_headers(access)
    host, port, ssl = _address(chroma_url)

    def connect():
        return chromadb.HttpClient(
            host=host, port=port, ssl=ssl, headers=dict(headers),
            settings=ChromaSettings(anonymized_telemetry=False),
            tenant=access.tenant, database=access.database)

    try:
        return connect()
    except Exception as error:  # the cause decides the message (and whether to create)
        _create_database_or_explain(chroma_url, access, headers, error)
    try:
        return connect()
    except Exception as error:
        raise _cannot_open(chroma_url, access, error) from error


def _cannot_open(chroma_url: str, access: ChromaAccess, error: Exception) -> StoreError:
    return StoreError(f"Cannot open the Chroma server at {chroma_url}{access.place}: {error}. "
                      "Check NEWSQA_CHROMA_URL, NEWSQA_CHROMA_TENANT and NEWSQA_CHROMA_DATABASE "
                      "(names: 3-512 letters, digits, '.', '_' or '-').")


def _admin_settings(chroma_url: str, headers: dict[str, str]):
    """chromadb settings for an AdminClient of `chroma_url` (it takes no host or headers)."""
    from chromadb.config import Settings as ChromaSettings

    host, port, ssl = _address(chroma_url)
    return ChromaSettings(
        anonymized_telemetry=False, chroma_api_impl="chromadb.api.fastapi.FastAPI",
        chroma_server_host=host, chroma_server_http_port=port, chroma_server_ssl_enabled=ssl,
        chroma_server_headers=dict(headers))


def _not_found(lookup) -> bool:
    """Whether an AdminClient lookup answers "not found" (any other failure: False)."""
    from chromadb.errors import NotFoundError

    try:
        lookup()
    except NotFoundError:
        return True
    except Exception:
        return False
    return False


def _create_database_or_explain(chroma_url: str, access: ChromaAccess, headers: dict[str, str],
                                error: Exception) -> None:
    """After `error` opening the server: create the database if that is what was missing,
    else raise the StoreError naming the cause and the setting to fix."""
    import chromadb

    _check_access(chroma_url, headers, error)
    admin = chromadb.AdminClient(_admin_settings(chroma_url, headers))
    if _not_found(lambda: admin.get_tenant(access.tenant)):
        raise StoreError(
            f"The Chroma server at {chroma_url} has no tenant {access.tenant} "
            "(NEWSQA_CHROMA_TENANT). Have the server's administrator create it "
            f"(`chromadb.AdminClient(...).create_tenant('{access.tenant}')`; on Chroma Cloud, "
            "in the dashboard), or unset NEWSQA_CHROMA_TENANT for the default tenant."
        ) from error
    if not _not_found(lambda: admin.get_database(access.database, tenant=access.tenant)):
        raise _cannot_open(chroma_url, access, error) from error
    try:
        admin.create_database(access.database, tenant=access.tenant)
    except Exception as refused:
        raise StoreError(
            f"The Chroma server at {chroma_url} has no database {access.database} in tenant "
            f"{access.tenant} (NEWSQA_CHROMA_DATABASE), and creating it failed: {refused}. "
            "Create it with a token allowed to (`chromadb.AdminClient(...).create_database("
            f"'{access.database}', tenant='{access.tenant}')`; on Chroma Cloud, in the "
            "dashboard), or set NEWSQA_CHROMA_DATABASE to an existing one."
        ) from refused


def _check_access(chroma_url: str, headers: dict[str, str], error: Exception) -> None:
    """Raise the StoreError for an unreachable server or a refused token, if it is either.

    Asked with plain HTTP because a proxy's 401 page reaches chromadb only as text. The
    request is the one chromadb's client makes first (`/api/v2/auth/identity`): a Chroma
    server with authentication may answer its heartbeat without a token."""
    import httpx

    try:
        status = httpx.get(f"{chroma_url}/api/v2/auth/identity", headers=headers,
                           timeout=10).status_code
    except httpx.HTTPError:
        host, port, _ = _address(chroma_url)
        raise StoreError(
            f"Cannot reach the Chroma server at {chroma_url} ({error}). Start it "
            f"with `chroma run --path DIR --host {host} --port {port}`, "
            "or unset NEWSQA_CHROMA_URL to use the embedded store in the data folder."
        ) from error
    if status in (401, 403):
        said = "sent no token" if not headers else "its token was refused"
        raise StoreAccessError(
            f"The Chroma server at {chroma_url} refused access (HTTP {status}): newsqa {said}. "
            "Set NEWSQA_CHROMA_TOKEN to a token the server (or its proxy) accepts"
            + ("" if not headers else ", and NEWSQA_CHROMA_TOKEN_HEADER to the header it reads "
               "(Authorization or X-Chroma-Token)") + "."
        ) from None


class _Sequence:
    """Change numbers: microseconds since the epoch, strictly increasing in this process.

    Writers on one machine take turns (the ingest lock), so rows are committed in `seq`
    order; readers of a Chroma server re-read a short window before their last sync
    (`keyword.SYNC_OVERLAP_US`) for writers on other machines."""

    def __init__(self):
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(time.time_ns() // 1000, self._last + 1)
            return self._last


_SEQUENCE = _Sequence()


def _meta(article: Article, passage: Passage, passages: int, seq: int) -> dict:
    meta = {
        "seq": seq,
        "article_id": article.id,
        "title": article.title,
        "position": passage.position,
        "start": passage.start,
        "end": passage.end,
        "content_hash": article.content_hash,
        # How many passages the article has: lets a reader tell a complete article from one
        # whose write was cut short (see `article_hashes`).
        "passages": passages,
        "origin": article.origin,
    }
    for key in ("source", "url", "published", "author", "published_at"):
        value = getattr(article, key)
        if value:
            meta[key] = value
    if article.added_by:
        meta["added_by"] = article.added_by
    meta["published_day"] = day_number(article.published) or 0
    meta["source_key"] = source_key(article.source)
    return meta


def _stored(pid: str, text: str, meta: dict, score: float = 0.0) -> "StoredPassage":
    return StoredPassage(
        id=pid, text=text, article_id=meta["article_id"], title=meta.get("title", ""),
        source=meta.get("source"), url=meta.get("url"), published=meta.get("published"),
        position=int(meta.get("position", 0)), start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)), score=score, published_at=meta.get("published_at"),
    )


def _complete_hash(metas: list[dict]) -> str | None:
    """The content hash shared by an article's rows, or None when they are not one
    complete version (see `PassageStore.article_hashes`)."""
    versions = {(m.get("content_hash"), m.get("passages")) for m in metas}
    if len(versions) != 1:
        return None
    content_hash, passages = versions.pop()
    if passages is not None and passages != len(metas):
        return None
    return content_hash


_POSITION = re.compile(r"(:\d+|\[\d+\])$")  # "feed.jsonl:3", "list.json[2]"
_CONTENT_ID = re.compile(r"^c[0-9a-f]{16}$")  # index.article.article_id from content alone


def _is_position(origin: str) -> bool:
    return bool(_POSITION.search(origin))


def _is_content_id(article_id: str) -> bool:
    return bool(_CONTENT_ID.match(article_id))


class PassageStore:
    def __init__(self, data_dir: Path, *, collection: str, model_name: str, dimension: int,
                 chroma_url: str | None = None, access: ChromaAccess = ChromaAccess(),
                 rebuild: bool = False):
        """Open (or create) the collection; `rebuild=True` first deletes what it holds.

        With `chroma_url` the passages live on that Chroma server, in the tenant and
        database of `access` (which also carries the token); `data_dir` still holds the
        keyword index and the ingest lock.
        """
        self.data_dir = Path(data_dir)
        self.model_name = model_name
        self.dimension = dimension
        self.location = (f"the Chroma server at {chroma_url}{access.place}" if chroma_url
                         else str(self.data_dir))
        self.collection_name = collection
        self.embedded = not chroma_url
        self._client = _client(self.data_dir, chroma_url, access)
        if rebuild:
            self.drop()
        self._collection = self._open_collection()
        self._deletions = self._open_deletions()
        self._check_model(collection)

    @property
    def deletions_name(self) -> str:
        return f"{self.collection_name}-deletions"

    def _open_deletions(self):
        return self._client.get_or_create_collection(self.deletions_name, embedding_function=None)

    @property
    def collection_id(self) -> str:
        """Changes when the collection is dropped and made anew: side indexes start over."""
        return str(self._collection.id)

    def _open_collection(self):
        return self._client.get_or_create_collection(
            self.collection_name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.model_name, "embedding_dim": self.dimension,
                      "schema": SCHEMA_VERSION},
            embedding_function=None,
        )

    def drop(self) -> None:
        """Delete the collection (if it exists); `reopen()` makes a new, empty one."""
        names = {c.name for c in self._client.list_collections()}
        for name in (self.collection_name, self.deletions_name):
            if name in names:
                self._client.delete_collection(name)

    def reopen(self) -> None:
        """Look the collection up again (after it was dropped and made anew)."""
        self._collection = self._open_collection()
        self._deletions = self._open_deletions()

    def _check_model(self, collection: str) -> None:
        meta = self._collection.metadata or {}
        if meta.get("schema", 1) != SCHEMA_VERSION:
            raise IndexMismatchError(
                f"The index in {self.location} was written by another version of newsqa "
                f"(schema {meta.get('schema', 1)}, this version reads {SCHEMA_VERSION}). Re-index: "
                f"`newsqa ingest PATH... --rebuild --data-dir {self.data_dir}`."
            )
        stored = (meta.get("embedding_model"), meta.get("embedding_dim"))
        if stored != (self.model_name, self.dimension):
            raise IndexMismatchError(
                f"The index in {self.location} (collection '{collection}') was built with "
                f"{stored[0]} ({stored[1]} dimensions), but the configured embedding model is "
                f"{self.model_name} ({self.dimension} dimensions). Vectors of different models "
                f"cannot be mixed. Either use the model the index was built with, or re-index: "
                f"`newsqa ingest PATH... --rebuild --data-dir {self.data_dir}` (or point "
                f"--data-dir at a new folder)."
            )

    # --- reading -------------------------------------------------------------------
    def count(self) -> int:
        return self._collection.count()

    def article_hashes(self, article_ids: list[str]) -> dict[str, str | None]:
        """content_hash of each stored article among `article_ids`; None for an article
        whose stored passages are not one complete version.

        A write cut short (process killed) can leave an article with only some of its
        passages (it spans two upserts) or with new and stale passages side by side (killed
        before the stale ones were deleted). Such an article must not count as stored, or a
        rerun would skip it forever: it is complete only when all its rows carry one content
        hash and as many rows as that version has passages. Rows written before the passage
        count was recorded are taken as complete when they agree on the hash.
        """
        rows: dict[str, list[dict]] = {}
        for i in range(0, len(article_ids), _GET_BATCH):
            batch = article_ids[i:i + _GET_BATCH]
            result = self._collection.get(where={"article_id": {"$in": batch}},
                                           include=["metadatas"])
            for meta in result["metadatas"]:
                rows.setdefault(meta["article_id"], []).append(meta)
        return {article_id: _complete_hash(metas) for article_id, metas in rows.items()}

    def article_owners(self, article_ids: list[str]) -> dict[str, str]:
        """Who added each stored article among `article_ids` (index/owners.py)."""
        owners: dict[str, str] = {}
        for i in range(0, len(article_ids), _GET_BATCH):
            batch = article_ids[i:i + _GET_BATCH]
            result = self._collection.get(where={"article_id": {"$in": batch}},
                                           include=["metadatas"])
            for meta in result["metadatas"]:
                owners.setdefault(meta["article_id"], owner_of(meta))
        return owners

    def earlier_versions(self, articles: list[Article], keep: set[str]) -> dict[str, set[str]]:
        """For each article stored under its current origin, the other articles stored under
        that origin and not in `keep`: earlier versions of the same file (or feed line).

        An article identified by its content gets a new id when its file is edited; the
        earlier version is deleted after the new one is written. Asking this for every
        article of an ingest, unchanged ones included, also finds an earlier version left
        behind by a run killed between those two steps.
        """
        found = self.articles_from_origins([a.origin for a in articles if a.origin])
        earlier: dict[str, set[str]] = {}
        for article in articles:
            ids = found.get(article.origin, set())
            if _is_position(article.origin):
                # A line of a JSONL/JSON file: another article there is an earlier version
                # only if nothing but its content identified it. One with its own id or URL
                # is a different article the file no longer lists at that line; it stays.
                ids = {i for i in ids if _is_content_id(i) or i == article.id}
            if article.id in ids and ids - keep - {article.id}:
                earlier[article.id] = ids - keep - {article.id}
        return earlier

    def articles_from_origin(self, origin: str) -> set[str]:
        return self.articles_from_origins([origin]).get(origin, set())

    def articles_from_origins(self, origins: list[str]) -> dict[str, set[str]]:
        """The stored article ids of each origin (file, or file:line), in a few queries."""
        found: dict[str, set[str]] = {}
        unique = sorted(set(origins))
        for i in range(0, len(unique), _GET_BATCH):
            result = self._collection.get(where={"origin": {"$in": unique[i:i + _GET_BATCH]}},
                                          include=["metadatas"])
            for meta in result["metadatas"]:
                found.setdefault(meta["origin"], set()).add(meta["article_id"])
        return found

    def older_than(self, day: int, seq: int) -> dict[str, list[tuple[str, dict]]]:
        """Rows of articles published before `day` (YYYYMMDD), or undated and written
        before change `seq`: {article id: [(passage id, metadata)]}, for retention."""
        found: dict[str, list[tuple[str, dict]]] = {}
        for where in ({"$and": [{"published_day": {"$gt": 0}}, {"published_day": {"$lt": int(day)}}]},
                      {"$and": [{"published_day": 0}, {"seq": {"$lt": int(seq)}}]}):
            result = self._collection.get(where=where, include=["metadatas"])
            for pid, meta in zip(result["ids"], result["metadatas"]):
                found.setdefault(meta["article_id"], []).append((pid, meta))
        return found

    def passage_ids(self, article_id: str) -> list[str]:
        return self._collection.get(where={"article_id": article_id}, include=[])["ids"]

    def query(self, vector: np.ndarray, k: int,
              where: PassageFilter | None = None) -> list[StoredPassage]:
        """The `k` nearest passages that pass `where`.

        A filtered Chroma query first selects every allowed passage in SQLite, which costs
        far more than the vector search (278 vs 20 ms on 36k passages, measured under load). So an unfiltered
        search `OVERFETCH` times as deep is tried first and filtered here; when at least `k`
        hits pass, they are exactly the filtered query's top `k`. Otherwise Chroma filters.
        """
        filtered = where is not None and where.active  # (an empty store returns [] itself)
        if filtered:
            found = self._search(vector, k * OVERFETCH, None)
            keep = where.mask(np.array([int(m.get("published_day") or 0) for _, m in found]),
                              np.array([m.get("source_key") or "" for _, m in found]))
            hits = [hit for (hit, _), kept in zip(found, keep) if kept]
            if len(hits) >= k:
                return hits[:k]
        return [h for h, _ in self._search(vector, k, where.chroma_where() if filtered else None)]

    def _search(self, vector: np.ndarray, k: int, where: dict | None):
        result = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [(_stored(pid, doc, meta, 1.0 - float(dist)), meta)
                for pid, doc, meta, dist in zip(result["ids"][0], result["documents"][0],
                                                result["metadatas"][0], result["distances"][0])]

    def get(self, ids: list[str]) -> list[StoredPassage]:
        """Passages by id, in the order asked (ids not found are left out)."""
        if not ids:
            return []
        result = self._collection.get(ids=ids, include=["documents", "metadatas"])
        found = {pid: _stored(pid, doc, meta) for pid, doc, meta in
                 zip(result["ids"], result["documents"], result["metadatas"])}
        return [found[i] for i in ids if i in found]

    def vectors(self, ids: list[str]):
        """(id, stored vector) for each id found, in batches."""
        for i in range(0, len(ids), _GET_BATCH):
            result = self._collection.get(ids=ids[i:i + _GET_BATCH], include=["embeddings"])
            yield from zip(result["ids"], result["embeddings"])

    def scan(self, batch: int = 2000, *, texts: bool = True):
        """Every passage as (id, text, metadata), in batches: for rebuilding side indexes.

        `texts=False` leaves the texts out (None): counting needs only the metadata."""
        total = self.count()
        include = ["documents", "metadatas"] if texts else ["metadatas"]
        for offset in range(0, total, batch):
            result = self._collection.get(limit=batch, offset=offset, include=include)
            documents = result["documents"] if texts else [None] * len(result["ids"])
            yield from zip(result["ids"], documents, result["metadatas"])

    def changed_since(self, seq: int, batch: int = 2000):
        """(id, text, metadata) of every row written after change `seq`, in batches.

        One indexed query finds the ids (`seq > S`, a single bound), then the rows are read
        by id, `batch` at a time: the cost follows the number of changed rows, never the
        size of the store. (Chroma turns each bound of a range into its own subquery, and
        the `seq <= T` one lists nearly every row: O(store) per page, 1-2 s at 1M rows;
        an offset makes the store skip every earlier match again on each page.)"""
        yield from self._changed(self._collection, seq, batch, ["documents", "metadatas"],
                                 lambda r: zip(r["ids"], r["documents"], r["metadatas"]))

    @staticmethod
    def _changed(collection, seq: int, batch: int, include: list, rows):
        ids = collection.get(where={"seq": {"$gt": int(seq)}}, include=[])["ids"]
        for i in range(0, len(ids), batch):
            yield from rows(collection.get(ids=ids[i:i + batch], include=include))

    def changes_after(self, seq: int) -> bool:
        """Whether any row was written or deleted after change `seq` (two small queries)."""
        where = {"seq": {"$gt": int(seq)}}
        return any(c.get(where=where, limit=1, include=[])["ids"]
                   for c in (self._collection, self._deletions))

    def deleted_since(self, seq: int, batch: int = 2000):
        """(passage id, seq of its deletion) for every deletion after change `seq`."""
        yield from self._changed(
            self._deletions, seq, batch, ["metadatas"],
            lambda r: ((pid, int(m["seq"])) for pid, m in zip(r["ids"], r["metadatas"])))

    # --- writing -------------------------------------------------------------------
    def put_article(self, article: Article, passages: list[Passage], vectors: np.ndarray) -> None:
        self.put_articles([(article, passages, vectors)], replacing={article.id})

    def put_articles(self, items: list[tuple[Article, list[Passage], np.ndarray]],
                     replacing: set[str] = frozenset()) -> None:
        """Store articles' passages in as few Chroma calls as possible.

        Articles in `replacing` may have older passages: new passages are written first and
        stale ones deleted after, so a failure part-way leaves the previous version
        searchable rather than nothing. Other articles are new and need no lookup.
        """
        old_ids: set[str] = set()
        for article, _, _ in items:
            if article.id in replacing:
                old_ids.update(self.passage_ids(article.id))
        rows = [(p, article, vector, len(passages)) for article, passages, vectors in items
                for p, vector in zip(passages, vectors)]
        for i in range(0, len(rows), _PUT_BATCH):
            batch = rows[i:i + _PUT_BATCH]
            seq = _SEQUENCE.next()
            self._collection.upsert(
                ids=[p.id for p, _, _, _ in batch],
                embeddings=np.asarray([v for _, _, v, _ in batch], dtype=np.float32),
                documents=[p.text for p, _, _, _ in batch],
                metadatas=[_meta(article, p, n, seq) for p, article, _, n in batch],
            )
        self.delete_passages(sorted(old_ids - {p.id for p, _, _, _ in rows}))

    def delete_passages(self, ids: list[str]) -> None:
        """Delete rows, leaving a tombstone for each first: a side index that syncs later
        still learns of the deletion, and one that syncs in between drops the row early
        (harmless: it is on its way out)."""
        for i in range(0, len(ids), _PUT_BATCH):
            batch = ids[i:i + _PUT_BATCH]
            seq = _SEQUENCE.next()
            self._deletions.upsert(ids=batch, embeddings=np.ones((len(batch), 1), dtype=np.float32),
                                   metadatas=[{"seq": seq}] * len(batch))
            self._collection.delete(ids=batch)

    def put_rows(self, ids: list[str], vectors: np.ndarray, documents: list[str],
                 metadatas: list[dict]) -> None:
        """Write rows as given (used to rebuild a damaged collection, and by the bench to
        add filler); a row without a change number gets one for its batch."""
        for i in range(0, len(ids), _PUT_BATCH):
            seq = _SEQUENCE.next()
            self._collection.upsert(
                ids=ids[i:i + _PUT_BATCH],
                embeddings=np.asarray(vectors[i:i + _PUT_BATCH], dtype=np.float32),
                documents=documents[i:i + _PUT_BATCH],
                metadatas=[{**m, "seq": m.get("seq") or seq} for m in metadatas[i:i + _PUT_BATCH]])

    def delete_article(self, article_id: str) -> int:
        ids = self.passage_ids(article_id)
        self.delete_passages(ids)
        return len(ids)


def open_store(settings: "Settings", embedder: "TextEmbedder", *,
               rebuild: bool = False) -> PassageStore:
    """The passage store `settings` name, for vectors made by `embedder` (both paths use it)."""
    return PassageStore(
        settings.data_dir, collection=settings.collection, model_name=embedder.name,
        dimension=embedder.dimension, chroma_url=settings.chroma_url,
        access=chroma_access(settings), rebuild=rebuild,
    )


def chroma_access(settings: "Settings") -> ChromaAccess:
    """The token, tenant and database `settings` name for a Chroma server."""
    return ChromaAccess(token=settings.chroma_token, token_header=settings.chroma_token_header,
                        tenant=settings.chroma_tenant, database=settings.chroma_database)
