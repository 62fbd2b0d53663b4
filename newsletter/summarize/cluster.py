"""Near-duplicate clustering that scales: MinHash + LSH banding, no all-pairs comparison.

Each item becomes a set of content words from its title and lead (the first
:data:`.words.LEAD_CHARS` characters of its text or feed summary). A 64-value MinHash signature
summarises the set; LSH banding (32 bands of 2 rows) puts items that agree on a whole band
in the same bucket, and only pairs sharing a bucket are compared: the signature agreement
(an estimate of the Jaccard similarity of the word sets) plus a cheap title-token Jaccard
decide. Union-find turns the accepted pairs into groups. The cost is linear in the number
of items (oversized buckets, i.e. very common words, are compared only along a chain).

Stories of earlier editions (fingerprints, repeats and follow-ups) are
:mod:`.fingerprints`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from ..types import Item
from .words import (
    GENERIC,
    NAME_WORD,
    STOPWORDS,
    content_tokens,
    display_title,
    lead_text,
    story_body,
    token_hash,
)

NUM_PERM = 64
BANDS = 32
ROWS = NUM_PERM // BANDS
MAX_BUCKET = 48

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
#: A headline-only item also matches when it shares this many specific title words (names,
#: places, the thing that happened: "Iluka", "Eneabba", "kiln") with a fuller report.
SHORT_SPECIFIC = 3
#: With near-identical titles ("EU and China agree rare earth magnet licence pilot" /
#: "China and EU agree pilot to speed up rare earth magnet exports") low text agreement is
#: enough: (agreement, title jaccard).
SAME_BY_TITLE = (0.15, 0.6)
#: Reports of one event are published close together: items further apart than this (hours)
#: are the same story only when their text is a near-duplicate (``SAME_STORY``). "Iluka
#: flags kiln fault" and, two days later, "Iluka restarts kiln" are two stories.
EVENT_HOURS = 36.0

_rng = random.Random(0x5EED_2026)
_MASKS = tuple(_rng.getrandbits(64) for _ in range(NUM_PERM))
_MASK64 = (1 << 64) - 1
_CAP_WORD = re.compile(r"\b(?:[A-Z][A-Za-z0-9&'-]+|\d[\d,.]*)")

def shingles(item: Item) -> set[str]:
    """The content words of the title and lead (the set MinHash summarises); an aggregator's
    " - Outlet" suffix is not part of the story."""
    return set(content_tokens(display_title(item))) | set(content_tokens(lead_text(item)))


def specific_tokens(title: str) -> frozenset[str]:
    """Title words that say *which* story it is: content words that are neither generic to
    the beat ("rare", "magnet", "China") nor bare figures."""
    return frozenset(t for t in content_tokens(title)
                     if t not in GENERIC and not t[0].isdigit())

def proper_names(item: Item) -> frozenset[str]:
    """Lower-cased names of companies, projects and places the item mentions.

    A word of the body is a name when it is written capitalised and never in lower case
    ("Iluka", "Eneabba", "Nolans"; not "kiln", which a Title Case headline capitalises). A
    sentence-case headline's capitalised words count too (headline-only entries have no
    body). Generic words of the beat ("China", "Rare", "Earth") are left out.
    """
    body = " ".join(story_body(item).split())[:2000]
    upper: set[str] = set()
    lower: set[str] = set()
    for w in NAME_WORD.findall(body):
        (upper if w[0].isupper() else lower).add(w.lower())
    names = upper - lower
    title = display_title(item)
    if title.lower().startswith("update:"):
        title = title[7:].strip()
    words = NAME_WORD.findall(title)
    if words and sum(1 for w in words[1:] if w[0].islower()) >= len(words[1:]) / 2:
        names |= {w.lower() for w in words if w[0].isupper()}
    return frozenset(n for n in names if n not in STOPWORDS and n not in GENERIC and len(n) > 1)


def hours_apart(a: datetime | None, b: datetime | None) -> float | None:
    """Hours between two publication times (None when either is unknown)."""
    if a is None or b is None:
        return None
    if (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return abs((a - b).total_seconds()) / 3600.0


def signature(words: Iterable[str]) -> tuple[int, ...]:
    """64 MinHash values of a word set (an empty set gives a signature matching nothing)."""
    hs = [token_hash(w) for w in words]
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
    return frozenset(content_tokens(title))


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


#: Largest group of items sharing a pair of specific title words that is compared.
PAIR_BUCKET = 16
TITLE_PERM = 12
TITLE_ROWS = 2
_TITLE_MASKS = _MASKS[:TITLE_PERM]


def _title_bands(tokens: Iterable[str]) -> list[tuple[int, ...]]:
    hs = [token_hash(t) for t in tokens]
    if len(hs) < 2:
        return []
    sig = [min(map(m.__xor__, hs)) for m in _TITLE_MASKS]
    return [(-1 - b, *sig[b * TITLE_ROWS:(b + 1) * TITLE_ROWS])
            for b in range(TITLE_PERM // TITLE_ROWS)]


def cluster(items: Sequence[Item], *,
            signatures: Sequence[Sequence[int]] | None = None) -> list[list[int]]:
    """Group near-duplicate items (the same story from several sources or fetches).

    Candidates come from LSH buckets of the content signature and of a small title
    signature (rewrites by other outlets share their headline more than their wording), and
    for headline-only items from their less common title words; each candidate pair is then
    judged by :func:`same_story`, figures (:func:`numbers_conflict`) and publication time
    (:data:`EVENT_HOURS`). A headline-only item joins only its single best match, so a vague
    headline cannot chain two stories together.

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
    specific: dict[int, frozenset[str]] = {}
    entities: dict[int, frozenset[str]] = {}
    numbers: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
    words: dict[int, set[str]] = {}
    uf = _UnionFind(n)
    buckets: dict[tuple[int, ...], list[int]] = {}
    live = [tuple(sig) != EMPTY_SIGNATURE for sig in sigs]
    for i, sig in enumerate(sigs):
        if not live[i]:
            continue
        for b in range(BANDS):
            key = (b, *sig[b * ROWS:(b + 1) * ROWS])
            buckets.setdefault(key, []).append(i)
    checked: set[tuple[int, int]] = set()
    min_sim = min([SAME_WITH_TITLE[0], SAME_BY_TITLE[0], *(a for a, _ in SAME_WITH_ENTITIES)])
    #: headline-only item -> (score, partner) of its best match so far
    best_short: dict[int, tuple[tuple[float, ...], int]] = {}

    def load(k: int) -> None:
        if k not in titles:
            head = display_title(items[k])
            lead = lead_text(items[k])
            titles[k] = title_tokens(head)
            specific[k] = specific_tokens(head)
            entities[k] = key_entities(f"{head}. {lead}")
            numbers[k] = (numbers_in(head), numbers_in(lead))

    def shingle_set(k: int) -> set[str]:
        if k not in words:
            words[k] = shingles(items[k])
        return words[k]

    def consider(i: int, j: int) -> None:
        if i > j:
            i, j = j, i
        if (i, j) in checked:
            return
        a, b = shingle_set(i), shingle_set(j)
        short = min(len(a), len(b))
        if short > SHORT_WORDS and uf.find(i) == uf.find(j):
            return  # already together (and not checked: they may meet again cheaply)
        checked.add((i, j))
        sim = agreement(sigs[i], sigs[j])
        if short > SHORT_WORDS and sim < min_sim:
            return
        load(i)
        load(j)
        if numbers_conflict(numbers[i], numbers[j]):
            return
        gap = hours_apart(items[i].published, items[j].published)
        if gap is not None and gap > EVENT_HOURS and sim < SAME_STORY:
            return  # reports of one event are published close together
        if short <= SHORT_WORDS:
            shared = len(a & b)
            n_spec = len(specific[i] & specific[j])
            if short >= 4 and (shared / short >= SHORT_CONTAINMENT or n_spec >= SHORT_SPECIFIC):
                score = (float(n_spec), shared / short, -(gap or 0.0), -float(min(i, j)))
                for k, other in ((i, j), (j, i)):
                    if len(words[k]) <= SHORT_WORDS:
                        old = best_short.get(k)
                        if old is None or score > old[0]:
                            best_short[k] = (score, other)
            return
        tj = jaccard(titles[i], titles[j])
        ej = jaccard(entities[i], entities[j])
        n_spec = len(specific[i] & specific[j])
        near = gap is None or gap <= EVENT_HOURS
        if same_story(sim, tj, ej) or (sim >= SAME_BY_TITLE[0] and (
                tj >= SAME_BY_TITLE[1]
                or (near and (n_spec >= SHORT_SPECIFIC
                              or (n_spec >= 2 and ej >= SAME_WITH_ENTITIES[1][1]))))):
            uf.union(i, j)

    def compare_bucket(members: list[int]) -> None:
        m = len(members)
        if m <= MAX_BUCKET:
            for x in range(m):
                for y in range(x + 1, m):
                    consider(members[x], members[y])
        else:  # a very common band value: compare along a chain only (bounded cost)
            for x in range(m - 1):
                consider(members[x], members[x + 1])

    for members in buckets.values():
        if len(members) >= 2:
            compare_bucket(members)
    # Rewrites by other outlets share their headline more than their wording: a small
    # title signature (LSH again, so still linear) brings them together.
    title_buckets: dict[tuple[int, ...], list[int]] = {}
    by_title_word: dict[str, list[int]] = {}
    short_items = []
    for i in range(n):
        if not live[i]:
            continue
        load(i)
        for key in _title_bands(titles[i]):
            title_buckets.setdefault(key, []).append(i)
        for w in titles[i]:
            by_title_word.setdefault(w, []).append(i)
        if len(shingle_set(i)) <= SHORT_WORDS:
            short_items.append(i)
    for members in title_buckets.values():
        if len(members) >= 2:
            compare_bucket(members)
    # ... and so does a pair of their specific title words ("Arafura" + "Nolans").
    pair_buckets: dict[tuple[str, str], list[int]] = {}
    for i in range(n):
        if live[i]:
            spec = sorted(specific[i])[:10]
            for x in range(len(spec)):
                for y in range(x + 1, len(spec)):
                    pair_buckets.setdefault((spec[x], spec[y]), []).append(i)
    for members in pair_buckets.values():
        if 2 <= len(members) <= PAIR_BUCKET:  # a commoner pair identifies no one story
            compare_bucket(members)
    # Short (headline-only) items have too few words for MinHash to bring them together with
    # a full article: they also meet every item sharing one of their less common title words.
    for i in short_items:
        for w in titles[i]:
            members = by_title_word[w]
            if len(members) <= 2 * MAX_BUCKET:
                for j in members:
                    if j != i:
                        consider(i, j)
    for i, (_, j) in sorted(best_short.items()):
        uf.union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def key_entities(title: str) -> frozenset[str]:
    """Names and numbers in a title ("Lynas", "Kalgoorlie", "400"), lower-cased."""
    out = set()
    for m in _CAP_WORD.finditer(title):
        w = m.group(0).lower().rstrip(".,")
        if w and w not in STOPWORDS and len(w) > 1:
            out.add(w)
    return frozenset(out)
