"""Evaluation harness: run test sets through the assistant and score what it says.

`newsqa eval --testset NAME|PATH` indexes the set's corpus once (cached under
`<data_dir>/eval-cache/`), asks every question through `NewsAssistant.ask` — the chain the
UI uses — and writes `results.jsonl`, `summary.json` and `report.md` with charts.

Modules: `testset` (format and loader), `registry` + `realtimeqa` + `multihop` (named sets),
`corpus` + `cache` (indexing), `runner` + `probe` (asking), `results` (one scored answer),
`normalize` + `verdict` + `metrics` (scoring, pure), `summary` + `report` + `plots`
(outputs), `floors` (CI gate), `calibrate` (the confidence curve), `support` (the verifier's
support threshold), `replay` + `shortfit` (record the evidence once, refit the short-answer
weights on it), `cli` (the commands), and `bench/` (speed: `newsqa bench`, `bench-feeds`,
`verify-bench`, `loadtest`; its own docstring lists its modules).
"""
