"""Judge one answer against its gold data: correctness, retrieval ranks, citation support.

Rules (CRAG-style honesty scoring):
* answerable question: an answer containing the normalised gold (or an alias) is correct
  (+1), a decline scores 0, any other answer is wrong (-1);
* unanswerable question: a decline is correct (+1) and an answer is wrong (-1) — unless a
  gold answer is known and the answer contains it (RealTime QA's "answerable" flag is a
  lexical proxy computed on one week's corpus, while the index may hold other weeks);
* Yes/No gold answers count only when the answer opens with that word (`states_yes_no`);
* the bold short answer the reply opens with is scored too: a shown short answer that does
  not match the gold (`short_matches`) makes the whole answer wrong, however right the quote
  below it is — a reader sees the bold answer first;
* a citation is supported when its quote holds the gold answer, or shares a run of at
  least `QUOTE_RUN` tokens with an evidence quote (or one contains the other).
"""

from newsqa.eval.normalize import (contains_any, exact_match, is_calendar_date, is_yes_no,
                                   longest_common_run, same_answer,
                                   states_yes_no, strip_citation_markers, token_f1, tokens)
from newsqa.eval.results import Observed, RankedPassage, Verdict
from newsqa.eval.testset import TestQuestion

QUOTE_RUN = 8


def answer_text(observed: Observed) -> str:
    """What the assistant claimed: '' for a decline, markers like [1] removed."""
    return "" if observed.abstained else strip_citation_markers(observed.answer)


def answer_matches(text: str, golds: list[str]) -> bool:
    if not text or not golds:
        return False
    if is_yes_no(golds[0]):
        return any(states_yes_no(text, gold) for gold in golds)
    return contains_any(text, golds)


def short_matches(short: str, golds: list[str]) -> bool:
    """The bold answer states the gold: exact match, token F1 ≥ 0.5 ("Altman" for "Sam
    Altman"), or it contains the gold ("Friday, January 28, 2022" for "January 28, 2022")."""
    if not short or not golds:
        return False
    if is_yes_no(golds[0]):
        return any(states_yes_no(short, gold) for gold in golds)
    if all(is_calendar_date(g) for g in golds):  # the day itself: another day shares words
        return any(same_answer(short, g) for g in golds)
    return any(exact_match(short, g) or token_f1(short, g) >= 0.5 for g in golds) or \
        contains_any(short, golds)


def span_golds(question: TestQuestion) -> list[str]:
    """Gold strings that can be looked for in passages and quotes (not empty, not Yes/No)."""
    return [g for g in question.golds if not is_yes_no(g)]


def first_rank(ranking: list[RankedPassage], predicate) -> int | None:
    return next((p.rank for p in ranking if predicate(p)), None)


def quote_overlaps(quote: str, evidence: str) -> bool:
    """The cited quote and an evidence sentence share a long token run (or one holds the other)."""
    a, b = tokens(quote), tokens(evidence)
    if not a or not b:
        return False
    return longest_common_run(a, b) >= min(QUOTE_RUN, len(a), len(b))


def _outcome_scores(question: TestQuestion, answered: bool, matches: bool) -> tuple[str, bool, int]:
    if not answered:
        return "declined", not question.answerable, 0 if question.answerable else 1
    if matches:
        return "answered_correct", True, 1
    return "answered_wrong", False, -1


def judge(question: TestQuestion, observed: Observed) -> Verdict:
    text = answer_text(observed)
    short = "" if observed.abstained else (observed.short_answer or "")
    answered = not observed.abstained
    short_right = bool(short) and short_matches(short, question.golds)
    matches = (answered and answer_matches(text, question.golds)
               and (not short or short_right))
    outcome, correct, crag = _outcome_scores(question, answered, matches)

    spans = span_golds(question)
    quotes = question.evidence.quotes
    answer_rank_scored = bool(question.answerable and spans)
    answer_rank = (first_rank(observed.ranking, lambda p: contains_any(p.text, spans))
                   if answer_rank_scored else None)
    evidence_ranks = [first_rank(observed.ranking,
                                 lambda p, a=article_id: p.article_id == a or a in p.also_in)
                      for article_id in question.evidence.article_ids]
    quote_rank_scored = bool(question.answerable and quotes)
    quote_rank = (first_rank(observed.ranking, lambda p: contains_any(p.text, quotes))
                  if quote_rank_scored else None)

    citations_scored = bool(answered and question.answerable and (spans or quotes))
    supported = ([contains_any(c.quote, spans) or any(quote_overlaps(c.quote, q) for q in quotes)
                  for c in observed.citations] if citations_scored else [])

    return Verdict(
        outcome=outcome, correct=correct, crag=crag,
        f1=(token_f1(text, question.answer) if question.answerable else None),
        short_em=(float(any(same_answer(short, g) for g in question.golds))
                  if question.answerable else None),
        short_f1=(max((token_f1(short, g) for g in question.golds), default=0.0)
                  if question.answerable else None),
        short_shown=bool(short),
        short_correct=(short_right if short and question.answerable and question.golds
                       else None),
        answer_words=len(text.split()),
        answer_rank=answer_rank, answer_rank_scored=answer_rank_scored,
        evidence_ranks=evidence_ranks if question.answerable else [],
        quote_rank=quote_rank, quote_rank_scored=quote_rank_scored,
        citation_supported=supported, citations_scored=citations_scored,
    )
