"""Choose `min_support` from evaluation runs: what each threshold would have scored.

`newsqa calibrate-support LLM_RUN/results.jsonl EXTRACTIVE_RUN/results.jsonl` replays an
`--llm` run (made with a low `NEWSQA_MIN_SUPPORT`, so its recorded sentence checks cover
every threshold above it) at other thresholds. At each threshold a generated sentence is
kept when it passed every hard check and its support reaches the threshold; when none is
kept, the question gets the extractive answer, taken from the extractive run over the same
questions. The answer is then judged as `newsqa eval` judges it, and the table reports the
CRAG score, accuracy on answerable questions, and how often the model's answer was kept.
"""

import json
from pathlib import Path

from newsqa.eval.verdict import answer_matches

THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _load(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8") as handle:
        return {r["id"]: r for r in map(json.loads, handle) if r}


def _score(record: dict, text: str | None) -> tuple[int, bool]:
    """(CRAG score, correct) of answering `text` (None: declined), as the verdict rules do."""
    golds = [g for g in [record.get("gold"), *(record.get("aliases") or [])] if g]
    if text is None:
        return (0 if record["answerable"] else 1), not record["answerable"]
    right = answer_matches(text, golds)
    return (1 if right else -1), right


def replay(llm: dict[str, dict], extractive: dict[str, dict], threshold: float) -> dict:
    crag, correct_answerable, answerable, kept_model = 0, 0, 0, 0
    for qid, record in llm.items():
        generation = record.get("generation") or {}
        sentences = generation.get("sentences") or []
        hard_fail = lambda s: s.get("reason") and not str(s["reason"]).startswith("support ")
        kept = [s["sentence"] for s in sentences
                if not hard_fail(s) and (s.get("support") or 0) >= threshold]
        if generation.get("mode") in ("generated", "partial", "fallback") and kept:
            text, kept_model = " ".join(kept), kept_model + 1
        elif generation.get("mode") == "model-declined":
            text = None
        else:
            base = extractive.get(qid, record)
            text = None if base["abstained"] else base["answer"]
        score, right = _score(record, text)
        crag += score
        if record["answerable"]:
            answerable += 1
            correct_answerable += right
    n = len(llm)
    return {"min_support": threshold, "crag": round(crag / n, 3) if n else None,
            "accuracy_answerable": round(correct_answerable / answerable, 3) if answerable else None,
            "model_answer_kept": round(kept_model / n, 3) if n else None}


def calibrate_support(llm_results: Path, extractive_results: Path,
                      thresholds=THRESHOLDS) -> list[dict]:
    llm, extractive = _load(llm_results), _load(extractive_results)
    return [replay(llm, extractive, t) for t in thresholds]
