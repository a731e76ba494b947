# The two commands of the README: `make demo` and `make test`. Both set up
# everything on a fresh machine: a virtualenv with the package, and the
# control-plane binaries (built once from the Go module proxy, then cached).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint unit e2e control-plane clean

demo: $(VENV)/.installed
	$(BIN)/modelarts-operator demo

# Every tier: lint, unit, emulator and client, then e2e on the real control plane.
test: lint control-plane
	$(BIN)/pytest -ra

lint: $(VENV)/.installed
	$(BIN)/ruff check operator tests bench
	$(BIN)/ruff format --check operator tests bench
	$(BIN)/mypy

unit: $(VENV)/.installed
	$(BIN)/pytest -ra -m "not e2e"

e2e: control-plane
	$(BIN)/pytest -ra -m e2e

control-plane: $(VENV)/.installed
	bash hack/control-plane/build.sh > /dev/null

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,lint]'
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
