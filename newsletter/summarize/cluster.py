"""Near-duplicate clustering that scales: MinHash + LSH banding, no all-pairs comparison.

Each item becomes a set of content words from its title and lead (the first
:data:`LEAD_CHARS` characters of its text or feed summary). A 64-value MinHash signature
summarises the set; LSH banding (32 bands of 2 rows) puts items that agree on a whole band
in the same bucket, and only pairs sharing a bucket are compared: the signature agreement
(an estimate of the Jaccard similarity of the word sets) plus a cheap title-token Jaccard
decide. Union-find turns the accepted pairs into groups. The cost is linear in the number
of items (oversized buckets, i.e. very common words, are compared only along a chain).

:func:`fingerprint` packs the signature into a short string the store can keep, so that a
story already covered in an earlier edition is recognised (:func:`matches_previous`), and
:func:`relation` tells a repeat from a genuine follow-up.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Literal

from ..types import Item

NUM_PERM = 64
BANDS = 32
ROWS = NUM_PERM // BANDS
LEAD_CHARS = 600
MAX_BUCKET = 48
SIG_PREFIX = "m1:"

#: Signature agreement at or above which two items are the same story.
SAME_STORY = 0.5
#: With at least this title similarity, a lower agreement suffices.
SAME_WITH_TITLE = (0.3, 0.35)  # (agreement, title jaccard)
#: With these shared names and numbers (title + lead), a lower agreement suffices.
SAME_WITH_ENTITIES = ((0.2, 0.5), (0.28, 0.33))  # (agreement, entity jaccard) pairs
#: An item with at most this many content words is "short" (a headline-only entry, such as
#: a news aggregator's); it matches a longer item when most of its words are in it.
SHORT_WORDS = 15
SHORT_CONTAINMENT = 0.65
#: Agreement band of a genuine follow-up: related, but substantially new text.
UPDATE_BAND = (0.2, 0.6)

_rng = random.Random(0x5EED_2026)
_MASKS = tuple(_rng.getrandbits(64) for _ in range(NUM_PERM))
_MASK64 = (1 << 64) - 1
_TOKEN = re.compile(r"[a-z0-9]+")
_CAP_WORD = re.compile(r"\b(?:[A-Z][A-Za-z0-9&'-]+|\d[\d,.]*)")

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


def _content_tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and len(t) > 1]


def _lead(item: Item) -> str:
    return (item.text or item.summary)[:LEAD_CHARS]


@lru_cache(maxsize=262_144)
def _h(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def shingles(item: Item) -> set[str]:
    """The content words of the title and lead (the set MinHash summarises)."""
    return set(_content_tokens(item.title)) | set(_content_tokens(_lead(item)))


def signature(words: Iterable[str]) -> tuple[int, ...]:
    """64 MinHash values of a word set (an empty set gives a signature matching nothing)."""
    hs = [_h(w) for w in words]
    if not hs:
        return EMPTY_SIGNATURE
    return tuple(min(map(m.__xor__, hs)) for m in _MASKS)


#: The signature of an item with no content words; it is never clustered with anything.
EMPTY_SIGNATURE: tuple[int, ...] = tuple(_MASK64 - i for i in range(NUM_PERM))


def agreement(a: Sequence[int], b: Sequence[int]) -> float:
    """Fraction of equal signature slots: an estimate of the Jaccard similarity."""
    n = min(len(a), len(b))
    if not n:
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=False) if x == y) / n


def title_tokens(title: str) -> frozenset[str]:
    """Content words of a title, for the cheap title Jaccard."""
    return frozenset(_content_tokens(title))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def same_story(sim: float, title_sim: float, entity_sim: float = 0.0) -> bool:
    """The pair rule used inside candidate buckets.

    ``sim`` is the signature agreement, ``title_sim`` the title-token Jaccard and
    ``entity_sim`` the Jaccard of names and numbers in title and lead: rewrites of one
    story by different outlets share few exact words but nearly all their names and figures.
    """
    return (sim >= SAME_STORY
            or (sim >= SAME_WITH_TITLE[0] and title_sim >= SAME_WITH_TITLE[1])
            or any(sim >= a and entity_sim >= e for a, e in SAME_WITH_ENTITIES))


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def numbers_in(text: str) -> frozenset[str]:
    """The figures in a text, normalised ("1,200" -> "1200", "2.50" -> "2.5")."""
    out = set()
    for m in _NUMBER.finditer(text):
        v = m.group(0).replace(",", "")
        if "." in v:
            v = v.rstrip("0").rstrip(".")
        out.add(v)
    return frozenset(out)


def numbers_conflict(a: tuple[frozenset[str], frozenset[str]],
                     b: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Two texts that state different figures are different stories, however alike the
    wording ("Ucore wins $22 million award" is not "Lynas wins $128 million award", and
    Monday's price report is not Tuesday's). ``a``/``b``: (title figures, lead figures)."""
    (ta, la), (tb, lb) = a, b
    if ta and tb and not ta & tb:
        return True
    return len(la) >= 2 and len(lb) >= 2 and jaccard(la, lb) < 0.2


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


def cluster(items: Sequence[Item], *,
            signatures: Sequence[Sequence[int]] | None = None) -> list[list[int]]:
    """Group near-duplicate items (the same story from several sources or fetches).

    Args:
        items: the items; every index appears in exactly one group.
        signatures: precomputed :func:`signature` values (one per item), optional.

    Returns:
        Index groups, each sorted, ordered by their first index.
    """
    n = len(items)
    sigs = list(signatures) if signatures is not None else [
        signature(shingles(it)) for it in items]
    titles: dict[int, frozenset[str]] = {}
    entities: dict[int, frozenset[str]] = {}
    numbers: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
    words: dict[int, set[str]] = {}
    uf = _UnionFind(n)
    buckets: dict[tuple[int, ...], list[int]] = {}
    for i, sig in enumerate(sigs):
        if tuple(sig) == EMPTY_SIGNATURE:
            continue
        for b in range(BANDS):
            key = (b, *sig[b * ROWS:(b + 1) * ROWS])
            buckets.setdefault(key, []).append(i)
    checked: set[tuple[int, int]] = set()
    min_sim = min([SAME_WITH_TITLE[0], *(a for a, _ in SAME_WITH_ENTITIES)])

    def load(k: int) -> None:
        if k not in titles:
            titles[k] = title_tokens(items[k].title)
            entities[k] = key_entities(f"{items[k].title}. {_lead(items[k])}")
            numbers[k] = (numbers_in(items[k].title), numbers_in(_lead(items[k])))

    def shingle_set(k: int) -> set[str]:
        if k not in words:
            words[k] = shingles(items[k])
        return words[k]

    def consider(i: int, j: int) -> None:
        if i > j:
            i, j = j, i
        if (i, j) in checked or uf.find(i) == uf.find(j):
            return
        checked.add((i, j))
        a, b = shingle_set(i), shingle_set(j)
        short = min(len(a), len(b))
        sim = agreement(sigs[i], sigs[j])
        if short > SHORT_WORDS and sim < min_sim:
            return
        load(i)
        load(j)
        if numbers_conflict(numbers[i], numbers[j]):
            return
        if short <= SHORT_WORDS:
            if short >= 4 and len(a & b) / short >= SHORT_CONTAINMENT:
                uf.union(i, j)
            return
        if same_story(sim, jaccard(titles[i], titles[j]), jaccard(entities[i], entities[j])):
            uf.union(i, j)

    for members in buckets.values():
        m = len(members)
        if m < 2:
            continue
        if m <= MAX_BUCKET:
            for x in range(m):
                for y in range(x + 1, m):
                    consider(members[x], members[y])
        else:  # a very common band value: compare along a chain only (bounded cost)
            for x in range(m - 1):
                consider(members[x], members[x + 1])
    # Short (headline-only) items have too few words for MinHash to bring them together with
    # a full article: they also meet every item sharing one of their less common title words.
    by_title_word: dict[str, list[int]] = {}
    short_items = []
    for i in range(n):
        if tuple(sigs[i]) == EMPTY_SIGNATURE:
            continue
        load(i)
        for w in titles[i]:
            by_title_word.setdefault(w, []).append(i)
        if len(shingle_set(i)) <= SHORT_WORDS:
            short_items.append(i)
    for i in short_items:
        for w in titles[i]:
            members = by_title_word[w]
            if len(members) <= 2 * MAX_BUCKET:
                for j in members:
                    if j != i:
                        consider(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


# --- fingerprints and earlier editions -------------------------------------------------------

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
    return _h(token) & 0xFFFF


def name_hashes(item: Item) -> frozenset[int]:
    """16-bit hashes of the names and figures in the title and lead (at most MAX_NAMES)."""
    ents = key_entities(f"{item.title}. {_lead(item)}")
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


def key_entities(title: str) -> frozenset[str]:
    """Names and numbers in a title ("Lynas", "Kalgoorlie", "400"), lower-cased."""
    out = set()
    for m in _CAP_WORD.finditer(title):
        w = m.group(0).lower().rstrip(".,")
        if w and w not in STOPWORDS and len(w) > 1:
            out.add(w)
    return frozenset(out)


Relation = Literal["same", "update", "new"]


#: Related text sharing at least this share of names and figures is a rewrite, not news.
SAME_NAMES = 0.6


def relation(sim: float, title_a: str, title_b: str,
             names_sim: float | None = None) -> Relation:
    """How an item relates to an earlier story.

    Args:
        sim: content similarity of the two fingerprints (:func:`similarity`).
        title_a, title_b: the item's and the earlier story's titles.
        names_sim: :func:`name_similarity` of the fingerprints, if known.

    Returns:
        * ``same``: a repeat: similarity >= 0.6; or >= 0.3 with near-identical titles; or
          related text (>= 0.2) with nearly all the same names and figures (another
          outlet's rewrite);
        * ``update``: a genuine follow-up: related text in the middle band
          (0.2 <= sim < 0.6) that brings new names or figures, or at least two shared key
          entities in the titles with low text overlap;
        * ``new``: unrelated.

    The caller also requires the item to be later than the earlier edition.
    """
    tj = jaccard(title_tokens(title_a), title_tokens(title_b))
    if sim >= UPDATE_BAND[1] or (sim >= 0.3 and tj >= 0.7):
        return "same"
    if sim >= UPDATE_BAND[0] and names_sim is not None and names_sim >= SAME_NAMES:
        return "same"
    if sim >= UPDATE_BAND[0]:
        return "update"
    if len(key_entities(title_a) & key_entities(title_b)) >= 2 and tj >= 0.25:
        return "update"
    return "new"
