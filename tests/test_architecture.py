"""The layering the code promises (docs/internals.md) is checked, not just described.

* The import contracts of ``[tool.importlinter]`` in pyproject.toml: front ends >
  orchestration > stages > store > types/config/exceptions, the stages independent of
  each other (``lint-imports``, which also counts imports under ``TYPE_CHECKING``).
* mypy, configured by ``[tool.mypy]`` (strict on the whole package), finds no error in any
  module of ``newsletter/``.
* No module of the package is longer than 800 lines.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MAX_LINES = 800


def test_import_contracts_hold() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    # --no-cache: the answer must come from the code as it is, not a stale graph
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    got = subprocess.run([*cmd, "--no-cache", "--config", str(REPO / "pyproject.toml")],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    report = got.stdout[got.stdout.find("Contracts"):] if "Contracts" in got.stdout \
        else got.stdout
    assert got.returncode == 0, f"import contracts broken:\n{report}\n{got.stderr}"
    assert "0 broken" in got.stdout


def test_no_module_over_800_lines() -> None:
    long = {str(p.relative_to(REPO)): n for p in sorted((REPO / "newsletter").rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def test_type_check_is_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    from mypy import api

    # the config's own [tool.mypy] (packages = ["newsletter"], strict); the incremental
    # cache mypy keeps in .mypy_cache is keyed on the sources, so it never hides an error
    monkeypatch.chdir(REPO)
    stdout, stderr, status = api.run(["--config-file", str(REPO / "pyproject.toml")])
    assert status == 0, f"mypy found errors:\n{stdout}{stderr}"
    checked = re.search(r"no issues found in (\d+) source files", stdout)
    assert checked, stdout
    modules = len(list((REPO / "newsletter").rglob("*.py")))
    assert int(checked.group(1)) >= modules, f"mypy skipped modules: {stdout}"
