# newsqa: `make run` starts the chat app on the sample articles, `make test` runs the tests.
# Both create .venv first if needed. torch is pinned to the 2.13.0 CPU wheel and installed
# before anything else; an unpinned torch would pull a multi-GB CUDA build.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: setup
	$(BIN)/python app.py

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) data .pytest_cache
