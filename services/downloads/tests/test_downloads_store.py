"""Against a real PostgreSQL (libs/internal/testing-services): a fresh database per test."""

import psycopg
from downloads.reports import parse_report
from downloads.store import add_report, project_counts
from downloads_test_support import report


def test_reports_add_up(postgresql_dsn: str) -> None:
    with psycopg.connect(postgresql_dsn) as conn:
        assert add_report(conn, parse_report(report(("a", "1.0", 2), ("b", "2", 1)))) == {"a", "b"}
        assert add_report(conn, parse_report(report(("A", "1.0", 3), ("a", "0.9", 7)))) == {"a"}
        assert project_counts(conn, "a") == {
            "project": "a",
            "downloads": 12,
            "versions": [{"version": "0.9", "downloads": 7}, {"version": "1.0", "downloads": 5}],
        }
        assert conn.execute("SELECT count(*), sum(downloads) FROM reports").fetchone() == (2, 13)


def test_each_test_starts_empty(postgresql_dsn: str) -> None:
    with psycopg.connect(postgresql_dsn) as conn:
        assert project_counts(conn, "a") is None
        assert conn.execute("SELECT count(*) FROM reports").fetchone() == (0,)
