"""Markers of the adopt tests."""


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "index: resolves against the package index (relock, real sdist download)"
    )
