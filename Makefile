# Everyday commands; they work from a fresh clone (the virtualenv is made on first use).
# `make test PYTEST_ARGS="-k healthz -x"` passes options to pytest.

VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=
BENCHMARKS := $(basename $(notdir $(sort $(wildcard benchmarks/bench_*.py))))

.DEFAULT_GOAL := help
.PHONY: help install run test bench lint services services-stop clean

help:
	@echo "make run            migrate, load demo data, serve http://127.0.0.1:8000 with DEBUG=1"
	@echo "make test           the whole test suite (PostgreSQL, Redis, Chromium when installed)"
	@echo "make bench          every benchmarks/bench_*.py, in order"
	@echo "make lint           ruff and mypy"
	@echo "make services       start PostgreSQL + Redis under .local/ and print the URLs to export"
	@echo "make services-stop  stop them"
	@echo "make clean          stop them, delete .local/ (their data) and caches"

$(PYTHON):
	python3 -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the last install.
$(INSTALLED): pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(INSTALLED)

run: $(INSTALLED)
	DEBUG=1 $(PYTHON) manage.py migrate
	DEBUG=1 $(PYTHON) manage.py seed_demo
	DEBUG=1 $(PYTHON) manage.py runserver 127.0.0.1:8000

# pytest exits 5 when it collected nothing: not a failure, but never silent (every other status passes through).
test: $(INSTALLED)
	@status=0; $(VENV)/bin/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "!!! pytest collected no tests (exit 5): treated as success, but check testpaths and -k/-m." >&2; \
		status=0; \
	fi; \
	exit $$status

bench: $(INSTALLED)
	@for name in $(BENCHMARKS); do $(PYTHON) -m benchmarks.$$name || exit $$?; done

lint: $(INSTALLED)
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	DEBUG=1 $(VENV)/bin/mypy . || status=1; \
	exit $$status

services: $(INSTALLED)
	@$(PYTHON) -m sop_testing start

services-stop:
	@if [ -x $(PYTHON) ]; then $(PYTHON) -m sop_testing stop; fi

clean:
	@if [ -x $(PYTHON) ] && [ -d .local ]; then $(PYTHON) -m sop_testing clean; fi
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis staticfiles
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
