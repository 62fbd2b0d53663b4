"""Editors' changes to a draft, as the ``edits`` dict stored with the edition.

The format (read by ``summarize._edits.normalise_edits``, the one reading of it)::

    {"pinned": [story_id, ...], "dropped": [story_id, ...], "order": [story_id, ...],
     "summaries": {story_id: text}, "highlights": {str(index) or story_id: text},
     "note": str | None, "hidden_prices": [commodity, ...]}

plus one key of the preview's own, which the build ignores: ``"titles": {story_id: title}``
remembers the title of each dropped story so the preview can list it for restoring.

Each function here takes the current edits and the current (built) edition and returns new
edits; the preview saves them with ``store.save_edits`` and rebuilds. Nothing here touches
the store, so the rules are easy to test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..summarize import normalise_edits
from ..types import Edition, Story

#: Longest editor's note, summary or highlight accepted from the form (characters).
MAX_TEXT = 4000

ACTIONS = ("pin", "unpin", "drop", "restore", "up", "down", "summary", "highlight", "note",
           "prices")


class EditError(ValueError):
    """The form asked for something impossible (unknown story, text too long...)."""


def _edition(edition: Edition | Mapping[str, Any]) -> Edition:
    return edition if isinstance(edition, Edition) else Edition.from_json(edition)


def stories(edition: Edition | Mapping[str, Any]) -> list[Story]:
    """Every story of the edition in the order the email shows them."""
    return list(_edition(edition).stories)


def story_ids(edition: Edition | Mapping[str, Any]) -> list[str]:
    return [st.id for st in stories(edition)]


def _section_of(edition: Edition | Mapping[str, Any], sid: str) -> list[str] | None:
    for sec in _edition(edition).sections:
        ids = [st.id for st in sec.stories]
        if sid in ids:
            return ids
    return None


def _clean_text(value: str | None) -> str:
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_TEXT:
        raise EditError(f"text too long ({len(text)} characters, at most {MAX_TEXT})")
    return text


def _remove(seq: list[str], value: str) -> list[str]:
    return [x for x in seq if x != value]


def apply_action(edits: Mapping[str, Any] | None, edition: Edition | Mapping[str, Any],
                 action: str,
                 form: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """Apply one editing action from the preview's forms.

    Args:
        edits: the stored edits.
        edition: the current built edition (the stories the editor sees).
        action: one of :data:`ACTIONS`.
        form: the form fields: ``story`` (a story id), ``text``, ``key`` (a highlight key),
            ``show`` (a list of commodity ids to keep for ``prices``), ``known`` (the
            commodity ids the form listed).

    Returns:
        The new edits and a one-line description of the change.

    Raises:
        EditError: unknown action or story, or text too long.
    """
    e = normalise_edits(edits)
    sid = str(form.get("story") or "")
    current = story_ids(edition)
    if action in ("pin", "unpin", "drop", "up", "down", "summary") and sid not in current:
        raise EditError(f"no story {sid!r} in this draft (rebuilt meanwhile? reload the page)")
    title = next((st.title for st in stories(edition) if st.id == sid), sid)
    if action == "pin":
        e["pinned"] = [sid, *_remove(e["pinned"], sid)]
        e["dropped"] = _remove(e["dropped"], sid)
        return e, f"pinned “{title}” to the top"
    if action == "unpin":
        e["pinned"] = _remove(e["pinned"], sid)
        return e, f"unpinned “{title}”"
    if action == "drop":
        e["dropped"] = [*_remove(e["dropped"], sid), sid]
        e["pinned"] = _remove(e["pinned"], sid)
        e["titles"][sid] = title
        return e, f"dropped “{title}”"
    if action == "restore":
        if sid not in e["dropped"]:
            raise EditError(f"story {sid!r} is not dropped")
        e["dropped"] = _remove(e["dropped"], sid)
        label = e["titles"].pop(sid, "a dropped story")
        return e, f"restored “{label}”"
    if action in ("up", "down"):
        return _move(e, edition, sid, -1 if action == "up" else 1), \
            f"moved “{title}” {action}"
    if action == "summary":
        text = _clean_text(form.get("text"))
        if text:
            e["summaries"][sid] = text
        else:
            e["summaries"].pop(sid, None)
        return e, (f"edited the summary of “{title}”" if text
                   else f"reset the summary of “{title}”")
    if action == "highlight":
        key = str(form.get("key") or "")
        if not key:
            raise EditError("which highlight? (missing key)")
        text = _clean_text(form.get("text"))
        if text:
            e["highlights"][key] = text
        else:
            e["highlights"].pop(key, None)
        return e, "edited a highlight" if text else "reset a highlight"
    if action == "note":
        text = _clean_text(form.get("text"))
        e["note"] = text or None
        return e, "saved the editor's note" if text else "removed the editor's note"
    if action == "prices":
        known = [str(x) for x in _as_list(form.get("known"))]
        shown = {str(x) for x in _as_list(form.get("show"))}
        hidden = [c for c in e["hidden_prices"] if c not in known]
        hidden += [c for c in known if c not in shown]
        e["hidden_prices"] = hidden
        return e, f"price table: {len(known) - len(set(known) - shown)} shown, " \
                  f"{len([c for c in known if c not in shown])} hidden"
    raise EditError(f"unknown action {action!r}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _move(e: dict[str, Any], edition: Edition | Mapping[str, Any], sid: str,
          step: int) -> dict[str, Any]:
    """Swap a story with its neighbour in the same section.

    The build sorts each section by pinned first (in the order of ``pinned``), then by
    ``order``. So a pinned story swaps places with the neighbouring pinned story of its
    section in ``pinned``; any other story swaps with its unpinned neighbour, and the full
    resulting order is written to ``order``.
    """
    section = _section_of(edition, sid) or []
    if sid in e["pinned"]:
        pins_here = [x for x in section if x in e["pinned"]]
        i = pins_here.index(sid)
        j = i + step
        if 0 <= j < len(pins_here):
            pins = list(e["pinned"])
            a, b = pins.index(sid), pins.index(pins_here[j])
            pins[a], pins[b] = pins[b], pins[a]
            e["pinned"] = pins
        return e
    movable = [x for x in section if x not in e["pinned"]]
    i = movable.index(sid)
    j = i + step
    if not 0 <= j < len(movable):
        return e
    other = movable[j]
    order = story_ids(edition)
    a, b = order.index(sid), order.index(other)
    order[a], order[b] = order[b], order[a]
    e["order"] = order
    return e


def highlight_key(edition: Edition | Mapping[str, Any], index: int) -> str:
    """The key an edit of highlight ``index`` is stored under: its story id when that is
    unique among the highlights (stable across rebuilds), else ``str(index)``."""
    hls = _edition(edition).highlights
    sid = hls[index].story_id if index < len(hls) else None
    if sid and sum(1 for h in hls if h.story_id == sid) == 1:
        return str(sid)
    return str(index)
