import pytest
from downloads.reports import ReleaseCount, ReportError, parse_report
from downloads_test_support import report


def test_names_and_versions_are_normalised_and_added_up() -> None:
    text = report(
        ("Foo_Bar", "1.0", 2), ("foo-bar", "1.00", 3), ("zope.x", "weird-1", 1), ("a", "1.0-RC1", 1)
    )
    assert parse_report(text) == (
        ReleaseCount("a", "1.0rc1", 1),
        ReleaseCount("foo-bar", "1.0", 5),
        ReleaseCount("zope-x", "weird-1", 1),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "r.json: not JSON (Expecting property name enclosed in double quotes at line 1, "
            "column 2); expected the output of `python -m stats --format json`",
        ),
        (
            "[]",
            "r.json: no `releases` list; expected the output of `python -m stats --format json`",
        ),
        ('{"releases": [1]}', "r.json: releases[0]: expected an object, got 1"),
        (
            '{"releases": [{"version": "1", "downloads": 1}]}',
            "r.json: releases[0].project: expected a project name, got None",
        ),
        (
            '{"releases": [{"project": "a", "version": "", "downloads": 1}]}',
            "r.json: releases[0].version: expected a version string, got ''",
        ),
        (
            '{"releases": [{"project": "a", "version": "1", "downloads": -1}]}',
            "r.json: releases[0].downloads: expected a count >= 0, got -1",
        ),
        (
            '{"releases": [{"project": "a", "version": "1", "downloads": true}]}',
            "r.json: releases[0].downloads: expected a count >= 0, got True",
        ),
    ],
)
def test_bad_reports_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(ReportError) as e:
        parse_report(text, "r.json")
    assert str(e.value) == message
