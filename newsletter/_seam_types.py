"""Typed values at two seams that are not part of an edition: what render hands deliver
(:class:`RenderedEdition`) and the story fingerprints summarize writes and the store keeps
(:class:`StoryRow`). ``newsletter.types`` re-exports them; import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TypedDict


# --- render's output, deliver's input ----------------------------------------------------
@dataclass(frozen=True)
class RenderedEdition:
    """An edition rendered for one list, ready for per-subscriber substitution.

    Attributes:
        date: the edition date, ``YYYY-MM-DD``.
        list_name: the list it was rendered for.
        subject: the subject line (no ``[TEST]`` prefix; the factory adds it).
        preheader: the hidden inbox-preview text (40-130 characters).
        html: the inlined HTML document, with placeholder tokens.
        text: the plain-text part, with placeholder tokens.
        chart_png: the index chart as PNG bytes, or None when there is no chart.
        chart_alt: the chart's alt text (also its text fallback); "" without a chart.
        chart_cid: the Content-ID (without angle brackets) the HTML refers to as
            ``cid:...``; None without a chart.
        view_url: the public "view in browser" URL of the edition.
        size_bytes: size of the inlined HTML in UTF-8 bytes.
        warnings: problems worth telling the editor (over the size budget, bad links).
    """

    date: str
    list_name: str
    subject: str
    preheader: str
    html: str
    text: str
    chart_png: bytes | None
    chart_alt: str
    chart_cid: str | None
    view_url: str
    size_bytes: int
    warnings: list[str] = field(default_factory=list)


# --- story fingerprints: summarize writes them, the store keeps them ------------------------
class StoryRow(TypedDict):
    """One published story of an edition as the store keeps it (``edition_stories``)."""

    story_id: str
    url: str
    title: str
    fingerprint: str  # summarize.fingerprints.fingerprint of its main item; "" if unknown


class PreviousStoryRow(StoryRow):
    """A :class:`StoryRow` read back, with the date of its edition."""

    edition_date: date
