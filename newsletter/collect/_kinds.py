"""The registry of source kinds: what ``kind = "..."`` in ``sources.toml`` may say.

A kind is one :class:`KindSpec`: its name, how its URL is fetched, the function that turns
one fetched document into items, whether ``follow = true`` fetches each item's article,
how ``newsletter inspect`` recognises it, and any checks of its own on a source's table.
Adding a kind is one :func:`register_kind` call (below, beside ``feed`` and ``page``);
``sources.toml`` validation, the collector and ``inspect`` all read this registry.

The parser runs in a worker process when ``parse_workers`` is set, so it must be a
module-level function and the kind registered when this module is imported (as the
built-in kinds are).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..types import Source
from ._fetch import FetchPolicy
from ._parse import Doc, is_feed, parse_feed_document, parse_page_document

Parser = Callable[[Source, bytes, str, str, "str | None", int], Doc]
"""``(source, body, content type, url, Content-Location, follow limit) -> Doc``."""

Validator = Callable[[Mapping[str, Any]], list[tuple[str, str]]]
"""A source's raw ``[[source]]`` table -> ``[(key, problem)]`` (empty when fine)."""


@dataclass(frozen=True)
class KindSpec:
    """One source kind.

    Attributes:
        name: the value of ``kind`` in ``sources.toml``.
        description: what such a source is, for help and docs.
        parse: one fetched document -> items, warnings and links to follow (see
            :data:`Parser`); raises :class:`~newsletter.exceptions.ParseError`.
        fetch_policy: ``crawl`` obeys robots.txt, ``plain`` does not (feeds are meant to
            be polled); see :data:`~newsletter.collect._fetch.FetchPolicy`.
        follows_entries: with ``follow = true``, each item's URL is fetched as an article
            and its text merged into the item (links a parser returns are always fetched).
        detect: ``(body, content type) -> bool`` for ``newsletter inspect``, which
            decides the kind from the content; None: never detected (see
            :data:`INSPECT_FALLBACK`).
        validate: checks of this kind's own on a source's table, run after the common
            ones; None: none.
    """

    name: str
    description: str
    parse: Parser
    fetch_policy: FetchPolicy
    follows_entries: bool = False
    detect: Callable[[bytes, str], bool] | None = None
    validate: Validator | None = None


_KINDS: dict[str, KindSpec] = {}


def register_kind(spec: KindSpec) -> KindSpec:
    """Add a source kind to the registry.

    Raises:
        ValueError: a kind of that name is already registered.
    """
    if spec.name in _KINDS:
        raise ValueError(f"source kind {spec.name!r} is already registered")
    _KINDS[spec.name] = spec
    return spec


def source_kind(name: str) -> KindSpec:
    """The registered kind ``name``.

    Raises:
        KeyError: no such kind (``sources.toml`` validation reports it before this).
    """
    return _KINDS[name]


def kind_names() -> list[str]:
    """The registered kind names, in registration order."""
    return list(_KINDS)


def detect_kind(data: bytes, ctype: str) -> str:
    """The kind ``newsletter inspect`` reads a document as: the first registered kind
    whose ``detect`` accepts it, else :data:`INSPECT_FALLBACK`."""
    for spec in _KINDS.values():
        if spec.detect is not None and spec.detect(data, ctype):
            return spec.name
    return INSPECT_FALLBACK


# --- the built-in kinds --------------------------------------------------------------------
register_kind(KindSpec(
    name="feed", description="an RSS or Atom feed", parse=parse_feed_document,
    fetch_policy="plain", follows_entries=True, detect=is_feed))
register_kind(KindSpec(
    name="page", description="an HTML page: one article, a listing page (selectors.links) "
    "or a page of short items (selectors.item)", parse=parse_page_document,
    fetch_policy="crawl"))

INSPECT_FALLBACK = "page"
"""The kind of an inspected document no kind's ``detect`` claims."""
