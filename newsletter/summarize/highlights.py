"""Sentences, boilerplate and the short summaries the edition quotes.

* :func:`sentences` splits text into sentences without breaking on abbreviations
  ("U.S.", "Dr.", "Inc.", "No. 2", "Jan. 5", "e.g.") or decimals ("1.62").
* :func:`is_boilerplate` recognises feed and page furniture ("Click here", "Subscribe",
  "The post X appeared first on Y", cookie notices, share prompts, bylines, photo credits).
* :func:`summarize` picks one or two complete lead sentences that carry a name or a number,
  never cut mid-sentence and never longer than the cap.
* :func:`headline_sentence` is one complete sentence for the edition's top highlights,
  preferring the source's own "Highlights" bullets.
"""

from __future__ import annotations

import re

from ..types import Item

# Abbreviations that do not end a sentence when the next word follows.
_TITLES = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "capt", "st",
    "mt", "no", "nos", "vol", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "approx", "est", "vs", "cf", "op", "pp", "ca", "ft",
}
# Abbreviations that may end a sentence ("... bought by Acme Inc. The deal ...").
_ENDERS = {"inc", "corp", "co", "ltd", "plc", "llc", "bhd", "jr", "sr", "etc", "u.s", "u.k",
           "u.n", "e.u", "a.m", "p.m", "s.a", "n.v", "ag", "pty"}
_ALWAYS = {"e.g", "i.e", "viz", "al"}  # "et al." is treated like "e.g."
# Words that start a new sentence after an ambiguous abbreviation.
_STARTERS = {
    "the", "a", "an", "it", "its", "this", "that", "these", "those", "he", "she", "they",
    "we", "i", "in", "on", "at", "but", "and", "however", "meanwhile", "shares", "there",
    "his", "her", "their", "our", "as", "after", "before", "while", "for", "according",
    "analysts", "prices", "china", "beijing", "officials", "under", "last", "earlier",
    "separately", "also", "since", "with", "by", "if", "when", "such", "both", "many",
}

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY = re.compile(r"([.!?…]+)([\"'”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_PARAS = re.compile(r"\n\s*\n|\r\n\s*\r\n")
_WS = re.compile(r"\s+")
_TERMINAL = re.compile(r"[.!?][\"'”’)\]]*$")
_TRUNCATED = re.compile(r"(?:\[\s*(?:…|\.\.\.|&#8230;)\s*\]|…|\.\.\.)\s*$")
_INLINE_JUNK = re.compile(r"\s*\((?:opens in a new (?:tab|window))\)", re.I)

_BOILERPLATE = re.compile(
    r"""(?ix)
    ^the\ post\ .+\ appeared\ first\ on\ |
    \bappeared\ first\ on\b |
    \bclick\ here\b | \bsubscribe\b | \bsign\ up\b | \bsign-up\b | \bnewsletter\b |
    \bread\ (?:more|the\ full|full\ story)\b | \bcontinue\ reading\b | \bread\ also\b |
    ^(?:also\ read|related|recommended|see\ also|more\ from|advertisement|sponsored)\b |
    \bcookies?\b | \bprivacy\ policy\b | \bterms\ of\ (?:use|service)\b |
    \bshare\ (?:this|on)\b | \bfollow\ us\b | \bjoin\ (?:us|our)\b |
    \bdownload\ (?:our|the)\ app\b |
    \ball\ rights\ reserved\b | ^copyright\b | ^©|
    ^(?:photo|image|picture|file\ photo|credit|source|caption)s?\s*(?::|by\b) |
    \((?:photo|image)[^)]*\)\s*$ | \bgetty\ images\b | \bshutterstock\b |
    \b(?:reporting|writing|editing|additional\ reporting)\ by\b |
    ^by\ [A-Z][\w.'-]+(?:\ [A-Z][\w.'-]+){0,3}\s*(?:[,|]|$) |
    ^(?:posted|published|updated)\ (?:on|at|by)\b |
    \bthis\ (?:article|story)\ (?:was\ )?(?:originally\ )?(?:first\ )?(?:published|appeared)\b |
    \bdisclaimer\b | \bnot\ (?:financial|investment)\ advice\b | \bjavascript\b |
    \byour\ (?:browser|inbox)\b | \bemail\ address\b | \blog\ ?in\b
    """
)


def _clean(text: str) -> str:
    return _WS.sub(" ", _INLINE_JUNK.sub("", text)).strip()


def _splits_here(before: str, punct: str, after: str) -> bool:
    """Decide whether the period in ``before + punct`` ends a sentence."""
    if punct != ".":
        return True
    m = _WORD_BEFORE.search(before)
    if not m:
        return True
    word = m.group(1).lower().rstrip(".")
    nxt = after.lstrip("\"'“‘([").split(" ", 1)[0].rstrip(",;:").lower()
    if word in _ALWAYS:
        return False
    if word in _TITLES:
        return False
    if len(word) == 1 and word.isalpha():  # an initial ("J. Smith")
        return False
    if word in _ENDERS or "." in word:
        return nxt in _STARTERS
    return True


def sentences(text: str) -> list[str]:
    """Split ``text`` into sentences (whitespace normalised; paragraphs always split).

    Abbreviations such as "U.S.", "Dr.", "Inc.", "No.", "Jan." and "e.g." and decimals such
    as "1.62" do not end a sentence. A paragraph that does not end in terminal punctuation
    (a heading, a truncated teaser) is still returned as one piece; :func:`is_complete`
    tells the two apart.
    """
    out: list[str] = []
    for para in _PARAS.split(text):
        para = _clean(para)
        if not para:
            continue
        start = 0
        for m in _BOUNDARY.finditer(para):
            end = m.end(2)
            if _splits_here(para[start:m.start(1)], m.group(1), para[m.end():m.end() + 40]):
                piece = para[start:end].strip()
                if piece:
                    out.append(piece)
                start = m.end()
        rest = para[start:].strip()
        if rest:
            out.append(rest)
    return out


def is_boilerplate(sentence: str) -> bool:
    """True for page and feed furniture rather than reporting."""
    return bool(_BOILERPLATE.search(sentence))


def is_complete(sentence: str) -> bool:
    """A real sentence: ends in terminal punctuation, is not a truncated teaser, has at least
    three words."""
    s = sentence.strip()
    if not _TERMINAL.search(s) or _TRUNCATED.search(s):
        return False
    return len(s.split()) >= 3


_ENTITY = re.compile(r"\d|\s[A-Z][a-zA-Z]")


def _informative(sentence: str) -> bool:
    """Carries a name (a capitalised word after the first) or a number."""
    return bool(_ENTITY.search(sentence))


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _candidates(text: str, title: str = "", limit: int = 12) -> list[str]:
    """Complete, non-boilerplate sentences of ``text`` in order (at most ``limit``)."""
    tnorm = _norm(title)
    out: list[str] = []
    for s in sentences(text[:20_000]):
        if len(out) >= limit:
            break
        if not is_complete(s) or is_boilerplate(s):
            continue
        if tnorm and _norm(s) == tnorm:
            continue
        out.append(s)
    return out


def _pick(cands: list[str], max_sentences: int, cap: int) -> str:
    """One or more consecutive-ish lead sentences that fit in ``cap``."""
    if not cands or max_sentences < 1 or cap <= 0:
        return ""
    lead = cands[:6]
    first = next((i for i, s in enumerate(lead) if _informative(s) and len(s) <= cap), None)
    if first is None:
        first = next((i for i, s in enumerate(cands) if len(s) <= cap), None)
        if first is None:
            return ""
    chosen = [cands[first]]
    used = len(cands[first])
    for s in cands[first + 1:first + 4]:
        if len(chosen) >= max_sentences:
            break
        if used + 1 + len(s) <= cap:
            chosen.append(s)
            used += 1 + len(s)
        else:
            break
    return " ".join(chosen)


def summarize(item: Item, max_sentences: int = 2, cap: int = 320) -> str:
    """One or two complete sentences saying what happened.

    Prefers the lead sentences that carry a name or a number; skips boilerplate, headings,
    truncated teasers and a repeated headline. Never cuts a sentence and never exceeds
    ``cap`` characters: when the first sentence is too long another complete sentence is
    chosen. Falls back to the feed summary, then to "" (the renderer shows title and link).
    """
    if cap <= 0:
        return ""
    for text in (_without_highlights(item.text, item.highlights), item.summary):
        if text:
            picked = _pick(_candidates(text, item.title), max_sentences, cap)
            if picked:
                return picked
    return ""


_BULLET = "•*-–·▪◦ "


def _without_highlights(text: str, highlights: tuple[str, ...]) -> str:
    """The body without the source's own "Highlights" block, which pages often carry at
    the top of the article: the summary should say what happened in the story's own
    words, not repeat the bullets already shown as highlights."""
    if not text:
        return text
    known = {_norm(h.lstrip(_BULLET)) for h in highlights}
    kept = []
    for para in text.split("\n"):
        bare = para.strip()
        if not bare:
            kept.append(para)
            continue
        if bare.lower().rstrip(":") in ("highlights", "key highlights", "key takeaways"):
            continue
        if bare[0] in _BULLET.strip() or _norm(bare.lstrip(_BULLET)) in known:
            continue
        kept.append(para)
    return "\n".join(kept)


def _terminate(s: str) -> str:
    s = s.strip().rstrip(";:,-–— ")
    if not _TERMINAL.search(s):
        s += "."
    return s


def headline_sentence(item: Item, cap: int = 240) -> str | None:
    """One complete sentence for the edition's top highlights (what happened, why it matters).

    Uses the source's own "Highlights" bullets when it publishes them (the first bullet that
    is not boilerplate and fits, or the first sentence of it), else the best lead sentence
    of the text or feed summary. The result always ends with terminal punctuation; None when
    nothing fits in ``cap``.
    """
    if cap <= 0:
        return None
    for bullet in item.highlights:
        b = _clean(bullet).lstrip("•*-–· ").strip()
        if not b or is_boilerplate(b) or len(b.split()) < 5:
            continue
        if len(_terminate(b)) <= cap and len(sentences(b)) == 1:
            return _terminate(b)
        first = sentences(b)[0]
        if len(_terminate(first)) <= cap and len(first.split()) >= 5:
            return _terminate(first)
    picked = summarize(item, max_sentences=1, cap=cap)
    return picked or None
