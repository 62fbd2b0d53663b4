"""The words of a news item that story matching looks at, shared by same-day clustering
(:mod:`.cluster`) and cross-edition fingerprints (:mod:`.fingerprints`).

Content tokens (lower-case words minus stop words), the beat's generic words, an
aggregator's " - Outlet" headline suffix, the lead (the start of the text), a stable
64-bit token hash and the pattern of words names are drawn from.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

from ..types import Item

#: Characters of an item's text (or feed summary) that count as its lead.
LEAD_CHARS = 600
_TOKEN = re.compile(r"[a-z0-9]+")

_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with
would you your yours said says say new year years per cent percent s t mr ms us u week weeks
day days month months today yesterday monday tuesday wednesday thursday friday saturday sunday
according report reports reported company companies one two three told since amid via
"""
STOPWORDS = frozenset(_STOP_TEXT.split())

#: Words nearly every story of this beat uses: they never identify a story or its subject.
_GENERIC_TEXT = """
rare earth earths element elements ree rees magnet magnets metal metals mineral minerals
critical heavy light oxide oxides alloy china chinese global world market markets price
prices stock stocks shares share export exports import imports plant plants project projects
mine mines mining miner miners deal deals output production supply first group resources
materials update updated news industry sector trade billion million tonnes tonne firm firms
plans plan new latest
"""
GENERIC = frozenset(_GENERIC_TEXT.split())


def content_tokens(text: str) -> list[str]:
    """Lower-case words of ``text`` that are not stop words or single characters."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and len(t) > 1]


#: " - Outlet" at the end of an aggregator's headline ("... 2027 start - The West Australian").
OUTLET_SUFFIX = re.compile(r"\s+[-\u2013\u2014|]\s+([^-\u2013\u2014|]{2,60}?)\s*$")
#: Hosts of news aggregators whose entries are "headline - Outlet" with no article text.
AGGREGATOR_HOSTS = ("news.google.",)


def split_outlet(item: Item) -> tuple[str, str | None]:
    """``(headline, outlet)`` of an aggregator entry ("Iluka fixes kiln - Reuters" ->
    ("Iluka fixes kiln", "Reuters")); ``(title, None)`` for any other item.

    Only an aggregator's entry (a Google News URL, or a body that is just the headline and
    the outlet again) loses its suffix: a dash inside an ordinary title ("Index Climbs to
    306.4 - Heavy Rare Earths Outpace the Field") is part of the title.
    """
    title = item.title
    m = OUTLET_SUFFIX.search(title)
    if not m:
        return title, None
    outlet, head = m.group(1).strip(), title[:m.start()].strip()
    if len(head.split()) < 3 or len(outlet.split()) > 6:
        return title, None
    host = (urlsplit(item.url).hostname or "").lower()
    body = " ".join((item.text or item.summary or "").split())
    headline_only = (body.endswith(outlet) and len(body) <= len(title) + 20
                     and body[:12].lower() == head[:12].lower())
    if headline_only or any(h in host for h in AGGREGATOR_HOSTS):
        return head, outlet
    return title, None


def display_title(item: Item) -> str:
    """The title without an aggregator's " - Outlet" suffix."""
    return split_outlet(item)[0]


def story_body(item: Item) -> str:
    """The item's text (or feed summary) without an aggregator's outlet suffix."""
    body = item.text or item.summary
    head, outlet = split_outlet(item)
    if outlet is not None:
        flat = " ".join(body.split())
        if flat.endswith(outlet):
            body = flat[: -len(outlet)].rstrip(" -\u2013\u2014|")
    return body


def lead_text(item: Item) -> str:
    """The first :data:`LEAD_CHARS` characters of :func:`story_body`."""
    return story_body(item)[:LEAD_CHARS]


def is_headline_only(item: Item) -> bool:
    """An entry with no article text of its own (a news aggregator's headline)."""
    head = display_title(item)
    body = " ".join(story_body(item).split())
    return not body or len(body) <= len(head) + 20


@lru_cache(maxsize=262_144)
def token_hash(token: str) -> int:
    """A stable 64-bit hash of ``token`` (BLAKE2b; the same in every process)."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


#: A word that may be a name when capitalised (see ``cluster.proper_names``).
NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
