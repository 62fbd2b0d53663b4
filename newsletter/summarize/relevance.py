"""Explainable REE-market relevance: is this item about rare earths, and which topic?

The model is a weighted vocabulary (:mod:`._taxonomy`), not a black box:

* each term has a weight; a title mention counts :data:`TITLE_MULT` times a body mention;
* repeats have diminishing returns (``1 + 0.6 ln n`` for ``n`` mentions);
* "critical minerals" is weak evidence; policy and price words ("export controls",
  "yuan/t", "MOFCOM"), the bare word "magnets" and diversified companies or places (Solvay,
  Iluka, Baotou) only count when the item already has REE evidence of its own (an element,
  "rare earths", a producer, a project, a formula): half weight after one passing mention,
  full weight beyond;
* an element name used as a firm's name ("Holmium Capital") is not an element mention;
* an item dominated by other commodities (lithium, copper, gold, ...) is damped;
* the evidence maps to ``1 - exp(-raw / SCALE)`` and the source weight bends that curve
  (a specialist outlet lifts a borderline item, never an item with no evidence at all).

The text is lower-cased and tokenised once per item; terms are only checked when their key
tokens occur, so the cost is linear in the text and independent of the vocabulary size.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from ..types import Item, Relevance
from ._taxonomy import (
    ELEMENT_AS_NAME,
    ELEMENTS,
    GATED,
    KEY_INDEX,
    NOT_CORE,
    OTHER_COMMODITIES,
    TERMS,
    TOPIC_ORDER,
    TOPIC_WORDS,
    Term,
)

TITLE_MULT = 2.5
SCALE = 2.0
GATE = (0.9, 1.5)  # core evidence for gated terms to count at half / full weight
MAX_BODY = 30_000  # characters of body text examined (bounded cost on huge pages)
_TOKEN = re.compile(r"[a-z0-9]+")
_KEYS = frozenset(KEY_INDEX)
_TOPIC_VOCAB = frozenset(w for words in TOPIC_WORDS.values() for w in words)


@dataclass(frozen=True)
class Analysis:
    """The full result behind a :class:`Relevance` (the edition uses ``topic_evidence``)."""

    relevance: Relevance
    raw: float
    core: float
    topic_evidence: float


def _diminish(n: int) -> float:
    return 0.0 if n <= 0 else 1.0 + 0.6 * math.log(n)


def _count(term: Term, text: str, lower: str, counts: Counter[str]) -> tuple[int, str | None]:
    """How often ``term`` occurs in one text, and the first matched spelling."""
    for group in term.keys[1:]:
        if not any(tok in counts for tok in group):
            return 0, None
    if term.regex is None:
        return sum(counts.get(tok, 0) for tok in term.keys[0]), None
    hay = text if term.case_sensitive else lower
    found = term.regex.findall(hay)
    return len(found), (found[0] if found else None)


def _match(text: str) -> tuple[dict[int, tuple[int, str | None]], Counter[str]]:
    """Count every triggered term in ``text``; return {term index: (count, spelling)}."""
    lower = text.lower()
    counts = Counter(_TOKEN.findall(lower))
    hits: dict[int, tuple[int, str | None]] = {}
    for tok in counts.keys() & _KEYS:
        for i in KEY_INDEX[tok]:
            if i in hits:
                continue
            n, spelling = _count(TERMS[i], text, lower, counts)
            if n and tok in ELEMENTS:  # "Holmium Capital" is a fund, not an element
                n -= sum(1 for m in ELEMENT_AS_NAME.finditer(text) if m.group(1).lower() == tok)
            if n:
                hits[i] = (n, spelling)
    return hits, counts


def _body(item: Item) -> str:
    text, summary = item.text, item.summary
    if summary and summary[:80] not in text:
        text = f"{summary}\n\n{text}" if text else summary
    return text[:MAX_BODY]


def analyse(item: Item, source_weight: float = 0.5, threshold: float = 0.5) -> Analysis:
    """Score ``item`` and keep the intermediate figures (see :func:`score`)."""
    t_hits, t_counts = _match(item.title)
    b_hits, b_counts = _match(_body(item))
    if not t_hits and not b_hits:  # the common case: nothing about rare earths at all
        return Analysis(Relevance(score=0.0, relevant=threshold <= 0.0,
                                  reasons=("no rare-earth terms",), topic="companies"),
                        0.0, 0.0, 0.0)
    reasons: list[str] = []
    core = weak = gated = 0.0
    topic_votes = dict.fromkeys(TOPIC_ORDER, 0.0)
    ordered = sorted(set(t_hits) | set(b_hits),
                     key=lambda i: -TERMS[i].weight * (TITLE_MULT * _diminish(
                         t_hits.get(i, (0, None))[0]) + _diminish(b_hits.get(i, (0, None))[0])))
    gated_reasons: list[str] = []
    for i in ordered:
        term = TERMS[i]
        nt, st = t_hits.get(i, (0, None))
        nb, sb = b_hits.get(i, (0, None))
        value = term.weight * (TITLE_MULT * _diminish(nt) + _diminish(nb))
        label = term.label or st or sb or "?"
        where = []
        if nt:
            where.append("title")
        if nb:
            where.append("body")
        times = f" x{nt + nb}" if nt + nb > 1 else ""
        reason = f"{' and '.join(where)} mention{'s' if len(where) == 1 else ''} " \
                 f"'{label}'{times} ({term.category})"
        if term.category in GATED:
            gated += value
            gated_reasons.append(reason)
        elif term.category in NOT_CORE:
            weak += value
            reasons.append(reason)
        else:
            core += value
            reasons.append(reason)
        if term.topic:
            topic_votes[term.topic] += 2.0 * min(nt + nb, 3)
        if term.category == "producer" or term.category == "project":
            topic_votes["companies"] += 1.0
    raw = core + weak
    if core >= GATE[0] and gated:
        half = core < GATE[1]
        raw += gated * (0.5 if half else 1.0)
        reasons.extend(r + (" (half weight: little REE evidence)" if half else "")
                       for r in gated_reasons)
    # Other commodities dominating the text damp the evidence.
    other = 0.0
    top_other = None
    all_tokens = t_counts.keys() | b_counts.keys()
    for tok in sorted(all_tokens & OTHER_COMMODITIES):
        nt, nb = t_counts.get(tok, 0), b_counts.get(tok, 0)
        if nt or nb:
            v = TITLE_MULT * _diminish(nt) + _diminish(nb)
            if top_other is None or v > top_other[1]:
                top_other = (tok, v, nt + nb)
            other += v
    if raw and other:
        ratio = core / (core + other)
        factor = min(1.0, 0.35 + 1.3 * ratio)
        if factor < 1.0 and top_other is not None:
            raw *= factor
            reasons.append(f"mostly about '{top_other[0]}' x{top_other[2]} and other "
                           f"commodities (x{factor:.2f})")
    text_score = 1.0 - math.exp(-raw / SCALE)
    sw = min(max(source_weight, 0.0), 1.0)
    final = text_score ** (1.25 - 0.5 * sw) if text_score > 0 else 0.0
    if raw:
        reasons.append(f"source weight {sw:g}")
    else:
        reasons.append("no rare-earth terms")
    # Topic: vocabulary votes, title tokens three times.
    evidence = 0.0
    for topic, words in TOPIC_WORDS.items():
        for tok in all_tokens & words.keys():
            v = words[tok] * (3 * min(t_counts.get(tok, 0), 1) + min(b_counts.get(tok, 0), 3))
            topic_votes[topic] += v
            evidence += v
    topic_votes["companies"] += 0.5  # the default when nothing else speaks
    topic = max(TOPIC_ORDER, key=lambda t: topic_votes[t])
    final = round(final, 4)
    rel = Relevance(score=final, relevant=final >= threshold, reasons=tuple(reasons),
                    topic=topic)
    return Analysis(rel, raw, core, evidence)


def score(item: Item, source_weight: float = 0.5, threshold: float = 0.5) -> Relevance:
    """The REE-market relevance of ``item``.

    Args:
        item: the collected item (title, summary and body text are read).
        source_weight: the source's prior in 0..1 (``Source.weight``).
        threshold: ``relevant`` is ``score >= threshold``.

    Returns:
        :class:`~newsletter.types.Relevance` with a 0..1 score, human-readable reasons
        ("title mentions 'Lynas' (producer)", "source weight 0.9") and a topic
        (``markets``, ``policy``, ``companies`` or ``technology``).
    """
    return analyse(item, source_weight, threshold).relevance
