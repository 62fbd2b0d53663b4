"""Assemble the day's edition (the ``edition.json`` of docs/internals.md) from stored items.

A pure function: items, sources, earlier stories, prices and the editor's edits in, one
:class:`newsletter.types.Edition` out (:mod:`.daily` gathers its inputs). The steps:

1. leave out items of price sources (``role = "prices"``) and repeated URLs;
2. score relevance (:mod:`.relevance`) and drop the irrelevant;
3. cluster near-duplicates (:mod:`.cluster`): the best source (a full article before a
   news aggregator's headline, a quotable source before a title-only one, then the source
   weight) is the story's main link, the others
   go to ``also_reported_by``. An aggregator's "headline - Outlet" is shown as the headline,
   with the source "Outlet via Google News";
4. drop stories already covered in an earlier edition unless they are a genuine follow-up
   of one (same company and project or asset, :func:`.fingerprints.relation`; then
   ``is_update`` is true and the title starts with "Update:");
5. rank by relevance x recency x source weight (x a little for wide coverage), cap at
   ``max_story_count``, group into sections by topic;
6. pick 3-7 top highlights (one per story, :func:`.highlights.headline_sentence`; never two
   about the same event);
7. respect each source's licence: ``excerpt_cap`` characters of quoted text (0 = title and
   link only), cut at a sentence boundary;
8. apply the editor's edits (pin, drop, order, summaries, highlights, note, hidden prices).

Story ids are the first 12 hex digits of the SHA-1 of the main item's canonical URL, so they
are stable across rebuilds; edits keyed by the id of any item of a story's cluster still
apply when a better source later becomes the main link.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from datetime import date as date_type
from typing import Any

from ..config import EditorialSettings
from ..types import (
    AlsoReported,
    Chart,
    Edition,
    EditionStats,
    FxNote,
    Highlight,
    Item,
    PriceRow,
    Section,
    Source,
    Story,
)
from . import cluster as clu
from . import fingerprints as fps
from ._edits import Edits
from .highlights import _terminate, headline_sentence, is_boilerplate, summarize
from .relevance import analyse
from .words import NAME_WORD, display_title, is_headline_only, split_outlet

SECTIONS: tuple[tuple[str, str], ...] = (
    ("markets", "Markets and prices"),
    ("policy", "Policy and trade"),
    ("companies", "Companies and projects"),
    ("technology", "Technology and recycling"),
)
SECTION_IDS = frozenset(sid for sid, _ in SECTIONS)
SUMMARY_CAP = 320
HEADLINE_CAP = 240
MAX_STORY_BULLETS = 5
RECENCY_HALF_LIFE_H = 36.0
UNKNOWN_DATE_RECENCY = 0.6
TOPIC_EVIDENCE_MIN = 3.0  # below this the source's default topic wins
UPDATE_PREFIX = "Update: "


@dataclass(frozen=True)
class PreviousStory:
    """A story of an earlier edition, as the store keeps it.

    Attributes:
        fingerprint: :func:`.fingerprints.fingerprint` of its main item.
        url: its main link.
        title: its title as published.
        edition_date: the date of the edition it appeared in.
    """

    fingerprint: str
    url: str
    title: str
    edition_date: date_type


def story_id(url: str) -> str:
    """The stable id of a story whose main item has canonical URL ``url``."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]


@dataclass
class _Story:
    members: list[int]
    main: int
    id: str
    aliases: set[str]
    score: float
    topic: str
    rank: float = 0.0
    is_update: bool = False
    pinned: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _recency(published: datetime | None, as_of: datetime) -> float:
    if published is None:
        return UNKNOWN_DATE_RECENCY
    if published.tzinfo is None:  # the store hands out aware UTC; be lenient anyway
        published = published.replace(tzinfo=UTC)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    age_h = (as_of - published).total_seconds() / 3600.0
    if age_h <= 0:
        return 1.0
    return max(0.05, math.pow(0.5, age_h / RECENCY_HALF_LIFE_H))


def _capped(limit: int | None, default: int) -> int:
    return default if limit is None else min(default, max(limit, 0))


def _title_sentence(title: str) -> str:
    return _terminate(title)


#: Two highlights sharing this share of their specific words (title and sentence) are
#: about the same event.
SAME_EVENT_WORDS = 0.5


_ANAPHORA = frozenset({"the", "it", "its", "this", "that", "these", "those", "they", "he",
                       "she", "there", "such"})


def _names_something(sentence: str) -> bool:
    """Whether a highlight says who or what it is about: a name after its first word, or a
    first word that is not "The", "It", "This" ... ("The tariff rises to 50% in 2028." does
    not; it needs its headline)."""
    words = NAME_WORD.findall(sentence)
    if not words:
        return False
    if words[0][0].isupper() and words[0].lower() not in _ANAPHORA:
        return True
    return any(w[0].isupper() for w in words[1:])


def _same_event(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= SAME_EVENT_WORDS


def build_edition(items: Sequence[Item], *, sources: Mapping[str, Source],
                  previous: Sequence[PreviousStory],
                  prices: Sequence[PriceRow | Mapping[str, Any]],
                  index_chart: Chart | Mapping[str, Any] | None, date: date_type,
                  as_of: datetime, title: str, settings: EditorialSettings,
                  edits: Mapping[str, Any] | Edits | None = None,
                  fx: FxNote | Mapping[str, Any] | None = None) -> Edition:
    """Build the day's :class:`~newsletter.types.Edition` (``edition.json``,
    docs/internals.md).

    Args:
        items: collected items of the look-back window (any sources, any order).
        sources: ``Source`` by name (weights, licence caps, default topics, roles).
        previous: stories of earlier editions (to avoid repeating them).
        prices: the price table (``PriceRow``, or rows of ``price_table.price_table``).
        index_chart: the price-index chart, or None.
        date: the edition date; as_of: the data cut-off (aware datetime).
        title: the newsletter title.
        settings: editorial settings (story and highlight counts, threshold).
        edits: the editor's stored edits (see module docs), or None.
        fx: the exchange-rate note of the price table (``summarize.fx.fx_note``), or None.
    """
    ed = edits if isinstance(edits, Edits) else Edits.from_json(edits)
    threshold = settings.relevance_threshold

    def src(name: str) -> Source:
        s = sources.get(name)
        return s if s is not None else Source(name=name, title=name, kind="feed", url="")

    # 1. news items only, one per URL (the longest text wins).
    considered = [it for it in items if src(it.source).role not in ("prices", "fx")]
    by_url: dict[str, Item] = {}
    for it in considered:
        seen = by_url.get(it.url)
        if seen is None or len(it.text) + len(it.summary) > len(seen.text) + len(seen.summary):
            by_url[it.url] = it
    unique = list(by_url.values())

    # 2. relevance.
    rel_items: list[Item] = []
    rel_info: list[tuple[float, str]] = []
    for it in unique:
        s = src(it.source)
        a = analyse(it, s.weight, threshold)
        if not a.relevance.relevant:
            continue
        topic = a.relevance.topic if a.relevance.topic in SECTION_IDS else "companies"
        if s.topic in SECTION_IDS and a.topic_evidence < TOPIC_EVIDENCE_MIN:
            topic = s.topic
        rel_items.append(it)
        rel_info.append((a.relevance.score, topic))

    # 3. clusters -> stories.
    sigs = [clu.signature(clu.shingles(it)) for it in rel_items]
    stories: list[_Story] = []
    for group in clu.cluster(rel_items, signatures=sigs):
        main = max(group, key=lambda i: (not is_headline_only(rel_items[i]),
                                         src(rel_items[i].source).excerpt_cap != 0,
                                         src(rel_items[i].source).weight, rel_info[i][0],
                                         len(rel_items[i].text), -i))
        sid = story_id(rel_items[main].url)
        stories.append(_Story(
            members=group, main=main, id=sid,
            aliases={story_id(rel_items[i].url) for i in group},
            score=max(rel_info[i][0] for i in group), topic=rel_info[main][1]))

    pinned_ids = ed.pinned

    def matches(story: _Story, ids: Collection[str]) -> bool:
        return any(a in ids for a in story.aliases)

    # 4. earlier editions.
    prev_sigs: list[tuple[PreviousStory, date_type, tuple[int, ...] | None, frozenset[int]]] = []
    for p in previous:
        when = p.edition_date
        if isinstance(when, datetime):
            when = when.date()
        elif isinstance(when, str):
            try:
                when = date_type.fromisoformat(when[:10])
            except ValueError:
                when = date
        try:
            psig: tuple[int, ...] | None = fps.unpack(p.fingerprint)
            pnames = fps.unpack_names(p.fingerprint)
        except (ValueError, TypeError, AttributeError, struct.error):
            psig, pnames = None, frozenset()  # the URL still identifies it
        prev_sigs.append((p, when, psig, pnames))
    names_cache: dict[int, frozenset[int]] = {}

    def names(i: int) -> frozenset[int]:
        if i not in names_cache:
            names_cache[i] = fps.name_hashes(rel_items[i])
        return names_cache[i]

    def story_relation(st: _Story, p: PreviousStory, psig: tuple[int, ...],
                       pnames: frozenset[int]) -> str:
        """"same" if any report of the story repeats ``p``, else "update" if one is a
        genuine follow-up of it, else "new"."""
        subjects: frozenset[str] = frozenset().union(
            *(clu.proper_names(rel_items[i]) for i in st.members))
        verdicts = set()
        for i in st.members:
            sim = clu.agreement([v & 0xFFFF for v in sigs[i]], psig)
            if sim < fps.UPDATE_BAND[0] and not (clu.title_tokens(p.title)
                                                 & clu.title_tokens(rel_items[i].title)):
                continue
            verdicts.add(fps.relation(sim, rel_items[i].title, p.title,
                                      fps.names_jaccard(names(i), pnames), names_a=subjects))
        return "same" if "same" in verdicts else "update" if "update" in verdicts else "new"

    kept: list[_Story] = []
    for st in stories:
        st.pinned = matches(st, pinned_ids)
        main_item = rel_items[st.main]
        verdict = "new"
        member_urls = {rel_items[i].url for i in st.members}
        for p, p_date, psig, pnames in prev_sigs:
            if p.url in member_urls:
                verdict = "same"
                break
            if psig is None:
                continue
            r = story_relation(st, p, psig, pnames)
            if r == "same":
                verdict = "same"
                break
            if r == "update":
                when = main_item.published.date() if main_item.published else date
                if when > p_date:
                    verdict = "update"
        if verdict == "same" and not st.pinned:
            continue
        st.is_update = verdict == "update"
        kept.append(st)

    # 5. drop, rank, cap.
    kept = [st for st in kept if not matches(st, ed.dropped)]
    for st in kept:
        m = rel_items[st.main]
        sources_n = len({rel_items[i].source for i in st.members})
        coverage = 1.0 + 0.08 * min(sources_n - 1, 4)
        st.rank = st.score * _recency(m.published, as_of) * (
            0.5 + 0.5 * src(m.source).weight) * coverage
    kept.sort(key=lambda s: (-s.rank, s.id))

    def pin_pos(st: _Story) -> int:
        return min((pinned_ids.index(a) for a in st.aliases if a in pinned_ids),
                   default=len(pinned_ids))

    pinned = sorted((s for s in kept if s.pinned), key=pin_pos)
    rest = [s for s in kept if not s.pinned]
    chosen = pinned + rest[:max(settings.max_story_count - len(pinned), 0)]

    # 6-7. story dicts, licence caps, editor summaries.
    order = ed.order

    def source_name(it: Item) -> str:
        """The source as a reader knows it: "The West Australian via Google News" for an
        aggregator's entry, else the source's title."""
        outlet = split_outlet(it)[1]
        title = src(it.source).title
        return f"{outlet} via {title}" if outlet and outlet != title else title

    def order_pos(st: _Story) -> int:
        return min((order.index(a) for a in st.aliases if a in order), default=len(order))

    def story_of(st: _Story) -> Story:
        m = rel_items[st.main]
        s = src(m.source)
        cap = s.excerpt_cap
        edited = next((ed.summaries[a] for a in st.aliases if a in ed.summaries), None)
        if edited is not None:
            summary = edited
        else:
            summary = summarize(m, max_sentences=2, cap=_capped(cap, SUMMARY_CAP))
        bullets: list[str] = []
        budget = math.inf if cap is None else max(cap - len(summary), 0)
        if cap != 0:
            for b in m.highlights:
                b = " ".join(b.split()).lstrip("•*-–· ").strip()
                if not b or is_boilerplate(b) or len(bullets) >= MAX_STORY_BULLETS:
                    continue
                if len(b) > budget:
                    break
                bullets.append(b)
                budget -= len(b)
        also: list[AlsoReported] = []
        seen_sources = {source_name(m)}
        others = sorted((i for i in st.members if i != st.main),
                        key=lambda i: (-src(rel_items[i].source).weight, -rel_info[i][0], i))
        for i in others:
            o = rel_items[i]
            name = source_name(o)
            if name in seen_sources or o.url == m.url:
                continue
            seen_sources.add(name)
            also.append(AlsoReported(source=name, url=o.url, title=display_title(o)))
        title_text = display_title(m)
        if st.is_update and not title_text.lower().startswith("update"):
            title_text = UPDATE_PREFIX + title_text
        return Story(
            id=st.id, title=title_text, url=m.url, source=source_name(m),
            published=m.published.isoformat() if m.published else None,
            summary=summary, highlights=tuple(bullets), topic=st.topic,
            relevance=round(st.score, 2), is_update=st.is_update,
            pinned=st.pinned, also_reported_by=tuple(also))

    sections: list[Section] = []
    for sec_id, sec_title in SECTIONS:
        members = [s for s in chosen if s.topic == sec_id]
        if not members:
            continue
        rank_pos = {s.id: n for n, s in enumerate(chosen)}
        members.sort(key=lambda s: (0 if s.pinned else 1, pin_pos(s) if s.pinned else 0,
                                    order_pos(s), rank_pos[s.id]))
        sections.append(Section(id=sec_id, title=sec_title,
                                stories=tuple(story_of(s) for s in members)))

    # 6. top highlights: pinned first, then by rank; one per story, never two about the
    # same event (stories the clustering kept apart can still be one event to a reader).
    highlights: list[Highlight] = []
    about: list[frozenset[str]] = []
    for st in chosen:
        if len(highlights) >= settings.max_highlights:
            break
        m = rel_items[st.main]
        s = src(m.source)
        edited = next((ed.highlights[a] for a in st.aliases if a in ed.highlights), None)
        if edited is not None:
            text = edited
        elif s.excerpt_cap == 0:
            text = _title_sentence(display_title(m))
        else:
            text = headline_sentence(m, cap=_capped(s.excerpt_cap, HEADLINE_CAP)) or ""
            if not _names_something(text):  # "The company completed its offtake book ..."
                text = _title_sentence(display_title(m))
        topic_words = clu.specific_tokens(f"{display_title(m)} {text}")
        if edited is None and any(_same_event(topic_words, seen) for seen in about):
            continue
        about.append(topic_words)
        highlights.append(Highlight(text=text, story_id=st.id, url=m.url,
                                    source=source_name(m)))
    # An editor's highlight for a chosen story that did not make the list joins it if there
    # is room; index keys ("0", "1", ...) rewrite that position.
    listed = {h.story_id for h in highlights}
    for st in chosen:
        if len(highlights) >= settings.max_highlights:
            break
        edited = next((ed.highlights[a] for a in st.aliases if a in ed.highlights), None)
        if edited is not None and st.id not in listed:
            m = rel_items[st.main]
            highlights.append(Highlight(text=edited, story_id=st.id, url=m.url,
                                        source=source_name(m)))
    for key, text in ed.highlights.items():
        if key.isdigit() and int(key) < len(highlights):
            highlights[int(key)] = replace(highlights[int(key)], text=text)

    rows = [p if isinstance(p, PriceRow) else PriceRow.from_json(p) for p in prices]
    n_stories = sum(len(s.stories) for s in sections)
    return Edition(
        date=date,
        title=title,
        as_of=as_of,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        editor_note=ed.note,
        highlights=tuple(highlights),
        prices=tuple(r for r in rows if r.commodity not in ed.hidden_prices),
        fx=fx if isinstance(fx, FxNote) else FxNote.from_json(fx) if fx else None,
        index_chart=(index_chart if isinstance(index_chart, Chart) or index_chart is None
                     else Chart.from_json(index_chart)),
        sections=tuple(sections),
        stats=EditionStats(items_considered=len(considered), stories=n_stories,
                           sources=len({it.source for it in considered})),
    )
