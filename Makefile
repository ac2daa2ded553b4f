# SciML Book: two commands from a fresh clone.
#   make book   set up .venv, execute every notebook, build the HTML book into _build/html
#   make test   set up .venv, run every test (ruff, unit tests, notebook hygiene, nbval, book checks)
# Also: make test-book (the built book in headless Chromium, offline; after make book),
#       make linkcheck (external links; needs network), make lab (JupyterLab on the course),
#       make bench (benchmarks against the peers), make setup (only the environment),
#       make strip (strip notebook outputs), make clean.
# Only Python >= 3.11 and make are assumed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.stamp-install
# MathJax, require.js and the ipywidgets embed manager, served by the book itself.
ASSETS := book/vendor/.stamp-assets
BENCH_STAMP := $(VENV)/.stamp-bench
# Every tool (jupyter, the python3 kernel, mpiexec) comes from the venv.
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export PYTHONHASHSEED := 0
# Notebook and cell time limits (seconds); see CONTRIBUTING.md.
NB_BUDGET ?= 120
CELL_TIMEOUT ?= 600
JOBS ?= 2

.PHONY: all setup test test-unit test-notebooks test-book linkcheck book lab bench strip clean help

all: test

help:
	@sed -n '1,8p' Makefile

$(STAMP): pyproject.toml constraints/book.txt
	@echo "== setting up $(VENV) (Python: $$($(PYTHON) --version))"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints/book.txt -e ".[test,book,peers]"
	@touch $@

$(ASSETS): tools/fetch_assets.py
	$(BIN)/python tools/fetch_assets.py
	@touch $@

setup: $(STAMP) $(ASSETS)

test: $(STAMP) $(ASSETS)
	@rm -f _build/junit-*.xml
	@$(BIN)/python tools/stage.py "lint (ruff: pyflakes, imports)" -- \
	    $(BIN)/ruff check sciml_lib tests benchmarks tools
	@$(BIN)/python tools/stage.py "unit tests, hygiene, book checks" -- \
	    $(BIN)/python -m pytest -n $(JOBS) -q -m "not browser" --junitxml=_build/junit-unit.xml tests
	@$(MAKE) --no-print-directory test-notebooks
	@$(BIN)/python tools/junit_summary.py _build/junit-*.xml

test-unit: $(STAMP) $(ASSETS)
	$(BIN)/python -m pytest -n $(JOBS) -q -m "not browser" tests

# The built book as a reader sees it (after `make book`): every page of _toc.yml in
# headless Chromium with the network blocked. Fails (never skips) without a browser.
test-book: $(STAMP) $(ASSETS)
	@$(BIN)/python tools/stage.py "book in the browser" -- \
	    env SCIML_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q -p no:cacheprovider -m browser \
	    -s --junitxml=_build/junit-browser.xml tests/test_book_browser.py

# External links of the built book (needs network; not part of CI).
linkcheck: $(STAMP) $(ASSETS)
	$(BIN)/jupyter-book build . --builder linkcheck

# nbval executes every notebook top to bottom (one kernel per notebook).
# Notebooks that measure parallel speed-ups ("sciml": {"exclusive": true}) run alone.
# homework/*/cases holds graded submissions (some named *_test.py), not tests.
NBVAL := $(BIN)/python -m pytest -q -p no:cacheprovider --ignore-glob="homework/*/cases/*" --nbval-lax --nbval-cell-timeout=$(CELL_TIMEOUT) --nb-budget=$(NB_BUDGET)
test-notebooks: $(STAMP)
	@$(BIN)/python tools/stage.py "notebooks (nbval, parallel)" -- \
	    $(NBVAL) -n $(JOBS) --dist loadscope --nb-exclusive=skip --junitxml=_build/junit-nb.xml lectures homework
	@$(BIN)/python tools/stage.py "notebooks (nbval, exclusive)" --ok-codes 0,5 -- \
	    $(NBVAL) --nb-exclusive=only --junitxml=_build/junit-nb-exclusive.xml lectures homework
	@$(BIN)/python tools/stage.py "notebooks (exclusive, busy machine)" --ok-codes 0,5 -- \
	    $(BIN)/python tools/busy_run.py --hogs 1 -- \
	    $(NBVAL) --nb-exclusive=only --junitxml=_build/junit-nb-busy.xml lectures homework

book: $(STAMP) $(ASSETS)
	@$(BIN)/python tools/book_cache.py _build/.jupyter_cache
	@$(BIN)/python tools/stage.py "book (execute + html)" \
	    --digest "An error occurred while executing|CellTimeoutError|DeadKernelError" -- \
	    $(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@test -f _build/html/index.html
	@echo "Book: $(CURDIR)/_build/html/index.html"

# JupyterLab with MyST rendering (jupyterlab-myst); also registers this venv as the
# Jupyter kernel "sciml-book" for the user, so another JupyterLab finds sciml_lib.
lab: $(STAMP) $(ASSETS)
	$(BIN)/python -m ipykernel install --user --name sciml-book --display-name "Python (SciML Book)"
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR) lectures

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints/book.txt -e ".[test,book,peers,bench]"
	@touch $@

bench: $(BENCH_STAMP)
	@set -e; for b in benchmarks/*.py; do \
	    $(BIN)/python tools/stage.py "benchmark $$b" -- $(BIN)/python $$b; done

strip: $(STAMP)
	$(BIN)/python tools/strip_notebooks.py

clean:
	rm -rf _build .pytest_cache
