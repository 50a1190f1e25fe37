"""Who added a stored article, and who may replace it.

An article is identified by its URL (or its feed's id), so on a shared server anyone who
uploads text with the same `URL:` line would otherwise replace another person's article,
and questions would be answered from the newcomer's text. Each ingest therefore says on
whose behalf it runs (`added_by`): "" for the operator (the command line, followed feeds,
the bundled sample), `user-NAME` for a login of the page or the API (`newsqa.intake.uploader`).
The owner is stored with every passage. An ingest may replace an article only when it runs
for the same owner, or for the operator or an admin (`replace_any`); anyone else's version
is stored as an article of its own, under an id made from the original id and its owner,
so that person's next upload updates their own copy and nobody else's.

Passages stored before owners were recorded carry none: their owner is read from the
origin instead (a login's upload folder or its "pasted (user-NAME): …" label), else the
operator.
"""

import re
from dataclasses import replace

from newsqa.index.article import Article, Note, article_id

OPERATOR = ""
_FROM_ORIGIN = re.compile(r"(?:/uploads/|^pasted \()(user-[^/)]+)[/)]")


def owner_of(meta: dict) -> str:
    """The stored owner of a passage's article (its metadata)."""
    if "added_by" in meta:
        return str(meta["added_by"])
    found = _FROM_ORIGIN.search(str(meta.get("origin", "")))
    return found.group(1) if found else OPERATOR


def own_copy_id(original: str, owner: str) -> str:
    return article_id(explicit=f"{original}.{owner}", url=None, title="", text="")


def claim(articles: list[Article], owners: dict[str, str], added_by: str, *,
          replace_any: bool = False) -> tuple[list[Article], list[Note]]:
    """The articles as this ingest may store them, and a note for each that had to move.

    `owners`: the stored owner of each article id already in the index.
    """
    kept, notes = [], []
    for article in articles:
        article = replace(article, added_by=added_by)
        owner = owners.get(article.id)
        if owner is None or owner == added_by or replace_any or added_by == OPERATOR:
            kept.append(article)
            continue
        moved = own_copy_id(article.id, added_by)
        kept.append(replace(article, id=moved))
        notes.append(Note(article.origin, "an article with the same URL or id was added by "
                                          "someone else and stays as it is; this one is "
                                          f"stored as an article of its own (id {moved})"))
    return kept, notes
