# `make demo` runs the main job, `make test` the tests; each creates .venv and installs the project on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# nbgrader calls `alembic` from PATH, so every command runs with the virtualenv's bin/ first.
RUN := PATH="$(abspath $(BIN)):$$PATH" MPLBACKEND=Agg

.PHONY: demo test test-slow lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(RUN) $(BIN)/dgm-grade demo

test: $(STAMP)
	$(RUN) $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# pytest exits 5 when it collected nothing: while no suite is marked slow, that is not a failure.
test-slow: $(STAMP)
	$(RUN) $(BIN)/python -m pytest -m slow $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no suite is marked slow"; exit 0; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf demo_output submitted autograded feedback gradebook.db .pytest_cache
