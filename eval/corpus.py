"""What a test set is answered from: its corpus files, and how to turn them into ingestable input.

A corpus is identified by the bytes of its source files (hashed for the index cache key)
plus the version of the code that derives the ingestable JSONL from them, so editing the
data or the adapter produces a fresh index instead of a stale one.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsqa.errors import NewsqaError

Derive = Callable[[Path], list[Path]]  # writes ingestable files into a folder, returns them


class CorpusError(NewsqaError):
    """A corpus file or folder is missing or unreadable."""


@dataclass(frozen=True)
class Corpus:
    name: str
    sources: tuple[Path, ...]
    derive: Derive | None = None  # None: ingest `sources` as they are
    version: str = "1"

    def content_hash(self) -> str:
        """SHA-256 over every source file (relative name and bytes), in a stable order."""
        digest = hashlib.sha256(f"{self.name}\x1f{self.version}".encode())
        for root, path in _files(self.sources):
            digest.update(str(path.relative_to(root) if path != root else path.name).encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()

    def ingest_paths(self, folder: Path) -> list[Path]:
        """The paths to hand to `ingest()`, derived into `folder` when needed."""
        if self.derive is None:
            return list(self.sources)
        folder.mkdir(parents=True, exist_ok=True)
        return self.derive(folder)


def mixed(first: Corpus, second: Corpus) -> Corpus:
    """One corpus holding both (e.g. the sample article plus a benchmark's documents, to
    check that unrelated articles do not change answers about the sample)."""
    def derive(folder: Path) -> list[Path]:
        paths = []
        for n, corpus in enumerate((first, second)):
            paths += corpus.ingest_paths(folder / f"part{n}")
        return paths

    return Corpus(name=f"{first.name}+{second.name}", sources=first.sources + second.sources,
                  derive=derive, version=f"{first.version}+{second.version}")


def _files(sources: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    for source in sources:
        source = Path(source)
        if source.is_dir():
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                yield source, path
        elif source.is_file():
            yield source, source
        else:
            raise CorpusError(f"Corpus not found: {source}")


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; a bad line is a clear error."""
    try:
        handle = Path(path).open(encoding="utf-8")
    except OSError as error:
        raise CorpusError(f"Cannot read {path}: {error.strerror or error}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{path}:{number}: malformed JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise CorpusError(f"{path}:{number}: expected a JSON object")
            yield number, record


def write_jsonl(path: Path, records: Iterable[dict]) -> Path:
    """Write atomically: a half-written corpus never looks complete."""
    partial = path.with_suffix(path.suffix + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(path)
    return path
