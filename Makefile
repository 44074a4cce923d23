.PHONY: run test install screenshots bench

run:
	bash scripts/run.sh

install:
	LLAMA_SERVER_BUILD=wait bash scripts/bootstrap.sh

test: install
	.venv/bin/python -m pytest

screenshots: install
	REVIEW_SCREENSHOTS=1 .venv/bin/python -m pytest tests/test_browser_screenshots.py -q

bench: install
	.venv/bin/python bench/answer.py
