# Each target creates or reuses .venv and installs Fengkong from this repository's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install demo test bench bench-load lint serve clean messages

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fengkong demo

# pytest exits 5 when it collects no test: that is not a failure of the suite. Each test file
# runs on one worker (`--dist loadfile`): a file's module fixtures (a simulated year, a served
# book) are then made once, not once per worker; the slowest files start first (conftest). Two workers
# already fill the two cores: the numeric libraries' own thread pools on top of them only
# oversubscribe the machine (a CI run once saw a load average near 100). `--dist loadgroup` keeps
# the tests of one `xdist_group` (the browser tests) on one worker — once pytest-xdist copes with
# pytest 9.2's node ids again (its issue 1386); meanwhile it distributes as `load` does.
test: $(STAMP)
	@OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

bench: $(STAMP)
	$(BIN)/python -m bench

bench-load: $(STAMP)
	$(BIN)/python -m bench load --profile

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports --no-logo
	cd tests && MYPYPATH=../src ../$(BIN)/mypy --strict --no-incremental --config-file ../pyproject.toml -p fakes

# The console's catalogue: extract its messages, then add the new ones to the Chinese catalogue
# (their texts to be written) and drop those no longer used (docs/console.md).
WEB := src/fengkong/web
messages: $(STAMP)
	$(BIN)/pybabel extract -F $(WEB)/babel.cfg -k N_ -k say --no-location --omit-header \
		-o $(WEB)/locale/console.pot $(WEB)
	$(BIN)/pybabel update -i $(WEB)/locale/console.pot -d $(WEB)/locale -D console -l zh_CN \
		--ignore-obsolete --ignore-pot-creation-date
	rm $(WEB)/locale/console.pot

serve: $(STAMP)
	$(BIN)/fengkong serve

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
