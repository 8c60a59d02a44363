from __future__ import annotations

from typing import Iterator

import pytest
from pantry.index_mirror import offline
from pantry.pants_patch import PantsPatchError
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules import pex_requirements
from pants.option.option_types import collect_options_info


def test_install_adds_the_option_and_wraps_load_lockfile_once() -> None:
    offline.install()
    offline.install()
    flags = [flag for info in collect_options_info(PythonSetup) for flag in info.flag_names]
    assert flags.count("--pantry-index-url") == 1
    func = pex_requirements.load_lockfile.rule.func  # type: ignore[attr-defined]
    assert getattr(func, "_pantry_offline", False)
    # The wrapper calls the original, never a wrapper of a wrapper.
    assert not getattr(func.__wrapped__, "_pantry_offline", False)


@pytest.fixture
def unpatched() -> Iterator[None]:
    """Pants as it comes (no option, the original rule function), restored afterwards."""
    task_rule = pex_requirements.load_lockfile.rule  # type: ignore[attr-defined]
    func, option = task_rule.func, PythonSetup.__dict__.get(offline.OPTION_NAME)
    object.__setattr__(task_rule, "func", getattr(func, "__wrapped__", func))
    if option is not None:
        delattr(PythonSetup, offline.OPTION_NAME)
    try:
        yield
    finally:
        object.__setattr__(task_rule, "func", func)
        if option is not None:
            setattr(PythonSetup, offline.OPTION_NAME, option)


def test_another_pants_is_not_patched(unpatched: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from pants import version

    original = pex_requirements.load_lockfile.rule.func  # type: ignore[attr-defined]
    monkeypatch.setattr(version, "VERSION", "2.18.0")
    with pytest.raises(
        PantsPatchError,
        match=r"^pantry.index_mirror \(wraps pex_requirements.load_lockfile\) was written for "
        r"Pants 2.17.1, but this is Pants 2.18.0",
    ):
        offline.install()
    assert pex_requirements.load_lockfile.rule.func is original  # type: ignore[attr-defined]
    assert offline.OPTION_NAME not in PythonSetup.__dict__
