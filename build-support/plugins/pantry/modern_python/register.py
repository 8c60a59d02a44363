"""Lets Pants 2.17 resolve and run on CPython 3.9 through 3.13 (see `pip_version`)."""

from pantry.modern_python import pip_version

pip_version.raise_pip_version()
