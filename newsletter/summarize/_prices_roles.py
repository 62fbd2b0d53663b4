"""What a number is doing in its sentence: the cue words and context tests the price
extractor (``prices.py``) uses to decide whether a value is a level, a change, a previous
level, history or nothing, and whether a change is measured from the last quote.

Every pattern here was written for a class of real sentences; ``bench/prices.py`` lists the
held-out batches they came from, and ``tests/test_prices.py`` holds a paraphrase of each.
"""

from __future__ import annotations

import re
from datetime import date

from newsletter.summarize._prices_lex import _DIR, _MONTH_RE, Value

_LEVEL_CUE = re.compile(
    r"\b(?:(?<!-)to(?!-)|at|was|were|is|are|be|stood|standing|reach\w*|hit|closed|closing|ended|settled"
    r"|quoted|priced|assessed|trading|traded|(?<!an\s)(?<!on\s)averag\w*|posted|came\s+in|fetched|sold|offered"
    r"|done|listed|registered|registering|recorded|valued|reading|value|landing|landed)\b|[:=]",
    re.I,
)
_PREV_CUE = re.compile(
    r"\b(?:(?<!ranged\s)(?<!ranges\s)(?<!ranging\s)from|(?<!more\s)(?<!less\s)than|versus|vs\.?|compared\s+(?:with|to)"
    r"|against|previous(?:ly)?|prior)\b",
    re.I,
)
_FORECAST_CUE = re.compile(
    r"\b(?:expected|expects?|forecast(?:s|ed|ing)?|projected|predicts?|predicted|as\s+long\s+as|unless"
    r"|will(?!\s+(?:sell|offer|list)\b)|could"
    r"|might|would|targets?|targeted|aims?|likely|(?-i:may)|(?:agreed|agrees|plans?|planned)\s+to)\b",
    re.I,
)
_NOT_PRICE_CUE = re.compile(
    r"\b(?:premium|discount|spread|differential|gap|margin"
    r"|(?<!now\s)(?<!currently\s)(?<!still\s)(?<!which\s)(?<!that\s)costs?|tariffs?|duty|duties|subsid\w+"
    r"|royalt\w+|floor\s+price|price\s+floor|(?:minimum|floor)\s+(?:price\s+)?of|revenue|profit|guarantee\w*|price\s+support"
    r"|(?:key|psychological|important|critical)\s+(?:price\s+)?(?:levels?|marks?|thresholds?)"
    r"|(?:support|resistance)\s+levels?|thresholds?)\b",
    re.I,
)
_POST_DIR = re.compile(
    r"\s?(?:(?P<up>increase|rise|gain|jump|climb|higher|up|improvement|advance|surge|rally)"
    r"|(?P<down>decrease|decline|drop|fall|loss|lower|down|slump|plunge|dip|slide))\b",
    re.I,
)
_HIST_CUE = re.compile(
    r"\b(?:since\b[^,;]*,?\s*when|back\s+then|at\s+the\s+time|in\s+(?:\w+\s+)?(?:of\s+)?last\s+year"
    r"|peaked|once|after\s+(?:\S+\s+){0,4}at)\b", re.I
)
#: a sentence opening on a past year ("By June of 2013, ...") is history throughout
_LEAD_PAST_YEAR = re.compile(
    r"^\W*(?:by|in|during|back\s+in|as\s+of|at)\s+"
    r"(?:the\s+(?:end|start|beginning|middle|close)\s+of\s+)?(?:early\s+|late\s+|mid-?)?"
    rf"(?:{_MONTH_RE}\.?\s+(?:of\s+)?)?"
    r"(?P<y>(?:19|20)\d\d)\b",
    re.I,
)
#: a base value ("baseline began ... with a reading of 100") is not a level
_BASE_CUE = re.compile(r"\bbase(?:line|\s+period|\s+year|\s+value)?\b", re.I)
#: values separated only by a comma or "and" continue a list and share a role
_LIST_GAP = re.compile(
    r"\s*(?:,\s*(?:and|or)?|and|or)\s*(?:(?:US\$|\$\s?US|\$|¥|RMB|CNY|USD|Yn)\s*)?", re.I
)
_FAR_REF = re.compile(
    r"\s*(?:from|since|compared\s+(?:with|to)|off|below|above|than)\s+(?:the\s+|its\s+|a\s+)?"
    r"(?:highest|lowest|peak|high|low|record"
    rf"|(?:start|beginning|end)\s+of\s+(?!(?:the\s+|this\s+)?week|{_MONTH_RE}\b)"
    r"|year|early|same|last\s+year|cycl\w*|\w+\s+high|\w+\s+low|\w+\s+peak)",
    re.I,
)
_FORWARD = re.compile(
    r"^\s*(?:(?:ex-?works|exw|fob|cif|ddp|duty[- ]paid|delivered)(?:\s+\w+)?\s+)?"
    r"(?:(?:in|for|of|on)\s+(?:the\s+)?(?:(?:prices?|quotations?|quotes?)\s+(?:of|for)\s+)?)"
    r"(?:[\d.]+(?:\s?[-–]\s?[\d.]+)?\s?(?:%|pc|pct)\s+(?:min\.?\s+)?)?$",
    re.I,
)
_BY = re.compile(
    r"(?<![\w])by\s*(?:(?:some|about|around|approximately|roughly|nearly|almost|over)\s+)?"
    r"(?:[$¥]|US\$|RMB|CNY|USD|Yn)?\s*$",
    re.I,
)
_PAST_YEAR = re.compile(
    rf"\s*(?:,\s*)?(?:in|during|back\s+in|between)\s+(?:early\s+|late\s+|mid-?)?(?:{_MONTH_RE}\.?\s+)?"
    r"(?P<y>(?:19|20)\d\d)\b",
    re.I,
)
#: a value stated for another year than the quote's ("rising to over $1400 per kg the
#: following year") is history
_OTHER_YEAR = re.compile(
    r"\s*(?:,\s*)?(?:in\s+|during\s+)?the\s+(?:following|next|previous|prior|preceding)\s+year\b",
    re.I,
)
#: a year in a change's clause ("40% higher than the level at end of 2009"): the change is
#: measured from that year, not from the last quote
#: a direction word, then a new clause before the value ("also rebounded, with partial
#: credit transactions of 755,000 yuan/ton"): the value is a level, not the move's size
_CLAUSE_AFTER = re.compile(r"\s*[,;]\s*(?:\S+\s+){3,}\S*$")
_COUNT_CUE = re.compile(
    r"\b(?:tracking|tracks|covering|covers|comprising|comprises|consist(?:s|ing)\s+of"
    r"|made\s+up\s+of|basket\s+of)\s+$", re.I)
#: "with several trades below 480,000 yuan/mt": a bound on some deals, not the quote
_SOME_TRADES = re.compile(
    r"\b(?:trades?|transactions?|deals?|offers?)\s+(?:\w+\s+){0,2}(?:below|above|under|over)\s+$",
    re.I)
_MARK_AFTER = re.compile(r"\s*(?:mark|threshold|barrier|milestone)\b", re.I)
_HELD = re.compile(r"\b(?:unchanged|flat|steady|stable)\b", re.I)
_YEARS_AGO = re.compile(
    r"\s*,?\s*(?:some\s+|about\s+|nearly\s+|just\s+)?(?:a|one|two|three|four|five|six|seven"
    r"|eight|nine|ten|\d+)\s+(?:years?|decades?)\s+ago\b", re.I)
#: "hit a record $190/kg in 2022 and now trades at $62/kg": back to the present
_NOW = re.compile(r"\b(?:now|today|currently|presently|and|but|while|whereas)\b", re.I)
_YEAR_START = re.compile(
    r"\b(?:at|in)\s+the\s+(?:beginning|start)\s+of\s+(?:the|this)\s+year\b", re.I)
_IN_YEAR = re.compile(
    rf"\b(?:in|during)\s+(?:early\s+|late\s+|mid-?)?(?:{_MONTH_RE}\.?\s+)?(?P<y>(?:19|20)\d\d)\b",
    re.I)
_THATS_A = re.compile(
    r"^\W*(?:That|This|It)(?:'s|’s|\s+is|\s+was|\s+marks?|\s+represents?)\s+(?:an?\s+)?"
    r"(?P<n>\d+(?:\.\d+)?)[- ]?(?:%|percent|per\s?cent)\s+"
    r"(?:(?P<up>increase|rise|gain|jump|surge)|(?P<down>decrease|drop|fall|decline|slump))\b",
    re.I)
_FOB = re.compile(r"\b(?:FOB|CIF|free\s+on\s+board)\b", re.I)
_EXTREME_OF = re.compile(
    r"\b(?:from|than|since|below|above|compared\s+(?:with|to))\s+(?:the\s+|its\s+|a\s+)?"
    r"(?:highest|lowest|peak|record|high|low)\b[^,;]{0,30}\bof\s+$", re.I)
_START_AFTER = re.compile(
    r"\s*(?:at|on|from|in)\s+the\s+(?:beginning|start)\s+of\s+(?:the\s+|this\s+)?"
    r"(?:month|year|week|quarter)\b", re.I)
_EXTREME = re.compile(r"\b(?:highest|lowest|peak|record|all-time)\b", re.I)
_OTHER_SUBJECT = re.compile(r"\b(?:whilst|whereas|while)\b", re.I)
#: "jumped 40% since early July", "up 36 percent from November 2016": a change over a
#: stated period, kept like a year-on-year one (when no shorter change is stated)
_SINCE_MONTH = re.compile(
    rf"\s*(?:since|from)\s+(?:early\s+|late\s+|mid-?)?(?:the\s+(?:start|beginning|end)\s+of\s+)?"
    rf"(?:{_MONTH_RE}\b\.?(?!\s*\d{{1,2}}\b)|(?:the|this|last)\s+month\b"
    r"|(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+year|this\s+year|(?:19|20)\d\d)\b)", re.I)
_COMPARED = re.compile(r"\b(?:than|from|since|compared\s+(?:with|to)|against|over)\b", re.I)
_YEAR_IN = re.compile(r"(?<![\d,.])(?:19|20)\d\d(?![\d,])")
_PARENS = re.compile(r"\([^()]{0,40}\)")
_CONVERSION = re.compile(
    r"\s*(?:\(|\[)\s*(?:≈|~|about|approx\.?|approximately|around|or|equivalent\s+to|i\.e\.)?\s*"
    r"(?:US\$|\$\s?US|\$|¥|RMB|CNY|USD)?\s*",
    re.I,
)
_FORWARD_GAP = re.compile(
    r"[\s,:)]*(?:(?:per|a)\s+(?:metric\s+)?\w+)?"
    r"(?:\s+(?:for|in|on|during|over)\s+(?:the\s+|this\s+|last\s+)?\w+)?[\s,:]*"
    r"(?:(?:the\s+)?(?:prices?|quotes?|quotations?)\s+(?:of|for)\s+)?"
    r"(?:(?:for|of)\s+)?(?:the\s+)?",
    re.I,
)
#: what may precede a value bound to the commodity after it: "At", "Closing at", nothing
_FORWARD_LEAD = re.compile(
    r"[\W\d]*(?:(?:\w+ing\s+)?(?:at|around|to)|with\s+a|\w+\s+(?:at|of)"
    r"|(?:following|after|with)\s+an?\s+[\d.,]+\s*(?:%|percent|per\s?cent|pc)\s+\w+\s+(?:to|at))?\s*"
    r"(?:US\$|\$\s?US|\$|¥|RMB|CNY|USD)?\s*",
    re.I,
)
#: an opening "At CNY 27,500 ($4,494) per metric ton, ..." phrase, nothing priced after it
#: up to the commodity ("the week finished with no movement for rare earth carbonate")
_LEAD_PHRASE = re.compile(
    r"[\s)]*(?:(?:per|a)\s+(?:metric\s+)?\w+)?\s*,(?=[^\d]*$)", re.I
)
#: a change against a year earlier ("a year-on-year decrease of", "up 8.5% y-o-y") or the
#: start of the year ("up 56.15% year-to-date"): kept only when no shorter change is stated
_YOY = re.compile(
    r"\W{0,3}(?:year[- ]on[- ]year|y-?o-?y\b|(?:so\s+far\s+)?this\s+year\b|year[- ]to[- ]date|ytd\b"
    r"|(?:from|than|compared\s+(?:with|to))\s+a\s+year"
    r"\s+(?:earlier|ago|before)|(?:from|than|compared\s+(?:with|to))\s+the\s+same\s+"
    r"(?:period|time|month|week)\s+(?:of\s+)?last\s+year)",
    re.I,
)
#: a shorter-period comparison stated as no change ("the same month-on-month", "flat WoW")
_SHORTER_FLAT = re.compile(
    r"\b(?:the\s+same|flat|unchanged|stable|steady)\s+(?:as\s+)?(?:month[- ]on[- ]month|"
    r"week[- ]on[- ]week|day[- ]on[- ]day|m-?o-?m|w-?o-?w|MoM|WoW|DoD|from\s+(?:the\s+)?"
    r"(?:previous|last)\s+(?:day|week|month))",
    re.I,
)
_EXPLICIT_CREPI = re.compile(r"\b(?:Xinhua|Baotou|CREPI)\b", re.I)
_EXPLICIT_CREIA = re.compile(
    r"\b(?:CREIA|ACREI|CARI|Industry\s+Association|Association\s+of\s+Chin(?:a|ese)"
    r"|2010\s*=\s*100|2010\s+baseline)\b", re.I
)


def _role(v: Value, ctx: str, sentence_before: str, after: str) -> str:
    """Role of a value from the words between it and the previous token of the segment."""
    if v.kind in {"mult", "qty", "time"}:
        return "ignore"
    if _COUNT_CUE.search(ctx) or _MARK_AFTER.match(after) or _SOME_TRADES.search(ctx):
        return "ignore"  # "tracking 14 rare earth prices", "crossing the $100/kg mark"
    if re.search(r"\bafter\s+(?:\w+\s+){0,3}$", ctx) and _HELD.search(sentence_before):
        return "ignore"  # "held unchanged at 12,200 yuan/mt, after a cut of 3.2% in May"
    if v.kind == "money" and v.currency not in {"CNY", "USD"} and not (
            v.column and v.currency is None):
        return "ignore"
    if _HIST_CUE.search(ctx) or _EXTREME_OF.search(ctx):
        return "prev"  # "... from the highest point in the cycle of 1000 points"
    if _FORECAST_CUE.search(ctx) or _NOT_PRICE_CUE.search(ctx):
        return "ignore"
    prev = [] if v.spanned else list(_PREV_CUE.finditer(ctx))
    if (
        prev
        and not _LEVEL_CUE.search(ctx, prev[-1].end())
        and not _DIR.search(ctx, prev[-1].end())
        and len(ctx[prev[-1].end() :].split()) <= 6
    ):
        return "prev"
    if v.sign:
        return "change"
    if _BY.search(ctx):  # "... and Dy oxide by 20,000 yuan/t to ...": the verb was elided
        last = list(_DIR.finditer(sentence_before))
        v.sign = -1 if last and last[-1].group("down") else 1
        return "change"
    dirs = list(_DIR.finditer(ctx))
    lvls = list(_LEVEL_CUE.finditer(ctx))
    if dirs and (not lvls or dirs[-1].start() > lvls[-1].start()) and not _CLAUSE_AFTER.match(
            ctx, dirs[-1].end()):
        v.sign = 1 if dirs[-1].group("up") else -1
        return "change"
    post = _POST_DIR.match(after)
    if post and (
        v.kind in {"pct", "points"}
        or (v.kind == "money" and post.group(0).strip().lower() not in {"up", "down"})
    ):  # "a 2.21% increase", "12 points lower", "5,000 yuan/mt higher"
        v.sign = 1 if post.group("up") else -1
        v.end += post.end()
        return "change"
    if v.kind == "pct":
        return "ignore"  # a share, a purity, a turnover rate: not a change without direction
    if _START_AFTER.match(after) and not re.search(r"\bto\s+(?:\S+\s+){0,2}$", ctx):
        return "prev"  # "which was 433,000 yuan/ton from the beginning of the month" (but
        # "lowered by 30% to around US$ 37.5 per kg from the beginning of this year")
    return "level"


def _far_ref(s: str, end: int, raw: str = "", as_of: date | None = None) -> bool:
    """A change measured from a cycle high, the start of the year, a past year, ...

    (anywhere in the rest of its clause; ``raw`` is the unmasked sentence, where years
    are still visible)."""
    stop = min((i for i in (s.find(",", end), s.find(";", end)) if i >= 0), default=len(s))
    if any(_FAR_REF.match(s, i) for i in range(end, stop) if i == end or s[i].isspace()):
        return True
    # "40% higher than the level at end of 2009": the change's own comparison names a
    # past year (not a later phrase: "up 10% from a month ago and the highest since 2015")
    this_year = (as_of or date.today()).year
    first = _COMPARED.search(raw, end, stop)
    if first is None:
        return False
    near = min(stop, first.end() + 40)
    seg_end = min(stop, first.end() + 60)
    if (cut := re.search(r"\band\b", raw[first.end() : seg_end])) is not None:
        seg_end = first.end() + cut.start()
    if _EXTREME.search(raw, first.end(), seg_end):
        return True  # "down 78% from RMB 1.4M/t ($220000/t) at the highest point in 2011"
    return any(int(y.group(0)) < this_year for y in _YEAR_IN.finditer(raw, first.end(), near))


def _after_other_subject(s: str, start: int, pos: int) -> bool:
    """A "whilst/whereas/while" clause between the commodity and the value: the value is
    about another subject ("Chinese domestic prices for the same products")."""
    return bool(_OTHER_SUBJECT.search(s, start, pos))


def _clause_start(s: str, pos: int) -> int:
    """Start of the clause holding ``pos`` (after the last , ; : or sentence start)."""
    cut = max(s.rfind(c, 0, pos) for c in ",;:")
    return cut + 1 if cut >= 0 else 0


def _historical(s: str, end: int, as_of: date | None) -> bool:
    """A value stated for a past year ("hit $80/kg in 2022", "$6 a pound three years ago")
    is history, not a quote."""
    if _OTHER_YEAR.match(s, end) or _YEARS_AGO.match(s, end):
        return True
    m = _PAST_YEAR.match(s, end)
    return m is not None and int(m.group("y")) < (as_of or date.today()).year


def _past_clause(s: str, start: int, as_of: date | None) -> bool:
    """The value's clause names a past year before it ("was high in 1993 at $372,000/kg")."""
    this_year = (as_of or date.today()).year
    if any(not _NOW.search(s, m.end(), start) for m in _YEAR_START.finditer(s, 0, start)):
        return True  # "at the beginning of the year, the CIF price ... was about $6/kg"
    return any(int(m.group("y")) < this_year and not _NOW.search(s, m.end(), start)
               for m in _IN_YEAR.finditer(s, _clause_start(s, start), start))


def _past_sentence(s: str, as_of: date | None) -> bool:
    """The sentence opens on a past year ("By June of 2013, the MMI plummeted to 29")."""
    m = _LEAD_PAST_YEAR.match(s)
    return m is not None and int(m.group("y")) < (as_of or date.today()).year
