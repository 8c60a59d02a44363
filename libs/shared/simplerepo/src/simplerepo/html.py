"""Render and parse PEP 503 HTML pages, with the PEP 592/629/658/714 attributes."""

from __future__ import annotations

import hashlib
from html import escape
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit

from simplerepo.models import (
    CoreMetadata,
    DistributionFile,
    ProjectList,
    ProjectPage,
    Yanked,
)
from simplerepo.names import normalize_name

# PEP 629: the API version this module renders; parsers accept any 1.x.
REPOSITORY_VERSION = "1.0"

_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="{version}">
    <title>{title}</title>
  </head>
  <body>
    <h1>{title}</h1>
{links}
  </body>
</html>
"""


def _page(title: str, links: list[str]) -> str:
    return _PAGE.format(
        version=REPOSITORY_VERSION,
        title=escape(title),
        links="\n".join(f"    {link}<br>" for link in links),
    )


def _one_hash(hashes: dict[str, str]) -> str:
    # HTML has room for one hash per URL; sha256 is what installers check.
    name = "sha256" if "sha256" in hashes else min(hashes)
    return f"{name}={hashes[name]}"


def _core_metadata_value(value: CoreMetadata) -> str | None:
    if value is False:
        return None
    if value is True or not value:
        return "true"
    return _one_hash(value)


def render_project_list(project_list: ProjectList) -> str:
    """Render the root page: one link per project, to its normalized name."""
    links = [
        f'<a href="{escape(quote(normalize_name(name)))}/">{escape(name)}</a>'
        for name in sorted(project_list.names, key=normalize_name)
    ]
    return _page("Simple index", links)


def render_project_page(page: ProjectPage) -> str:
    """Render a project page; attribute values are HTML-escaped."""
    links = []
    for f in page.files:
        attrs = [("href", f"{f.url}#{_one_hash(f.hashes)}" if f.hashes else f.url)]
        if f.requires_python is not None:
            attrs.append(("data-requires-python", f.requires_python))
        if f.is_yanked:
            attrs.append(("data-yanked", "" if f.yanked is True else str(f.yanked)))
        metadata = _core_metadata_value(f.core_metadata)
        if metadata is not None:
            # PEP 714: only the new attribute name; the old one tripped up pip.
            attrs.append(("data-core-metadata", metadata))
        rendered = " ".join(f'{name}="{escape(value)}"' for name, value in attrs)
        links.append(f"<a {rendered}>{escape(f.filename)}</a>")
    return _page(f"Links for {page.name}", links)


class _AnchorCollector(HTMLParser):
    """Collect (attributes, text) of every <a> and the first <base href>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.base: str | None = None
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        elif tag == "a":
            self._current, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def _collect(text: str) -> _AnchorCollector:
    parser = _AnchorCollector()
    parser.feed(text)
    parser.close()
    return parser


def parse_project_list(text: str) -> ProjectList:
    """Parse a root page; project names are the link texts (PEP 503)."""
    return ProjectList(tuple(label for _attrs, label in _collect(text).anchors if label))


def _split_hash(url: str) -> tuple[str, dict[str, str]]:
    base, fragment = urldefrag(url)
    name, sep, digest = fragment.partition("=")
    if sep and name in hashlib.algorithms_guaranteed and digest:
        return base, {name: digest}
    # Not a hash (e.g. "#egg=..."): keep the URL as the page gave it.
    return url, {}


def _parse_core_metadata(attrs: dict[str, str | None]) -> CoreMetadata:
    # PEP 714: prefer the new attribute, fall back to the pre-714 name.
    for key in ("data-core-metadata", "data-dist-info-metadata"):
        if key in attrs:
            name, sep, digest = (attrs[key] or "").partition("=")
            # PEP 658: "true", or anything that is not a hash, means "no hash".
            return {name: digest} if sep and name and digest else True
    return False


def _parse_yanked(attrs: dict[str, str | None]) -> Yanked:
    if "data-yanked" not in attrs:
        return False
    # A valueless or empty data-yanked means yanked without a reason.
    return attrs["data-yanked"] or True


def parse_project_page(text: str, name: str, url: str = "") -> ProjectPage:
    """Parse a project page; relative links are resolved against `url`/`<base>`."""
    parser = _collect(text)
    base = urljoin(url, parser.base) if parser.base else url
    files = []
    for attrs, label in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        file_url, hashes = _split_hash(urljoin(base, href))
        files.append(
            DistributionFile(
                # PEP 503: the text is the filename; fall back to the URL's last part.
                filename=label or unquote(urlsplit(file_url).path.rsplit("/", 1)[-1]),
                url=file_url,
                hashes=hashes,
                requires_python=attrs.get("data-requires-python") or None,
                yanked=_parse_yanked(attrs),
                core_metadata=_parse_core_metadata(attrs),
            )
        )
    return ProjectPage(name=name, files=tuple(files))
