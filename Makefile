# The two commands a new machine needs: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# --- NLP model -------------------------------------------------------------------------------
# The model is built from the corpus, the config and the code that shapes training; it is
# rebuilt only when one of those changes.
NLP_MODEL := nlp/model/meta.json
NLP_TRAINING_INPUTS := $(wildcard nlp/data/corpus/*.jsonl) nlp/config.cfg \
	$(addprefix nlp/,analysis.py corpus.py decision.py entities.py features.py findings.py \
	hostility.py metrics.py pipeline.py safety.py sentiment.py text.py train.py urgency.py)

.PHONY: venv run test fuzz screenshots lint bench bench-routing bench-nlp model eval clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## run: start the gateway with embedded defaults (SQLite under var/, in-process routing)
run: venv $(NLP_MODEL)
	$(PY) -m gateway migrate
	$(PY) -m gateway seed-demo
	$(PY) -m gateway serve

## test: the whole suite; PostgreSQL and Redis tests skip when unreachable unless REQUIRE_SERVICES=1
test: venv $(NLP_MODEL)
	$(PY) -m pytest

## fuzz: the bad-input campaign (marker `campaign`) at length; `make test` runs it short
fuzz: venv $(NLP_MODEL)
	$(PY) -m pytest -m campaign --hypothesis-profile=long --timeout=3600

## screenshots: refresh the README's page screenshots in docs/screenshots (browser tests)
screenshots: venv $(NLP_MODEL)
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_staff_pages.py -k sqlite

## lint: ruff and mypy (strict) over our packages
lint: venv
	$(VENV)/bin/ruff check gateway channels nlp routing tests bench
	$(VENV)/bin/ruff format --check gateway channels nlp routing tests bench
	$(VENV)/bin/mypy

## bench: speed and memory figures, printed against their targets (never a timed unit test)
bench: bench-nlp bench-routing

# Against the Redis at $BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, which it flushes).
bench-routing: venv
	$(PY) bench/routing_bench.py

## model: build the NLP model from the corpus (only when the corpus, config or training code changed)
model: $(NLP_MODEL)

$(NLP_MODEL): $(NLP_TRAINING_INPUTS) | $(STAMP)
	$(PY) -m nlp train --output nlp/model

## eval: dev-split figures beside the TF-IDF and VADER baselines, measured in the same run, then
## the same on messages written independently of the corpus (nlp/data/independent, never trained on)
eval: $(NLP_MODEL)
	$(PY) -m nlp evaluate --split dev --baselines
	$(PY) -m nlp evaluate nlp/data/independent/messages.jsonl --baselines

bench-nlp: $(NLP_MODEL)
	$(PY) -m nlp bench

clean:
	rm -rf $(VENV) var nlp/model
