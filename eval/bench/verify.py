"""How often citation verification catches the errors small models make, measured on a test set.

`newsqa verify-bench -t realtimeqa-dev --sample 200` takes answerable questions whose gold
answer appears in a sentence of the passages the chain retrieves. That sentence is the
faithful claim; four corruptions of it are what small models typically write instead:

* role swap — two names exchanged ("Putin advised Macron" ↔ "Macron advised Putin"),
  except names side by side in a list ("X and Y", "X, Y"), where order means nothing;
* number change — one number altered;
* invented name — a name replaced by one from another question's passages;
* foreign claim — another question's faithful sentence (true somewhere, not here).

Each is verified against the question's passages exactly as an answer sentence would be.
Detection is the share rejected; false rejection is the share of faithful claims rejected.
Corruptions only count where they apply (a sentence with two names can be role-swapped).
"""

import re
from dataclasses import dataclass, field

from rich.console import Console

from newsqa.assistant.answer import QUESTION_WORDS
from newsqa.assistant.chain import NewsAssistant
from newsqa.assistant.verify import CitationVerifier, names_in
from newsqa.assistant.words import stopwords
from newsqa.eval.cache import cached_index
from newsqa.eval.normalize import contains_any
from newsqa.eval.registry import resolve
from newsqa.eval.runner import fixed_sample
from newsqa.index.embed import load_embedder
from newsqa.index.filters import PassageFilter
from newsqa.index.sentences import split_sentences
from newsqa.settings import Settings

_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
KINDS = ("faithful", "role swap", "number change", "invented name", "foreign claim")


@dataclass
class Case:
    question: str
    documents: list
    faithful: str
    names: list[str] = field(default_factory=list)


def _common() -> frozenset[str]:
    return frozenset(QUESTION_WORDS | stopwords())


def role_swapped(sentence: str, names: list[str]) -> str | None:
    distinct = [n for n in dict.fromkeys(names) if n in sentence]
    for i, first in enumerate(distinct):
        for second in distinct[i + 1:]:
            if first in second or second in first:
                continue
            (a, left), (b, _) = sorted([(sentence.index(first), first),
                                        (sentence.index(second), second)])
            gap = sentence[a + len(left):b]
            if re.fullmatch(r"(?:['’]s)?\s*[,;]?\s*(?:and|or|&)?\s*", gap):
                continue  # "X and Y", "X, Y": a list, where order carries no meaning
            swapped = (sentence.replace(first, "\0").replace(second, first)
                       .replace("\0", second))
            if swapped != sentence:
                return swapped
    return None


def number_changed(sentence: str) -> str | None:
    match = _NUMBER.search(sentence)
    if not match:
        return None
    digits = match.group().replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    new = value * 2 + 3 if value < 1900 or value > 2100 else value - 7  # years shift a bit
    text = str(int(new)) if new == int(new) else f"{new:g}"
    return sentence[:match.start()] + text + sentence[match.end():]


def name_invented(sentence: str, names: list[str], foreign: list[str], haystack: str) -> str | None:
    outsider = next((f for f in foreign if f.lower() not in haystack), None)
    target = next((n for n in names if n in sentence), None)
    if not outsider or not target:
        return None
    return sentence.replace(target, outsider, 1)


def collect_cases(assistant: NewsAssistant, questions, console: Console) -> list[Case]:
    cases, common = [], _common()
    for question in questions:
        if not question.answerable or not question.answer:
            continue
        golds = [question.answer, *question.aliases]
        state = assistant.chain.invoke({"question": question.question,
                                        "filters": PassageFilter.build(as_of=question.as_of)})
        documents = state.reranked.documents
        faithful = next((s.text for d in documents for s in split_sentences(d.page_content)
                         if 6 <= len(s.text.split()) <= 60 and contains_any(s.text, golds)),
                        None)
        if faithful:
            names = [" ".join(run) for run in names_in(faithful, common)]
            cases.append(Case(question.question, documents, faithful, names))
    console.print(f"{len(cases)} questions have a gold-bearing sentence in their passages")
    return cases


def run_verify_bench(testset: str, sample: int | None, settings: Settings,
                     console: Console | None = None) -> dict:
    console = console or Console(stderr=True)
    evalset = resolve(testset, None)
    embedder = load_embedder(settings.embedding_model, batch_size=settings.embedding_batch_size,
                             threads=settings.threads)
    index = cached_index(evalset.corpus, settings, embedder)
    assistant = NewsAssistant(index.settings.model_copy(update={"llm": "none"}),
                              embedder=embedder, store=index.store)
    verifier = CitationVerifier(assistant.cross_encoder, min_support=settings.min_support)
    questions = fixed_sample(evalset.questions, sample) if sample else evalset.questions
    cases = collect_cases(assistant, questions, console)

    outcomes: dict[str, list[bool]] = {kind: [] for kind in KINDS}
    examples: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for i, case in enumerate(cases):
        other = cases[(i + 1) % len(cases)] if len(cases) > 1 else None
        haystack = " ".join(f"{d.metadata.get('title', '')} {d.page_content}"
                            for d in case.documents).lower()
        variants = {
            "faithful": case.faithful,
            "role swap": role_swapped(case.faithful, case.names),
            "number change": number_changed(case.faithful),
            "invented name": name_invented(case.faithful, case.names,
                                           other.names if other else [], haystack),
            "foreign claim": (other.faithful if other and other.faithful.lower() not in haystack
                              else None),
        }
        for kind, claim in variants.items():
            if not claim:
                continue
            check = verifier.verify(claim, case.documents).checks
            supported = bool(check) and all(c.supported or c.neutral for c in check) and any(
                c.supported for c in check)
            outcomes[kind].append(supported)
            wrong = supported if kind != "faithful" else not supported
            if wrong and len(examples[kind]) < 5:
                examples[kind].append({"question": case.question, "claim": claim,
                                       "reasons": [c.reason for c in check]})
    rates = {}
    for kind, accepted in outcomes.items():
        if kind == "faithful":
            rates[kind] = {"n": len(accepted),
                           "false_rejection": _share([not a for a in accepted])}
        else:
            rates[kind] = {"n": len(accepted), "detected": _share([not a for a in accepted])}
    return {"testset": evalset.name, "sample": sample, "questions_with_gold_sentence": len(cases),
            "min_support": settings.min_support, "rates": rates, "misses": examples}


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None
