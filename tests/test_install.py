"""The install is reproducible and a broken import is caught before a user meets it.

requirements.lock is what the README installs through; these tests fail when it and
pyproject.toml disagree, so refreshing one without the other cannot land.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from newsletter import _imports

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)(?:\s*;[^#]*)?\s*(?:#\s*via (.*))?$")


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    out: dict[str, Requirement] = {}
    for text in reqs:
        req = Requirement(text)
        out[canonicalize_name(req.name)] = req
    return out


def _locked() -> dict[str, tuple[str, str]]:
    """name -> (version, via) for every pin of the lock."""
    pins: dict[str, tuple[str, str]] = {}
    for n, line in enumerate(LOCK.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _PIN.match(line.strip())
        assert m, f"requirements.lock:{n}: not a 'name==version  # via ...' pin: {line!r}"
        pins[canonicalize_name(m[1])] = (m[2], m[3] or "")
    return pins


def test_every_declared_dependency_is_pinned_in_the_lock_within_its_range() -> None:
    locked = _locked()
    for name, req in _declared().items():
        assert name in locked, f"{name} is in pyproject.toml but not in requirements.lock: " \
                               "run scripts/lock"
        version = locked[name][0]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside pyproject.toml's {req}: "
            "run scripts/lock")


def test_the_lock_pins_nothing_as_direct_that_pyproject_no_longer_declares() -> None:
    declared = _declared()
    for name, (_, via) in _locked().items():
        if "pyproject.toml" in via:
            assert name in declared, (f"requirements.lock pins {name} for pyproject.toml, "
                                      "which no longer declares it: run scripts/lock")


def test_the_lock_says_how_it_is_made() -> None:
    head = LOCK.read_text(encoding="utf-8").splitlines()[0]
    assert "scripts/lock" in head
    assert (REPO / "scripts" / "lock").stat().st_mode & 0o111, "scripts/lock must be executable"


def test_every_module_of_the_installed_package_imports() -> None:
    """What .ci/run checks after installing: a lazily imported module cannot hide a break."""
    failures = _imports.walk()
    assert failures == [], "\n".join(f"{f.module}: {f.error}" for f in failures)


def test_the_walk_reports_a_module_whose_import_breaks_even_inside_a_subpackage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "walkme"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "fine.py").write_text("import json\n")
    (pkg / "sub" / "__init__.py").write_text("import not_installed_anywhere_xyz\n")
    (pkg / "sub" / "leaf.py").write_text("X = 1\n")
    (pkg / "lazy.py").write_text("def f():\n    import also_missing_xyz.part\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert _imports.package_modules("walkme") == [
            "walkme", "walkme.fine", "walkme.lazy", "walkme.sub", "walkme.sub.leaf"]
        failed = {f.module: f.error for f in _imports.walk("walkme")}
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == "walkme"]:
            del sys.modules[name]
    assert set(failed) == {"walkme.sub", "walkme.sub.leaf", "also_missing_xyz.part"}
    assert "not_installed_anywhere_xyz" in failed["walkme.sub"]
    assert "also_missing_xyz" in _imports.lazy_imports("walkme")[0]


def test_the_walk_skips_an_uninstalled_extra_and_still_reports_a_missing_dependency(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQLite-only install has no psycopg (the ``postgres`` extra): its lazy import is not
    a break there, but any other missing lazy import still is."""
    pkg = tmp_path / "walkextra"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "lazy.py").write_text("def f():\n    import extra_only_xyz\n"
                                 "def g():\n    import required_missing_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(_imports, "OPTIONAL", {"extra_only_xyz": "someextra"})
    try:
        failed = {f.module for f in _imports.walk("walkextra")}
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == "walkextra"]:
            del sys.modules[name]
    assert failed == {"required_missing_xyz"}
