"""Build every `python_distribution` through Pantry's reproducible-sdist backend."""

from pantry.reproducible_dists import rules as reproducible_dists_rules


def rules():
    return [*reproducible_dists_rules.rules()]
