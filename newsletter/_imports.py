"""Import every module of the package, so a broken dependency shows at install time.

Several modules import their heavy dependencies where they are used (trafilatura, premailer,
playwright-free render paths), so ``import newsletter`` alone proves little: in Nov 2026 a
fresh install imported fine and then died on the first extracted page, because justext needed
``lxml.html.clean`` and nothing installed it. Walking the package imports each module once, and
:func:`third_party_imports` then imports the third-party modules those lazy paths reach.

``scripts/import_walk`` (used by ``.ci/run``) loads this file without importing the package, prints
one line per failure and exits 1 if any import fails; ``newsletter doctor`` uses it too. Standard
library only, so it reports cleanly even when the package's own dependencies are broken.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

#: Third-party modules reached only through another package's own lazy import (trafilatura
#: imports justext, which imports lxml.html.clean, only on some extraction paths).
TRANSITIVE: tuple[str, ...] = ("justext", "lxml.html.clean")

#: Lazily imported modules of an install extra (module -> extra): tried only when installed,
#: so a SQLite-only install (no ``postgres`` extra) walks clean, and a broken one still shows.
OPTIONAL: dict[str, str] = {"psycopg": "postgres"}


@dataclass(frozen=True, slots=True)
class ImportFailure:
    module: str
    error: str


def _package_dirs(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)  # finds a top-level package without running it
    return [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []


def package_modules(package: str = "newsletter") -> list[str]:
    """Every module of *package*, read off the disk: pkgutil.walk_packages would import the
    subpackages to find their modules and silently skip one whose import fails."""
    names = {package}
    for root in _package_dirs(package):
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__main__" or not all(p.isidentifier() for p in parts):
                continue  # running __main__ is not importing it
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.add(".".join((package, *parts)))
    return sorted(names)


def lazy_imports(package: str = "newsletter") -> list[str]:
    """Absolute imports made inside functions of *package* (found by reading the source)."""
    found: set[str] = set()
    for root in _package_dirs(package):
        for path in root.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Import):
                            found.update(alias.name for alias in inner.names)
                        elif isinstance(inner, ast.ImportFrom) and not inner.level:
                            found.add(inner.module or "")
    found.discard("")
    return sorted(found | set(TRANSITIVE))


def _try(name: str) -> ImportFailure | None:
    try:
        importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - a SystemExit at import time is a failure too
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return ImportFailure(name, last)
    return None


def _wanted(name: str) -> bool:
    """False for a module of an install extra (:data:`OPTIONAL`) that is not installed."""
    top = name.partition(".")[0]
    return top not in OPTIONAL or importlib.util.find_spec(top) is not None


def walk(package: str = "newsletter") -> list[ImportFailure]:
    """Import every module of *package* and the lazily imported third-party modules (those
    of an extra only when it is installed)."""
    failures = [f for name in package_modules(package) if (f := _try(name))]
    failures += [f for name in lazy_imports(package) if _wanted(name) and (f := _try(name))]
    return failures


def main() -> int:
    failures = walk()
    for f in failures:
        print(f"import failed: {f.module}: {f.error}", file=sys.stderr)
    count = len(package_modules()) + len([n for n in lazy_imports() if _wanted(n)])
    if failures:
        print(f"{len(failures)} of {count} imports failed", file=sys.stderr)
        return 1
    print(f"imported {count} modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
