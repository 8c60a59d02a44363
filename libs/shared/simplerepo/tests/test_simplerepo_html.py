from __future__ import annotations

import pytest
from simplerepo import DistributionFile, ProjectList, ProjectPage, html

WHEEL = DistributionFile(
    filename="demo-1.0-py3-none-any.whl",
    url="../../files/demo-1.0-py3-none-any.whl",
    hashes={"sha256": "ab" * 32},
    requires_python=">=3.9,<4",
    core_metadata={"sha256": "cd" * 32},
)
SDIST = DistributionFile(
    filename="demo-0.9.tar.gz",
    url="https://files.example/demo-0.9.tar.gz",
    yanked='broken <script>"quoted"</script> & worse',
    core_metadata=True,
)


def test_project_page_round_trip() -> None:
    page = ProjectPage(
        "Demo",
        (WHEEL, SDIST, DistributionFile("demo-0.1.zip", "/demo-0.1.zip", yanked=True)),
    )
    parsed = html.parse_project_page(html.render_project_page(page), "demo")
    assert parsed == page


def test_render_escapes_attributes_and_text() -> None:
    rendered = html.render_project_page(ProjectPage("demo", (WHEEL, SDIST)))
    assert 'data-requires-python="&gt;=3.9,&lt;4"' in rendered
    assert (
        'data-yanked="broken &lt;script&gt;&quot;quoted&quot;&lt;/script&gt; &amp; worse"'
        in rendered
    )
    assert "<script>" not in rendered
    assert f'href="../../files/demo-1.0-py3-none-any.whl#sha256={"ab" * 32}"' in rendered
    assert f'data-core-metadata="sha256={"cd" * 32}"' in rendered
    assert 'data-core-metadata="true"' in rendered
    assert "data-dist-info-metadata" not in rendered
    assert '<meta name="pypi:repository-version" content="1.0">' in rendered


def test_render_omits_absent_attributes() -> None:
    rendered = html.render_project_page(
        ProjectPage("demo", (DistributionFile("demo-1.tar.gz", "demo-1.tar.gz"),))
    )
    assert '<a href="demo-1.tar.gz">demo-1.tar.gz</a>' in rendered


def test_project_list_round_trip_links_to_normalized_names() -> None:
    rendered = html.render_project_list(ProjectList(("Zope.Interface", "alpha", "B<eta")))
    assert '<a href="zope-interface/">Zope.Interface</a>' in rendered
    assert "B&lt;eta" in rendered
    assert html.parse_project_list(rendered) == ProjectList(("alpha", "B<eta", "Zope.Interface"))


# Shaped like the public index and older pip-compatible indexes: mixed attribute
# quoting, both metadata attribute names, <br />, md5 fragments, relative links.
PYPI_LIKE_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for requests</title>
  </head>
  <body>
    <h1>Links for requests</h1>
    <a href="https://files.example/packages/ab/requests-2.31.0-py3-none-any.whl#sha256=58cd"
       data-requires-python="&gt;=3.7" data-dist-info-metadata="sha256=aaaa"
       data-core-metadata="sha256=bbbb">requests-2.31.0-py3-none-any.whl</a><br />
    <a href="../../packages/requests-0.2.0.tar.gz#md5=0123abcd">requests-0.2.0.tar.gz</a><br/>
    <a href='requests-2.0.tar.gz#egg=requests' data-yanked>requests-2.0.tar.gz</a>
    <a href="requests-1.0.tar.gz" data-dist-info-metadata="true"
       data-yanked="">requests-1.0.tar.gz</a>
    <a name="not-a-link">anchor without href</a>
  </body>
</html>
"""


def test_parse_pypi_like_page() -> None:
    page = html.parse_project_page(
        PYPI_LIKE_PAGE, "Requests", url="https://index.example/simple/requests/"
    )
    assert page.name == "requests"
    assert page.files == (
        DistributionFile(
            filename="requests-2.31.0-py3-none-any.whl",
            url="https://files.example/packages/ab/requests-2.31.0-py3-none-any.whl",
            hashes={"sha256": "58cd"},
            requires_python=">=3.7",
            core_metadata={"sha256": "bbbb"},
        ),
        DistributionFile(
            filename="requests-0.2.0.tar.gz",
            url="https://index.example/packages/requests-0.2.0.tar.gz",
            hashes={"md5": "0123abcd"},
        ),
        DistributionFile(
            filename="requests-2.0.tar.gz",
            url="https://index.example/simple/requests/requests-2.0.tar.gz#egg=requests",
            yanked=True,
        ),
        DistributionFile(
            filename="requests-1.0.tar.gz",
            url="https://index.example/simple/requests/requests-1.0.tar.gz",
            yanked=True,
            core_metadata=True,
        ),
    )


def test_parse_honours_base_tag_and_falls_back_to_url_for_filename() -> None:
    page = html.parse_project_page(
        '<base href="https://mirror.example/pkgs/"><a href="x%2By-1.0.tar.gz"></a>',
        "x+y",
        url="https://index.example/",
    )
    assert [(f.filename, f.url) for f in page.files] == [
        ("x+y-1.0.tar.gz", "https://mirror.example/pkgs/x%2By-1.0.tar.gz")
    ]


@pytest.mark.parametrize(
    "yanked, is_yanked", [(False, False), (True, True), ("", True), ("bad", True)]
)
def test_is_yanked(yanked: bool | str, is_yanked: bool) -> None:
    assert DistributionFile("a-1.tar.gz", "a-1.tar.gz", yanked=yanked).is_yanked is is_yanked
