# Newsdesk: `make run` serves the web app (sample article indexed, offline); `make test` runs every test.
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: run test test-fast lint eval bench bench-cold setup setup-llamacpp setup-test clean-index

setup:
	scripts/setup.sh run

# The llama.cpp backend (NEWSDESK_BACKEND=llamacpp): not part of `make run`; builds llama-cpp-python (~5 minutes).
setup-llamacpp:
	scripts/setup.sh llamacpp

setup-test:
	scripts/setup.sh test

run: setup
	$(BIN)/newsdesk serve

test: setup-test
	$(BIN)/pytest

test-fast: setup-test
	$(BIN)/pytest -m "not slow"

lint: setup-test
	$(BIN)/ruff check app tests bench evals scripts
	$(BIN)/ruff format --check app tests bench evals scripts
	$(BIN)/mypy

eval: setup
	$(BIN)/newsdesk eval --dataset evals/sample_qa.jsonl --dataset evals/briefing_facts.jsonl --corpus app/data/sample --out evals/reports/latest
	$(BIN)/newsdesk eval --dataset evals/news_dev.jsonl --corpus evals/news/corpus --out evals/reports/news_dev
	$(BIN)/newsdesk eval --dataset evals/news_heldout.jsonl --corpus evals/news/corpus --out evals/reports/news_heldout
	$(BIN)/newsdesk eval --dataset evals/news_dev2.jsonl --corpus evals/news2/corpus --out evals/reports/news_dev2
	$(BIN)/newsdesk eval --dataset evals/topics_dev.jsonl --corpus evals/news/corpus --out evals/reports/topics_dev
	$(BIN)/newsdesk eval --dataset evals/topics_heldout.jsonl --corpus evals/news/corpus --out evals/reports/topics_heldout

bench: setup-test
	$(BIN)/python -m bench.run_all

# Cold start (issue 18): cold ask / serve-ready as ratios to a cold `newsdesk --help`; docs/performance.md.
bench-cold: setup
	$(BIN)/python -m bench.cold_start_bench

clean-index:
	rm -rf index/* && touch index/.gitkeep
