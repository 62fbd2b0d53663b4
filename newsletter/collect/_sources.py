"""Load and validate ``sources.toml`` into :class:`~newsletter.types.Source` objects."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from cssselect import SelectorError

from ..exceptions import ConfigError
from ..types import Source
from ._kinds import kind_names, source_kind
from ._pages import css
from ._urls import is_http_url

_SELECTOR_KEYS = {"title", "date", "body", "highlights", "links", "item"}
_KEYS = {"name", "title", "kind", "url", "weight", "snapshot", "follow", "selectors",
         "excerpt_cap", "topic", "role"}
_TOPICS = {"markets", "policy", "companies", "technology"}


def _one_of(names: list[str]) -> str:
    """``"a" or "b"``; ``"a", "b" or "c"``."""
    quoted = [f'"{n}"' for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _check_one(n: int, raw: Any, problems: list[str], names: set[str]) -> Source | None:
    if not isinstance(raw, dict):
        problems.append(f"source[{n}]: expected a table ([[source]])")
        return None
    name = raw.get("name")
    where = f"source[{n}] ({name})" if isinstance(name, str) and name else f"source[{n}]"
    before = len(problems)

    def bad(key: str, msg: str) -> None:
        problems.append(f"{where}.{key}: {msg}")

    for key in sorted(set(raw) - _KEYS):
        bad(key, "unknown key (known: " + ", ".join(sorted(_KEYS)) + ")")
    for key in ("name", "title", "url"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            bad(key, "required string is missing")
    if isinstance(name, str):
        if name in names:
            bad("name", f"duplicate source name {name!r}")
        names.add(name)
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in kind_names():
        bad("kind", f"expected {_one_of(kind_names())} (got {kind!r})")
    elif (validate := source_kind(kind).validate) is not None:
        for key, msg in validate(raw):
            bad(key, msg)
    if isinstance(raw.get("url"), str) and not is_http_url(raw["url"]):
        bad("url", f"expected an absolute http(s) URL (got {raw['url']!r})")
    weight = raw.get("weight", 0.5)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
        bad("weight", f"expected a number from 0 to 1 (got {weight!r})")
    if not isinstance(raw.get("follow", False), bool):
        bad("follow", "expected true or false")
    cap = raw.get("excerpt_cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        bad("excerpt_cap", f"expected a whole number >= 0 (got {cap!r})")
    if raw.get("snapshot") is not None and not isinstance(raw.get("snapshot"), str):
        bad("snapshot", "expected a path string")
    if raw.get("topic") is not None and raw.get("topic") not in _TOPICS:
        bad("topic", f"expected one of {', '.join(sorted(_TOPICS))} (got {raw.get('topic')!r})")
    if raw.get("role", "news") not in ("news", "prices", "fx"):
        bad("role", f"expected \"news\", \"prices\" or \"fx\" (got {raw.get('role')!r})")
    selectors = raw.get("selectors", {})
    if not isinstance(selectors, dict):
        bad("selectors", "expected a table of CSS selectors")
        selectors = {}
    for key, value in selectors.items():
        if key not in _SELECTOR_KEYS:
            bad(f"selectors.{key}", "unknown selector (known: "
                + ", ".join(sorted(_SELECTOR_KEYS)) + ")")
        elif not isinstance(value, str) or not value.strip():
            bad(f"selectors.{key}", "expected a CSS selector string")
        else:
            try:
                css(value)
            except SelectorError as exc:
                bad(f"selectors.{key}", f"invalid or unsupported CSS selector {value!r}: "
                    f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    if len(problems) > before:
        return None
    return Source(name=raw["name"].strip(), title=raw["title"].strip(), kind=raw["kind"],
                  url=raw["url"].strip(), weight=float(weight), snapshot=raw.get("snapshot"),
                  follow=bool(raw.get("follow", False)),
                  selectors={k: v.strip() for k, v in selectors.items()},
                  excerpt_cap=cap, topic=raw.get("topic"), role=raw.get("role", "news"))


def load_sources(path: str | os.PathLike[str]) -> list[Source]:
    """Read ``sources.toml`` (a list of ``[[source]]`` tables).

    Every problem is reported together, each naming the file, the source's index and
    name, and the key.

    Raises:
        ConfigError: the file is missing, not TOML, or any source is invalid.
    """
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: sources file not found",
                          hint="fix [paths] sources in newsletter.toml, or leave it out "
                               "to use the packaged catalogue") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    raw_sources = data.get("source")
    problems: list[str] = []
    for key in sorted(set(data) - {"source"}):
        problems.append(f"{key}: unknown top-level key (sources are [[source]] tables)")
    if not isinstance(raw_sources, list) or not raw_sources:
        problems.append("source: no [[source]] tables found")
        raw_sources = []
    names: set[str] = set()
    sources = [s for n, raw in enumerate(raw_sources)
               if (s := _check_one(n, raw, problems, names)) is not None]
    if problems:
        raise ConfigError(f"{file}: {len(problems)} problem(s) in the sources:",
                          problems=problems)
    return sources
