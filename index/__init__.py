"""The write path: load → clean → chunk → embed → store.

`ingest()` in `pipeline.py` runs the whole line; each step lives in its own module.
"""

# Bump when loading, cleaning or chunking changes what passages an article yields: caches
# of built indexes (e.g. `newsqa eval`'s) are keyed on it.
PASSAGE_FORMAT = 1
