# The two commands of the README. Both install what is missing first.
.PHONY: install up test lint

install:
	scripts/install.sh

up: install
	.venv/bin/sentimon up

test: install
	scripts/ensure-redis.sh
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q -rs
