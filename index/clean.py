"""Strip page furniture from scraped article text, keeping the article's own paragraphs.

Scraped pages carry newsletter promos, "related"/"most read" lists of other headlines with
bylines, author bios, separator lines and repeated lines. The rules below are about the
*shape* of such furniture, not about any one site, and are deliberately conservative: a
line is dropped only when it matches a furniture pattern, so real reporting survives.
"""

import re

# Promotional lines: sign-ups, subscriptions, app/social plugs, ads, sharing widgets.
_PROMO = re.compile(
    r"""(
        \bsign[\s-]?up\b | \bsubscribe\b | \bsubscription\b | \bnewsletters?\b
      | \bin\ your\ inbox\b | \bto\ your\ inbox\b | \bdelivered\ (directly\ )?to\b
      | \bfree\ (daily|weekly)\ (email|newsletter|briefing)\b
      | \bfollow\ us\b | \bdownload\ (our|the)\ app\b | \bshare\ (this|on)\b
      | ^advertisement$ | ^ad$ | ^sponsored( content)?$ | \bstory\ continues\ (below|after)\b
      | \ball\ rights\ reserved\b | \bcookie(s)?\ (policy|settings)\b
      | ^(read|see)\ (more|also|next)\b | ^click\ here\b
      | ^(related|recommended|trending|most\ (read|popular|viewed)|more\ from|you\ may\ also\ like
            |more\ stories|latest\ (news|stories)|editor'?s\ picks?)\b.{0,40}$
    )""",
    re.I | re.X,
)
# Headings that open a list of other stories: everything from here on is not the article.
_LIST_HEADING = re.compile(
    r"^(related( articles| stories| coverage| content)?|recommended( for you)?|most (read|popular|viewed)"
    r"|more from [\w .'-]+|you may also like|more stories|read next|trending( now)?|editor'?s picks?)"
    r"\s*:?$",
    re.I,
)
# "By Jane Doe Published", "By The Week US", "Jane Doe, The Week UK Published 3 hours ago"
_BYLINE = re.compile(
    r"^(by\s+[A-Z][\w.'’-]*(\s+[\w.'’&,-]+){0,8}(\s+published\b.*)?|.{0,80}\bpublished(\s+\d.*)?)$",
    re.I,
)
# "Jane Doe is a staff writer at ...", "Brigid Kennedy worked at The Week from 2021 to 2023 as ..."
_AUTHOR_BIO = re.compile(
    r"^[A-Z][\w.'’-]+(\s+[A-Z][\w.'’-]+){1,3}\s+(is|was|worked|has\s+been|joined|writes|covers"
    r"|previously)\b.{0,250}\b(writer|reporter|editor|correspondent|journalist|columnist"
    r"|contributor|producer)\b",
)
_SEPARATOR = re.compile(r"^[\W_]{1,80}$")
_SECOND_PERSON = re.compile(r"\b(you|your|yours)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?…\"”’)]$")

_SHORT_WORDS = 30  # furniture lines are short; a long paragraph is kept whatever it says


def _words(line: str) -> int:
    return len(line.split())


def _is_promo(line: str) -> bool:
    return _words(line) <= _SHORT_WORDS and bool(_PROMO.search(line))


def _is_byline(line: str) -> bool:
    return _words(line) <= 14 and bool(_BYLINE.match(line))


def _list_start(lines: list[str]) -> int | None:
    """Index where a trailing list of other stories begins, if the text ends with one.

    Such a list is recognised by its shape: an explicit heading ("Related", "Most read"), or
    a tail of short lines only (after the last full paragraph) holding two or more bylines,
    each under a short headline.
    """
    for i in range(1, len(lines)):
        if _LIST_HEADING.match(lines[i]):
            return i
    last_paragraph = max((i for i, line in enumerate(lines) if _words(line) > _SHORT_WORDS),
                         default=-1)
    bylines = [i for i in range(last_paragraph + 1, len(lines)) if _is_byline(lines[i])]
    if len(bylines) < 2:
        return None
    start = bylines[0]
    # Walk back over the first teaser's headline/kicker lines and separators.
    steps = 0
    while start > last_paragraph + 1 and steps < 3 and (
        _SEPARATOR.match(lines[start - 1])
        or _words(lines[start - 1]) <= 20 and not _SENTENCE_END.search(lines[start - 1])
    ):
        start -= 1
        steps += 1
    return start


def clean_text(text: str) -> str:
    """The article's own paragraphs, separated by blank lines."""
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]

    # Drop exact repeats (normalised) first, so list detection sees the real shape.
    seen: set[str] = set()
    unique = []
    for line in lines:
        key = re.sub(r"\W+", " ", line.lower()).strip()
        if key and key in seen:
            continue
        seen.add(key)
        unique.append(line)
    lines = unique

    cut = _list_start(lines)
    if cut is not None:
        lines = lines[:cut]

    kept: list[str] = []
    after_promo = False
    for line in lines:
        if _SEPARATOR.match(line) or _AUTHOR_BIO.match(line) or _is_promo(line):
            after_promo = _is_promo(line)
            continue
        # A short pitch right under a promo heading ("Escape your echo chamber. Get ...").
        if after_promo and _words(line) <= _SHORT_WORDS and _SECOND_PERSON.search(line):
            continue
        after_promo = False
        if _is_byline(line) and not kept:
            continue  # a byline above the first paragraph is metadata, not text
        kept.append(line)
    return "\n\n".join(kept)
