from __future__ import annotations

import pytest
from pantry.errors import PantryError
from pantry.pants_patch import (
    WRITTEN_FOR,
    PantsPatchError,
    require_pants_version,
    running_pants_version,
)


def test_the_patches_are_written_for_the_pinned_pants() -> None:
    assert running_pants_version() == WRITTEN_FOR
    require_pants_version("pantry.demo", "demo internals")


@pytest.mark.parametrize("running", ["2.17.0", "2.18.0", "2.17.1rc0", "3.0.0"])
def test_another_pants_is_refused_with_the_patch_named(running: str) -> None:
    with pytest.raises(PantsPatchError) as error:
        require_pants_version("pantry.demo (patches X.y)", "X.y's signature", running=running)
    assert str(error.value) == (
        f"pantry.demo (patches X.y) was written for Pants 2.17.1, but this is Pants {running}: it "
        "patches Pants internals (X.y's signature) that may differ here, so it refuses to run. "
        f"Check that the patched code is unchanged in Pants {running} (or that the patch is no "
        "longer needed and can go), then set WRITTEN_FOR in "
        "build-support/plugins/pantry/pants_patch.py."
    )
    assert isinstance(error.value, PantryError)
