"""The write path: load → clean → chunk → embed → store.

`ingest()` in `pipeline.py` runs the whole line; each step lives in its own module.
"""
