"""Download statistics from the index's JSON access log, like linehaul for PyPI."""
