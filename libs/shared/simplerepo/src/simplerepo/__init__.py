"""Parse and render the "simple repository API" (PEP 503/592/629/658/691/714).

`simplerepo.html` and `simplerepo.json_api` have matching `render_*`/`parse_*`
functions over the models here; `simplerepo.filenames` maps distribution
filenames to (project, version).
"""

from simplerepo import html, json_api
from simplerepo.filenames import (
    InvalidDistributionFilename,
    is_distribution_filename,
    parse_distribution_filename,
)
from simplerepo.json_api import HTML_LEGACY, HTML_V1, JSON_V1, negotiate
from simplerepo.models import DistributionFile, ProjectList, ProjectPage, SimpleApiError
from simplerepo.names import is_valid_name, normalize_name

__all__ = [
    "HTML_LEGACY",
    "HTML_V1",
    "JSON_V1",
    "DistributionFile",
    "InvalidDistributionFilename",
    "ProjectList",
    "ProjectPage",
    "SimpleApiError",
    "html",
    "is_distribution_filename",
    "is_valid_name",
    "json_api",
    "negotiate",
    "normalize_name",
    "parse_distribution_filename",
]
