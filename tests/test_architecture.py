"""The layering the code promises (docs/internals.md) is checked, not just described.

* The import contracts of ``[tool.importlinter]`` in pyproject.toml: front ends >
  orchestration > stages > store > types/config/exceptions, the stages independent of
  each other (``lint-imports``, which also counts imports under ``TYPE_CHECKING``).
* mypy, configured by ``[tool.mypy]`` (strict on the whole package), finds no error in any
  module of ``newsletter/``.
* No module of the package is longer than 800 lines.
* A package's private parts (a ``_module``, or a ``_name`` of a module) are imported only
  inside that package; from outside, everything goes through the package's ``__init__``
  (its interface). Tests and benchmarks may reach inside; the package may not.
"""

from __future__ import annotations

import ast
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


def private_imports(root: Path, package: str = "newsletter") -> list[str]:
    """Imports in ``root/package`` of a private module or name from outside the package
    that owns it, as ``file:line: imported (owned by package)``.

    The owner of ``a.b._c`` (a module or a name) is ``a.b`` when ``a.b`` is a package, and
    the package of module ``a.b`` otherwise (``_name`` in ``a/b.py`` belongs to ``a``).
    """
    def is_package(dotted: str) -> bool:
        return (root / dotted.replace(".", "/") / "__init__.py").exists()

    def owner(dotted: str) -> str | None:
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__"):
                container = ".".join(parts[:i])
                return container if is_package(container) else container.rsplit(".", 1)[0]
        return None

    found = []
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        here = module if rel.name == "__init__" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                names = [f"{base}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                own = owner(name) if name.startswith(package + ".") else None
                if own is not None and here != own and not here.startswith(own + "."):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {name} "
                                 f"(owned by {own})")
    return found


def test_private_modules_stay_in_their_package() -> None:
    found = private_imports(REPO)
    assert not found, ("private modules or names imported from outside their package; "
                       "export them from the package's __init__ and import that:\n"
                       + "\n".join(found))


def test_the_private_import_rule_names_the_owner(tmp_path: Path) -> None:
    """The rule above catches what it should and allows what it should."""
    files = {
        "pkg/__init__.py": "",
        "pkg/store/__init__.py": "from ._locks import Lock\n",
        "pkg/store/_locks.py": "class Lock: ...\n_SECRET = 1\n",
        "pkg/store/_other.py": "from ._locks import _SECRET\nfrom . import _locks\n",
        "pkg/deliver/__init__.py": "",
        "pkg/deliver/send.py": ("from ..store import Lock\n"
                                "from ..store._locks import Lock as L2\n"
                                "from .._top import thing\n"
                                "import pkg.store._locks\n"),
        "pkg/_top.py": "thing = 1\n",
        "pkg/stage/__init__.py": "",
        "pkg/stage/words.py": "def _helper(): ...\n",
        "pkg/stage/edition.py": "from .words import _helper\n",
        "pkg/core.py": "from .stage.words import _helper\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = private_imports(tmp_path, "pkg")
    assert found == [
        "pkg/core.py:1: pkg.stage.words._helper (owned by pkg.stage)",
        "pkg/deliver/send.py:2: pkg.store._locks.Lock (owned by pkg.store)",
        "pkg/deliver/send.py:4: pkg.store._locks (owned by pkg.store)",
    ]
