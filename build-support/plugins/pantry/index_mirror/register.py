"""Builds that never need the outside: `./pants index-mirror` fills a Pantry index with every
pinned artifact, and `[python].pantry_index_url` (pants.offline.toml) makes pex install them
from there. See README.md beside this file.
"""

from pantry.index_mirror import offline
from pantry.index_mirror import rules as mirror_rules

# Not a rule: adds an option and wraps Pants' lock loading, once, when the backend loads.
offline.install()


def rules():
    return [*mirror_rules.rules()]
