# The two commands of the README. Both install what is missing first.
.PHONY: install up test

install:
	scripts/install.sh

up:
	SENTIMON_SKIP_BROWSER=1 scripts/install.sh
	.venv/bin/sentimon up

test: install
	scripts/ensure-redis.sh
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q -rs
