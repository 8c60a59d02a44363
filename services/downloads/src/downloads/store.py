"""Download counts in PostgreSQL: one row per (project, version), added to by each report."""

from __future__ import annotations

from typing import Iterable

import psycopg
from downloads.reports import ReleaseCount

SCHEMA = """
CREATE TABLE IF NOT EXISTS release_downloads (
    project   text   NOT NULL,
    version   text   NOT NULL,
    downloads bigint NOT NULL CHECK (downloads >= 0),
    PRIMARY KEY (project, version)
);
CREATE TABLE IF NOT EXISTS reports (
    id          bigserial   PRIMARY KEY,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    releases    integer     NOT NULL,
    downloads   bigint      NOT NULL
);
"""


def create_schema(conn: psycopg.Connection) -> None:
    conn.execute(SCHEMA)


def add_report(conn: psycopg.Connection, counts: Iterable[ReleaseCount]) -> set[str]:
    """Add one report's counts in one transaction; returns the projects it touched."""
    counts = list(counts)
    with conn.transaction():
        with conn.cursor() as cur:
            cur.executemany(
                """
                INSERT INTO release_downloads (project, version, downloads)
                VALUES (%s, %s, %s)
                ON CONFLICT (project, version)
                DO UPDATE SET downloads = release_downloads.downloads + EXCLUDED.downloads
                """,
                [(c.project, c.version, c.downloads) for c in counts],
            )
            cur.execute(
                "INSERT INTO reports (releases, downloads) VALUES (%s, %s)",
                (len(counts), sum(c.downloads for c in counts)),
            )
    return {c.project for c in counts}


def project_counts(conn: psycopg.Connection, project: str) -> dict | None:
    """`{"project", "downloads", "versions": [{"version", "downloads"}]}`, or None if unknown.

    Versions by downloads, most first, then by version text: one answer for one state.
    """
    rows = conn.execute(
        "SELECT version, downloads FROM release_downloads WHERE project = %s "
        "ORDER BY downloads DESC, version",
        (project,),
    ).fetchall()
    if not rows:
        return None
    return {
        "project": project,
        "downloads": sum(n for _, n in rows),
        "versions": [{"version": v, "downloads": n} for v, n in rows],
    }
