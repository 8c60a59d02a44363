"""`python -m <package>.checker REQUEST.json [--build-root DIR]`: see `checker/__init__.py`."""

from __future__ import annotations

import sys

from .main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
