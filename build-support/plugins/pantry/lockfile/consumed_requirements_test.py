from __future__ import annotations

import pytest
from pantry.lockfile import consumed_requirements
from pantry.pants_patch import PantsPatchError
from pants.backend.python.pip_requirement import PipRequirement
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules import pex
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.lockfile_metadata import PythonLockfileMetadata
from pants.backend.python.util_rules.pex_requirements import (
    Lockfile,
    ResolvePexConfig,
)
from pants.backend.python.util_rules.pex_requirements import (
    validate_metadata as pants_validate_metadata,
)
from pants.core.util_rules.lockfile_metadata import InvalidLockfileError
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner
from pants.util.docutil import bin_name
from pants.util.ordered_set import FrozenOrderedSet

LOCKED = ["pytest<9,>=8", "coverage[toml]>=7.4", 'tomli>=2; python_version < "3.11"']
ICS = InterpreterConstraints(["CPython>=3.9,<3.14"])
LOCKFILE = Lockfile(
    url="3rdparty/python/default.lock",
    url_description_of_origin="the resolve `python-default`",
    resolve_name="python-default",
)
RESOLVE_CONFIG = ResolvePexConfig(
    indexes=(),
    find_links=(),
    manylinux=None,
    constraints_file=None,
    only_binary=FrozenOrderedSet(),
    no_binary=FrozenOrderedSet(),
    path_mappings=(),
)


def python_setup(behavior: str = "error") -> PythonSetup:
    rule_runner = RuleRunner(rules=[*PythonSetup.rules(), QueryRule(PythonSetup, [])])
    rule_runner.set_options([f"--python-invalid-lockfile-behavior={behavior}"])
    return rule_runner.request(PythonSetup, [])


def metadata() -> PythonLockfileMetadata:
    return PythonLockfileMetadata.new(
        valid_for_interpreter_constraints=ICS,
        requirements={PipRequirement.parse(r) for r in LOCKED},
        manylinux=None,
        requirement_constraints=set(),
        only_binary=set(),
        no_binary=set(),
    )


def validate(consumed: list[str], *, subset: bool = True, behavior: str = "error") -> None:
    consumed_requirements.check_consumed_requirements(
        pants_validate_metadata,
        metadata(),
        ICS,
        LOCKFILE,
        consumed,
        not subset,
        python_setup(behavior),
        RESOLVE_CONFIG,
    )


@pytest.mark.parametrize(
    "consumed",
    [
        # Exactly the locked inputs, in any spelling Pants considers equal.
        ["pytest>=8,<9", "tomli >= 2 ; python_version<'3.11'"],
        # Bare names, as tools name their requirements: pex resolves them from the lock.
        ["pytest", "coverage[toml]", "pytest-cov", "requests"],
        [],
    ],
)
def test_fresh_consumption_passes(consumed: list[str]) -> None:
    validate(consumed)


@pytest.mark.parametrize(
    "consumed, difference",
    [
        # Still satisfied by the locked pytest 8.4.2: pex alone would let this through.
        (
            ["pytest>=8.1,<9"],
            "  - changed: `pytest<9,>=8.1`; the lock has `pytest<9,>=8`\n",
        ),
        # Not satisfied: pex alone would fail with "Dependency on pytest not satisfied".
        (
            ["pytest>=9", "coverage[toml]"],
            "  - changed: `pytest>=9`; the lock has `pytest<9,>=8`\n",
        ),
        (["requests>=2.30"], "  - added: `requests>=2.30`; not in the lock\n"),
    ],
)
def test_stale_consumption_names_lock_resolve_and_command(
    consumed: list[str], difference: str
) -> None:
    with pytest.raises(InvalidLockfileError) as error:
        validate(consumed)
    assert str(error.value) == (
        "3rdparty/python/default.lock is stale: the resolve `python-default` was locked from "
        "different inputs than are consumed here now.\n"
        f"{difference}"
        "Regenerate the lock (this resolves against the package index): "
        f"{bin_name()} generate-lockfiles --resolve=python-default\n"
        f"then review the result with `{bin_name()} lock-diff`."
    )


def test_warn_and_ignore_behaviors(caplog: pytest.LogCaptureFixture) -> None:
    validate(["pytest>=9"], behavior="warn")
    assert "3rdparty/python/default.lock is stale" in caplog.text
    caplog.clear()
    validate(["pytest>=9"], behavior="ignore")
    assert caplog.text == ""


def test_entire_lockfile_consumption_is_left_to_pants() -> None:
    # Pants compares every consumed string itself then, with its own message.
    with pytest.raises(InvalidLockfileError) as error:
        validate(["pytest>=9"], subset=False)
    assert "You are consuming `pytest>=9` from the `python-default` lockfile" in str(error.value)


@pytest.fixture
def restored_pex(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test installs, `pex.validate_metadata` is Pants' own again afterwards."""
    monkeypatch.setattr(pex, "validate_metadata", pex.validate_metadata)


def test_install_wraps_the_function_pex_calls_once(restored_pex: None) -> None:
    original = pex.validate_metadata
    consumed_requirements.install()
    wrapped = pex.validate_metadata
    consumed_requirements.install()
    assert pex.validate_metadata is wrapped
    assert getattr(wrapped, "__wrapped__") is original
    assert (wrapped.__name__, wrapped.__doc__) == (original.__name__, original.__doc__)
    with pytest.raises(InvalidLockfileError, match="is stale"):
        wrapped(
            metadata(),
            ICS,
            LOCKFILE,
            consumed_req_strings=["pytest>=9"],
            validate_consumed_req_strings=False,
            python_setup=python_setup(),
            resolve_config=RESOLVE_CONFIG,
        )


def test_the_wrapper_takes_the_arguments_in_any_form(restored_pex: None) -> None:
    consumed_requirements.install()
    args = (metadata(), ICS, LOCKFILE, iter(["pytest>=9"]), False, python_setup(), RESOLVE_CONFIG)
    with pytest.raises(InvalidLockfileError, match="is stale"):
        pex.validate_metadata(*args)  # positionally, the consumed strings a one-shot iterator


def test_another_pants_is_not_patched(restored_pex: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from pants import version

    original = pex.validate_metadata
    monkeypatch.setattr(version, "VERSION", "2.18.0")
    with pytest.raises(PantsPatchError, match=r"^pantry.lockfile \(wraps pex.validate_metadata\)"):
        consumed_requirements.install()
    assert pex.validate_metadata is original
