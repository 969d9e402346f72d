"""``python -m sgan <command>``: the command line, ``sgan.cli.main``."""

import sys

from sgan.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
