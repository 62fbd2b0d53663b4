"""The editor's edits of a draft, as stored with the edition (``store.save_edits``).

The stored format::

    {"pinned": [story_id, ...], "dropped": [story_id, ...], "order": [story_id, ...],
     "summaries": {story_id: text}, "highlights": {str(index) or story_id: text},
     "note": str | None, "hidden_prices": [commodity, ...]}

plus keys of the preview's own that the build ignores (``"titles"``: the title of each
dropped story). :func:`normalise_edits` is the one reading of that dict, for the build
(:class:`Edits`, through :meth:`Edits.from_json`) and for the preview's forms.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_LISTS = ("pinned", "dropped", "order", "hidden_prices")
_TEXTS = ("summaries", "highlights", "titles")


def normalise_edits(edits: Mapping[str, Any] | None) -> dict[str, Any]:
    """A complete edits dict (every key present, right types), keeping unknown keys."""
    e = dict(copy.deepcopy(dict(edits or {})))
    for key in _LISTS:
        e[key] = [str(x) for x in (e.get(key) or [])]
    for key in _TEXTS:
        e[key] = {str(k): str(v) for k, v in (e.get(key) or {}).items()}
    note = e.get("note")
    e["note"] = str(note) if note else None
    return e


@dataclass(frozen=True)
class Edits:
    """The edits the build applies (see the module docs for each key)."""

    pinned: tuple[str, ...] = ()
    dropped: frozenset[str] = frozenset()
    order: tuple[str, ...] = ()
    summaries: Mapping[str, str] = field(default_factory=dict)
    highlights: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None
    hidden_prices: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, edits: Mapping[str, Any] | None) -> Edits:
        e = normalise_edits(edits)
        return cls(pinned=tuple(e["pinned"]), dropped=frozenset(e["dropped"]),
                   order=tuple(e["order"]), summaries=e["summaries"],
                   highlights=e["highlights"], note=(e["note"] or "").strip() or None,
                   hidden_prices=frozenset(e["hidden_prices"]))
