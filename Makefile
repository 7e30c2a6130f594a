# docparse — the two commands a new user runs: `make demo` and `make test`.
# Both create and use one virtual environment, .venv in the repo root.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The CPU build of torch (taken from this machine's disk). GPU users: see README "GPU install".
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= model,api,postgres,s3,dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_OUT ?= out/demo

.PHONY: help venv system-deps demo test bench lint typecheck importlint schemas unit goldens processor-fixture pdf-corpus text-recall clean

help:
	@echo "make demo   - ingest samples/ on the embedded default (no services) and export the results to $(DEMO_OUT)/"
	@echo "make test   - lint, type-check, import contracts, schema drift and the test suite"
	@echo "make bench  - benchmarks: every figure beside a baseline of the same run (needs PostgreSQL + Redis)"
	@echo "make lint | typecheck | importlint | schemas | goldens | clean"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP) system-deps

# Debian packages the tests and the pdf2image backend need.
system-deps:
	@missing=""; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v docker-compose >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || missing="$$missing rabbitmq-server"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The main job on the embedded default (SQLite + in-process tasks, no services): ingest
# samples/ (a second run does no new work) and export every result in every format.
demo: venv
	@mkdir -p $(DEMO_OUT)
	DOCPARSE_DATA_DIR=$(DEMO_OUT)/.docparse $(BIN)/docparse ingest samples/
	DOCPARSE_DATA_DIR=$(DEMO_OUT)/.docparse $(BIN)/docparse export --all --format json -o $(DEMO_OUT)
	DOCPARSE_DATA_DIR=$(DEMO_OUT)/.docparse $(BIN)/docparse export --all --format md -o $(DEMO_OUT)
	DOCPARSE_DATA_DIR=$(DEMO_OUT)/.docparse $(BIN)/docparse export --all --format html --overlay -o $(DEMO_OUT)
	DOCPARSE_DATA_DIR=$(DEMO_OUT)/.docparse $(BIN)/docparse export --all --format csv -o $(DEMO_OUT)
	DOCPARSE_DATA_DIR=$(DEMO_OUT)/.docparse $(BIN)/docparse export --all --format xlsx -o $(DEMO_OUT)
	@echo "results in $(DEMO_OUT)/ (open the .html files for the page overlays)"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

importlint: venv
	$(BIN)/lint-imports

schemas: venv
	$(PY) -m schemas.generate --check

unit: venv
	$(BIN)/pytest -q

test: lint typecheck importlint schemas unit

# Figures printed as ratios against baselines measured in the same run; JSON in out/bench.json.
bench: venv
	$(BIN)/docparse bench $(BENCH_ARGS)

# Word recall of the pdf-text engine against poppler's pdftotext (bench/text_recall.py): the committed
# corpus (tests/data/pdf-text-corpus), then real PDFs from Debian documentation packages, fetched with
# `apt-get download` (nothing installed) into $(PDF_CORPUS) by `make pdf-corpus`.
PDF_CORPUS ?= .cache/pdf-corpus
pdf-corpus: venv
	$(PY) -m bench.pdf_corpus $(PDF_CORPUS)

text-recall: pdf-corpus
	$(PY) -m bench.text_recall --corpus tests/data/pdf-text-corpus
	$(PY) -m bench.text_recall --corpus $(PDF_CORPUS)/pdfs

# Record the official Qwen2.5-VL processor's outputs for the input-equality test (needs a torch and
# torchvision pair that load together, so a throwaway venv; see tests/engines/official_processor.py).
PROC_VENV ?= /tmp/docparse-processor-venv
processor-fixture: venv
	test -x $(PROC_VENV)/bin/python || $(PYTHON) -m venv $(PROC_VENV)
	$(PROC_VENV)/bin/pip install -q "torch==2.14.1" "torchvision==0.29.1" \
	  "transformers==$$($(PY) -c 'import transformers; print(transformers.__version__)')" \
	  "tokenizers==$$($(PY) -c 'import tokenizers; print(tokenizers.__version__)')" pillow numpy structlog pydantic
	PYTHONPATH=. $(PROC_VENV)/bin/python -m tests.engines.official_processor

goldens: venv
	DOCPARSE_UPDATE_GOLDENS=1 $(BIN)/pytest -q tests/qwenvl tests/export

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
