# The two commands of the README, and the author's helpers.
#   make lab    set up (first time only) and open the course in JupyterLab
#   make test   set up (first time only) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: lab test release bench browser clean-env

lab: $(STAMP)
	$(PY) -m course lab

# The fast unit tests first and alone (under a minute), then notebooks, nbgrader and the
# browser; both on every core, each chapter's tests on one worker (pytest-xdist groups).
test: $(STAMP) browser
	$(PY) -m pytest -m "not slow" --numprocesses auto
	$(PY) -m pytest -m slow --numprocesses auto --dist loadgroup

release: $(STAMP)
	$(PY) -m course release

bench: $(STAMP)
	$(PY) benchmarks/notebooks.py

# The browser test needs Debian's chromium; scripts/install-browser explains what it does.
browser:
	@bash scripts/install-browser

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: install it, or run make PYTHON=python3.11 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --constraint constraints.txt --editable ".[test]"
	@touch $(STAMP)

clean-env:
	rm -rf $(VENV)
