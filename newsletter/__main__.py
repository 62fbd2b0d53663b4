"""``python -m newsletter``: the same command line as ``newsletter``."""

from .cli import main

main()
