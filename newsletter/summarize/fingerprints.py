"""Stories across editions: fingerprints the store keeps, repeats and follow-ups.

:func:`fingerprint` packs an item's MinHash signature (:mod:`.cluster`) and a sample of its
names into a short string the store keeps with each published story, so that a story
already covered in an earlier edition is recognised (:func:`matches_previous`), and
:func:`relation` tells a repeat from a genuine follow-up.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from ..types import Item
from .cluster import (
    SAME_STORY,
    agreement,
    jaccard,
    key_entities,
    shingles,
    signature,
    specific_tokens,
    title_tokens,
)
from .words import GENERIC, NAME_WORD, OUTLET_SUFFIX, STOPWORDS, lead_text, token_hash

SIG_PREFIX = "m1:"
#: Agreement band of a genuine follow-up: related, but substantially new text.
UPDATE_BAND = (0.2, 0.6)


def fingerprint(item: Item) -> str:
    """A compact, stable signature of ``item`` for the store (at most ~240 characters).

    ``"m1:" + content + "." + names``: the low 16 bits of the 64 MinHash values of the
    content words, then 16-bit hashes of up to :data:`MAX_NAMES` names and figures of the
    title and lead (the smallest hashes: a consistent sample). :func:`similarity` compares
    the content part, :func:`name_similarity` the names part.
    """
    return pack(signature(shingles(item)), name_hashes(item))


MAX_NAMES = 24


def _h16(token: str) -> int:
    return token_hash(token) & 0xFFFF


def name_hashes(item: Item) -> frozenset[int]:
    """16-bit hashes of the names and figures in the title and lead (at most MAX_NAMES)."""
    ents = key_entities(f"{item.title}. {lead_text(item)}")
    return frozenset(sorted({_h16(e) for e in ents})[:MAX_NAMES])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(body: str) -> bytes:
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def pack(sig: Sequence[int], names: Iterable[int] = ()) -> str:
    """Encode a signature (and optional name hashes) as a fingerprint string."""
    raw = struct.pack(f"<{len(sig)}H", *(v & 0xFFFF for v in sig))
    ns = sorted(n & 0xFFFF for n in names)
    tail = "." + _b64(struct.pack(f"<{len(ns)}H", *ns)) if ns else ""
    return SIG_PREFIX + _b64(raw) + tail


def unpack(fp: str) -> tuple[int, ...]:
    """The content signature of a fingerprint (raises ValueError on a malformed one)."""
    if not fp.startswith(SIG_PREFIX):
        raise ValueError(f"not a fingerprint: {fp[:20]!r}")
    body = fp[len(SIG_PREFIX):].split(".", 1)[0]
    raw = _unb64(body)
    if len(raw) % 2:
        raise ValueError("fingerprint has an odd byte length")
    return struct.unpack(f"<{len(raw) // 2}H", raw)


def unpack_names(fp: str) -> frozenset[int]:
    """The name hashes of a fingerprint (empty when it has none)."""
    if not fp.startswith(SIG_PREFIX) or "." not in fp:
        return frozenset()
    raw = _unb64(fp.split(".", 1)[1])
    if len(raw) % 2:
        raise ValueError("fingerprint has an odd byte length")
    return frozenset(struct.unpack(f"<{len(raw) // 2}H", raw))


def names_jaccard(a: frozenset[int], b: frozenset[int]) -> float | None:
    """Jaccard of two name-hash samples (None when either is empty: no evidence)."""
    if not a or not b:
        return None
    return jaccard(a, b)  # type: ignore[arg-type]


def name_similarity(fp_a: str, fp_b: str) -> float | None:
    """Share of names and figures two fingerprints have in common (None: unknown)."""
    try:
        return names_jaccard(unpack_names(fp_a), unpack_names(fp_b))
    except (ValueError, struct.error):
        return None


def similarity(fp_a: str, fp_b: str) -> float:
    """Estimated Jaccard similarity of two fingerprints (0 if either is malformed)."""
    try:
        return agreement(unpack(fp_a), unpack(fp_b))
    except (ValueError, struct.error):
        return 0.0


def matches_previous(item_sig: str,
                     previous_sigs: Mapping[str, str] | Iterable[str] | Iterable[tuple[str, str]],
                     threshold: float = SAME_STORY) -> str | None:
    """The earlier story ``item_sig`` repeats, if any.

    Args:
        item_sig: the item's :func:`fingerprint`.
        previous_sigs: ``{key: fingerprint}`` (key = story id or URL), ``(key, fingerprint)``
            pairs, or bare fingerprints (then the fingerprint itself is the key).
        threshold: minimum similarity.

    Returns:
        The key of the most similar earlier story at or above ``threshold``, else None.
    """
    pairs: Iterable[tuple[str, str]]
    if isinstance(previous_sigs, Mapping):
        pairs = previous_sigs.items()
    else:
        pairs = ((p, p) if isinstance(p, str) else p for p in previous_sigs)
    best: tuple[float, str] | None = None
    for key, sig in pairs:
        sim = similarity(item_sig, sig)
        if sim >= threshold and (best is None or sim > best[0]):
            best = (sim, key)
    return best[1] if best else None


Relation = Literal["same", "update", "new"]


#: Related text sharing at least this share of names and figures is a rewrite, not news.
SAME_NAMES = 0.6
#: A follow-up names at least this many of the earlier story's subjects in its title: the
#: company *and* its project, asset or counterpart ("Arafura" + "Nolans", "Iluka" + "Eneabba").
#: One shared name is the same company, not the same thread of events.
UPDATE_NAMES = 2

_UPDATE_PREFIX = re.compile(r"^\s*update\s*:\s*", re.I)


def plain_title(title: str) -> str:
    """A story title without an "Update:" prefix or an aggregator's " - Outlet" suffix."""
    title = _UPDATE_PREFIX.sub("", title)
    m = OUTLET_SUFFIX.search(title)
    if m and len(title[:m.start()].split()) >= 3 and len(m.group(1).split()) <= 4 and \
            m.group(1).strip()[:1].isupper() and len(title) - m.start() <= 40:
        # Only a short capitalised tail ("- Reuters", "- The West Australian"); the caller
        # has the item itself when it needs to be sure (see :func:`split_outlet`).
        title = title[:m.start()]
    return title.strip()


def _title_names(title: str) -> frozenset[str]:
    """Specific words of a title that could name something (used when no text is at hand)."""
    words = NAME_WORD.findall(title)
    sentence_case = bool(words) and sum(1 for w in words[1:] if w[0].islower()) >= \
        len(words[1:]) / 2
    if sentence_case:
        return frozenset(w.lower() for w in words
                         if w[0].isupper() and w.lower() not in STOPWORDS
                         and w.lower() not in GENERIC and len(w) > 1)
    return specific_tokens(title)


def relation(sim: float, title_a: str, title_b: str,
             names_sim: float | None = None, *,
             names_a: Iterable[str] | None = None) -> Relation:
    """How an item relates to an earlier story.

    Args:
        sim: content similarity of the two fingerprints (:func:`similarity`).
        title_a, title_b: the item's and the earlier story's titles ("Update:" prefixes
            and aggregator " - Outlet" suffixes are ignored).
        names_sim: :func:`name_similarity` of the fingerprints, if known.
        names_a: the item's :func:`proper_names` (companies, projects, places), if known;
            else the names are guessed from ``title_a``.

    Returns:
        * ``same``: a repeat: similarity >= 0.6; or >= 0.3 with near-identical titles; or
          related text (>= 0.2) with nearly all the same names and figures (another
          outlet's rewrite);
        * ``update``: a genuine follow-up of the same thread: the earlier title names at
          least :data:`UPDATE_NAMES` of the item's subjects (company *and* project or asset,
          not words of the beat such as "rare earths" or "China"), and the texts are related
          (similarity >= 0.2) or the titles overlap (jaccard >= 0.25);
        * ``new``: anything else. Sharing the beat's vocabulary, or one company, is not a
          follow-up: when in doubt, a story is new.

    The caller also requires the item to be later than the earlier edition.
    """
    title_a, title_b = plain_title(title_a), plain_title(title_b)
    tj = jaccard(title_tokens(title_a), title_tokens(title_b))
    if sim >= UPDATE_BAND[1] or (sim >= 0.3 and tj >= 0.7):
        return "same"
    if sim >= UPDATE_BAND[0] and names_sim is not None and names_sim >= SAME_NAMES:
        return "same"
    subjects = frozenset(names_a) if names_a is not None else _title_names(title_a)
    shared = subjects & title_tokens(title_b) - GENERIC
    if len(shared) >= UPDATE_NAMES and (sim >= UPDATE_BAND[0] or tj >= 0.25):
        return "update"
    return "new"
