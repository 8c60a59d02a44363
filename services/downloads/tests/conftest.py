import pytest
from downloads.store import SCHEMA

pytest_plugins = ["testing_services.pytest_plugin"]


@pytest.fixture(scope="session")
def postgresql_schema() -> str:
    return SCHEMA
