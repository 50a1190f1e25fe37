"""Benchmarks: how fast the product is, measured the way people use it.

`run` (`newsqa bench`: ingest and answer speed at several index sizes, cold starts, the
LangChain tutorial baseline), `feeds` (`newsqa bench-feeds`: many local feeds polled as
`serve` does), `verify` (`newsqa verify-bench`: the generated-answer checker), `load`
(`newsqa loadtest`: many sessions against a running server), `processes` (starting and
stopping servers for the above and for tests), `keyword_engines` (a one-off comparison of
keyword engines on a built index, run as `python -m newsqa.eval.bench.keyword_engines`).
"""
