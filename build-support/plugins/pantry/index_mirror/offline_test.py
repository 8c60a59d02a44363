from __future__ import annotations

from pantry.index_mirror import offline
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
