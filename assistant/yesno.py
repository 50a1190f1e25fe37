"""Yes/No questions: say Yes or No when the evidence decides it, else say it is not settled.

Without an entailment model, only three kinds of evidence decide a Yes/No question here:

* **One claim, stated or denied.** "Did Putin agree to anything?": the best sentence has
  the question's main verb ("agree") with the question's subject, and is about the question
  (cross-encoder score above `min_score`). Stated -> Yes; negated next to the verb ("did
  not agree", "never agreed") -> No. A sentence that answers with other words ("remained
  steadfast" for "Did Moscow soften…?") decides nothing: it is quoted, without a Yes or No.
* **Several claims, all found.** "Does the Verge article say X, while the TechCrunch article
  says Y?": each part must be supported by a sentence of a different article (of the source
  the part names, when it names one) that holds a third of the part's words and that the
  cross-encoder scores at least `min_part_score` against the part -> Yes. A part not found
  is not proof of the opposite, so that is not a No: the articles do not settle it.
* **Before or after.** "Did A report X before B reported Y?": the publication dates of the
  two articles that state each part decide Yes or No.

Comparisons of stance or change ("consistent", "differ", "changed", "similar") need a
judgement of meaning that these signals cannot make: they are declined with the closest
evidence. Nothing here looks at a benchmark's answer distribution.
"""

import re
from dataclasses import dataclass

from newsqa.assistant.nlp import parse
from newsqa.assistant.rerank import Evidence, Reranked
from newsqa.assistant.words import content_stems
from newsqa.index.filters import day_number

_SPLIT = re.compile(r",?\s+(?:while|whereas|and also|and (?=(?:does|did|do|is|was|has|have|were"
                    r"|are)\b))\s+", re.I)
_JUDGEMENT = re.compile(
    r"\b(consisten\w*|inconsisten\w*|differ\w*|chang\w*|similar\w*|same|agree\w*|disagree\w*"
    r"|contradict\w*|discrepanc\w*|align\w*|compar\w*|contrast\w*|shift\w*|remain\w*|more|less"
    r"|identical\w*|likewise|unlike|opposite|rather than|instead"
    r"|better|worse|higher|lower|larger|smaller)\b", re.I)
_ORDER = re.compile(r"\s(before|after)\s(?=(?:the\s)?(?:[A-Z'‘“]|\w+\s+(?:report|publish|discuss|mention|suggest)))")
_NEGATED = re.compile(r"\b(not|n't|never|no|without|fail\w*|lack\w*|neither|nor|absen\w*|den\w+)\b",
                      re.I)
_NEGATION = frozenset({"not", "n't", "never", "no", "neither", "nor", "without"})


@dataclass(frozen=True)
class YesNo:
    verdict: str | None  # "Yes", "No", or None: the evidence does not settle it
    evidence: list[Evidence]
    reason: str


_REPORTED = re.compile(r"\b(articles?|reports?|reported|reporting|coverage|wrote|published|according "
                       r"to)\b", re.I)
_REPORTS = re.compile(r"\b(articles?|reports?|coverage|stor(?:y|ies)|pieces?|sources?|outlets?)\b",
                      re.I)


def about_reports(question: str, sources: list[str]) -> bool:
    """The question asks what articles say ("as reported by", "the TechCrunch article"), or
    how things compare: a quote that does not decide it is no answer to it."""
    lowered = question.lower()
    return (bool(_REPORTED.search(question)) or bool(_JUDGEMENT.search(question))
            or any(s and s.lower() in lowered for s in sources))


def is_comparison(question: str) -> bool:
    """A question about two or more claims or reports, or how they compare."""
    reports = len(_REPORTS.findall(question))
    return (len(claims(question)) > 1 or bool(re.search(r"\bboth\b", question, re.I))
            or reports >= 2 or (bool(_JUDGEMENT.search(question))
                                and (reports >= 1 or bool(re.search(r"\bbetween\b", question, re.I)))))


def claims(question: str) -> list[str]:
    return [part.strip(" ?,") for part in _SPLIT.split(question) if part.strip(" ?,")]


def _main_verb(question: str) -> tuple[str | None, str | None]:
    """The question's main verb stem and its subject's last word ("Did Putin agree…")."""
    doc = parse(question)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX"):
        return None, None
    verb = root
    if root.pos_ == "AUX":  # "Is X planning …": the content verb is the complement
        verb = next((c for c in root.children if c.pos_ == "VERB"), None)
        if verb is None:
            return None, None
    stems = content_stems(verb.text)
    subject = next((c for c in [*verb.children, *root.children]
                    if c.dep_ in ("nsubj", "nsubjpass")), None)
    return (stems[0] if stems else None), (subject.text if subject is not None else None)


def _source_named(part: str, sources: list[str]) -> str | None:
    lowered = part.lower()
    named = [s for s in sources if s and s.lower() in lowered]
    return max(named, key=len) if named else None


class YesNoJudge:
    """`cross_encoder` scores each part of a comparison against its candidate sentences; a
    part counts as stated when the best scores at least `min_part_score` and holds at least
    `min_coverage` of the part's words."""

    def __init__(self, cross_encoder=None, *, min_score: float = 2.0,
                 min_part_score: float = 0.0, min_coverage: float = 0.34):
        self.cross_encoder = cross_encoder
        self.min_score = min_score
        self.min_part_score = min_part_score
        self.min_coverage = min_coverage

    def judge(self, question: str, reranked: Reranked) -> YesNo:
        if not reranked.evidence:
            return YesNo(None, [], "no evidence")
        order = _ORDER.search(question)
        if order and not _JUDGEMENT.search(question):
            return self._order(question, order, reranked)
        if is_comparison(question):
            return self._comparison(question, reranked)
        return self._single(question, reranked)

    def _order(self, question: str, order: re.Match, reranked: Reranked) -> YesNo:
        """"Did A report X before B reported Y?": the publication dates of the two articles
        that state each part decide it."""
        first, second = question[:order.start()], question[order.end():]
        sources = sorted({str(d.metadata.get("source") or "") for d in reranked.documents})
        used: set[str] = set()
        found = []
        for part in (first, second):
            match = self._stated(part, reranked, _source_named(part, sources), used)
            day = match and day_number(match.document.metadata.get("published"))
            if not day:
                return YesNo(None, reranked.evidence[:2], "the dates of the two reports are not "
                                                          "both known")
            used.add(match.document.metadata.get("article_id"))
            found.append((day, match))
        (day_a, a), (day_b, b) = found
        if day_a == day_b:
            return YesNo(None, [a, b], "both reports are from the same day")
        before = day_a < day_b
        wanted = order.group(1).lower() == "before"
        return YesNo("Yes" if before == wanted else "No", [a, b],
                     "the publication dates decide it")

    def _single(self, question: str, reranked: Reranked) -> YesNo:
        best = reranked.evidence[0]
        verb, subject = _main_verb(question)
        if verb is None or best.score < self.min_score:
            return YesNo(None, [best], "no sentence states or denies it")
        doc = parse(best.sentence)
        title = best.document.metadata.get("title") or ""
        about = subject is None or subject.lower() in f"{title} {best.sentence}".lower() \
            or subject.lower() in ("he", "she", "they", "it", "anyone", "anything")
        for token in doc:
            if token.pos_ in ("VERB", "AUX") and (content_stems(token.text) or [""])[0] == verb:
                if not about:
                    break
                nearby = {t.lower_ for t in token.children} | {
                    doc[i].lower_ for i in range(max(0, token.i - 3), token.i)}
                verdict = "No" if nearby & _NEGATION else "Yes"
                return YesNo(verdict, [best], f"the sentence {'denies' if verdict == 'No' else 'states'} it")
        return YesNo(None, [best], "no sentence states or denies it")

    def _comparison(self, question: str, reranked: Reranked) -> YesNo:
        parts = claims(question)
        closest = reranked.evidence[:2]
        if _JUDGEMENT.search(question):
            return YesNo(None, closest, "it asks for a judgement of how the articles compare")
        if any(_NEGATED.search(part) for part in parts):
            # "… without his knowledge", "fail to report": finding the words is not finding
            # the claim, and no sentence here tells a denial from a statement
            return YesNo(None, closest, "a part of it is negative, which the words found cannot decide")
        if len(parts) == 1:  # "Do both X and Y report …": one claim, two articles
            parts = parts * 2
        sources = sorted({str(d.metadata.get("source") or "") for d in reranked.documents})
        used: set[str] = set()
        found: list[Evidence] = []
        for part in parts:
            match = self._stated(part, reranked, _source_named(part, sources), used)
            if match is None:
                return YesNo(None, closest, "a part of it is not found in the articles")
            used.add(match.document.metadata.get("article_id"))
            found.append(match)
        return YesNo("Yes", found, "every part is stated in the articles")

    def _stated(self, part: str, reranked: Reranked, source: str | None,
                used: set[str]) -> Evidence | None:
        """The sentence of an article not used yet (of `source`, if named) stating `part`."""
        wanted = set(content_stems(part))
        if not wanted:
            return None
        scored = []
        for item in reranked.evidence:
            meta = item.document.metadata
            if meta.get("article_id") in used:
                continue
            if source and str(meta.get("source") or "") != source:
                continue
            words = set(content_stems(f"{meta.get('source') or ''} {meta.get('title') or ''} "
                                      f"{item.sentence}"))
            covered = len(wanted & words) / len(wanted)
            if covered >= self.min_coverage:
                scored.append((covered, item))
        if not scored:
            return None
        scored = sorted(scored, key=lambda pair: -pair[0])[:4]
        if self.cross_encoder is None:
            return scored[0][1]
        texts = [f"{i.document.metadata.get('title') or ''}. {i.sentence}" for _, i in scored]
        scores = self.cross_encoder.score(part, texts).tolist()
        best = max(range(len(scored)), key=lambda k: scores[k])
        return scored[best][1] if scores[best] >= self.min_part_score else None
