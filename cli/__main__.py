"""``python -m cli``: the ``sentimon`` command without its console script (child processes, a fresh checkout)."""

from cli import main

main(prog_name="sentimon")
