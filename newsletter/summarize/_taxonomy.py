"""The rare-earth vocabulary behind :mod:`newsletter.summarize.relevance`.

Every term is a :class:`Term`: a human label, a category (shown in the reasons), a weight,
the lower-case *key tokens* that must be present before the term is looked for at all, and
optionally a regular expression for the exact match (phrases, case rules, exclusions).

Matching is token-driven so that the cost stays linear and small: an item's text is split
into lower-case tokens once (``[a-z0-9]+``), and only terms whose key tokens occur are
checked further. A term without a pattern is a single token (or a few spellings of one);
its count is read straight from the token counts.

Key-token groups: ``keys`` is a tuple of groups; every group must have at least one of its
tokens present. Chemical symbols ("Nd", "La", "Y", ...) are never matched on their own:
only in formulas (``Nd2O3``, ``NdFeB``, ``Pr-Nd``) or next to a price/material word
("Dy oxide", "Tb metal"), and those patterns are case-sensitive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Category weights are folded into each term's weight; the category names appear in reasons.
ELEMENT = "element"
CORE = "rare earths"
MATERIAL = "material"
FORMULA = "formula"
MAGNET = "magnets"
PRODUCER = "producer"
PROJECT = "project"
WEAK = "critical minerals"
POLICY = "policy, REE context"
PRICE = "price, REE context"
MAGNET_CONTEXT = "magnets, REE context"
DIVERSIFIED = "diversified company or place, REE context"

#: Categories that only count when the item has strong REE evidence of its own.
GATED = frozenset({POLICY, PRICE, MAGNET_CONTEXT, DIVERSIFIED})
#: Categories that are not evidence of REE relevance on their own (weak or gated).
NOT_CORE = GATED | {WEAK}


@dataclass(frozen=True)
class Term:
    """One entry of the vocabulary.

    Attributes:
        label: shown in reasons ("title mentions 'Lynas' (producer)"); when None the matched
            text itself is shown (used for formulas such as ``Dy2O3``).
        category: one of the category constants above.
        weight: evidence weight of one mention in the body (title mentions count more).
        keys: groups of lower-case tokens; each group needs one token present.
        pattern: regex for the exact match; None means "count the key tokens".
        case_sensitive: apply ``pattern`` to the original text instead of the lower-cased.
        topic: the topic this term votes for, if any.
    """

    label: str | None
    category: str
    weight: float
    keys: tuple[tuple[str, ...], ...]
    pattern: str | None = None
    case_sensitive: bool = False
    topic: str | None = None
    regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)


def _t(label: str | None, category: str, weight: float, keys: str | tuple[str, ...] |
       tuple[tuple[str, ...], ...], pattern: str | None = None, *, case: bool = False,
       topic: str | None = None) -> Term:
    """Build a term; ``keys`` may be one token, a tuple of spellings or a tuple of groups."""
    if isinstance(keys, str):
        groups: tuple[tuple[str, ...], ...] = ((keys,),)
    elif keys and isinstance(keys[0], str):
        groups = (tuple(keys),)
    else:
        groups = keys  # type: ignore[assignment]
    rx = re.compile(pattern) if pattern else None
    return Term(label, category, weight, groups, pattern, case, topic, rx)


def _phrase(words: str, *, plural: bool = False, not_followed: str | None = None) -> str:
    """A lower-case phrase regex: words joined by spaces or hyphens, word-bounded."""
    parts = [re.escape(w) for w in words.split()]
    body = r"[\s-]+".join(parts)
    if plural:
        body += "s?"
    tail = rf"(?![\s-]+(?:{not_followed}))" if not_followed else ""
    return rf"\b{body}\b{tail}"


ELEMENTS = {
    "neodymium": 1.0, "praseodymium": 1.0, "dysprosium": 1.0, "terbium": 1.0,
    "lanthanum": 0.9, "cerium": 0.8, "europium": 1.0, "gadolinium": 0.9, "holmium": 1.0,
    "erbium": 0.9, "thulium": 1.0, "ytterbium": 1.0, "lutetium": 1.0, "yttrium": 1.0,
    "scandium": 0.8, "samarium": 1.0, "promethium": 1.0,
}

SYMBOLS = ("Nd", "Pr", "Dy", "Tb", "La", "Ce", "Eu", "Gd", "Ho", "Er", "Tm", "Yb", "Lu",
           "Y", "Sc", "Sm")
_SYM = "|".join(SYMBOLS)
_FORMULA_SUFFIXES = ("2O3", "4O7", "6O11", "O2", "F3")
_FORMULA_TOKENS = tuple(f"{s}{x}".lower() for s in SYMBOLS for x in _FORMULA_SUFFIXES)
_CONTEXT_WORDS = ("oxide", "oxides", "metal", "metals", "carbonate", "fluoride", "price",
                  "prices", "alloy")

TERMS: tuple[Term, ...] = (
    # --- the 17 elements (full names: always safe) --------------------------------------
    *(_t(name, ELEMENT, w, name) for name, w in ELEMENTS.items()),
    _t("lanthanides", ELEMENT, 0.9, ("lanthanide", "lanthanides")),
    # --- "rare earth(s)" and its abbreviations ------------------------------------------
    _t("rare earths", CORE, 1.0, (("rare",), ("earth", "earths")),
       r"\brare[\s-]+earths?\b(?!-like)"),
    _t("REE", CORE, 0.9, ("ree", "rees", "hree", "hrees", "lree", "lrees"),
       r"\b[HL]?REEs?\b", case=True),
    # --- materials, formulas, minerals ---------------------------------------------------
    _t("NdFeB", MATERIAL, 1.0, ("ndfeb",), topic="technology"),
    _t("Pr-Nd", MATERIAL, 1.0, (("pr", "prnd", "ndpr"), ("nd", "prnd", "ndpr")),
       r"\b(?:Pr[-/ ]?Nd|Nd[-/ ]?Pr|PrNd|NdPr|PRND|NDPR)\b", case=True),
    _t("DyFe", MATERIAL, 1.0, ("dyfe", "dy"), r"\bDy-?Fe\b", case=True),
    _t("SmCo", MATERIAL, 0.9, ("smco", "sm"), r"\bSm-?Co\b", case=True),
    _t("didymium", MATERIAL, 1.0, "didymium"),
    _t("mischmetal", MATERIAL, 0.9, "mischmetal"),
    _t("monazite", MATERIAL, 0.8, "monazite"),
    _t("bastnaesite", MATERIAL, 1.0, ("bastnaesite", "bastnasite")),
    _t("xenotime", MATERIAL, 1.0, "xenotime"),
    _t("ionic clay", MATERIAL, 0.8, (("ionic", "ion"), ("clay", "clays", "adsorption")),
       r"\bion(?:ic|-adsorption| adsorption)[\s-]+clays?\b"),
    _t(None, FORMULA, 1.0, _FORMULA_TOKENS,
       rf"\b(?:{_SYM})(?:{'|'.join(_FORMULA_SUFFIXES)})\b", case=True),
    _t(None, FORMULA, 0.9, (tuple(s.lower() for s in SYMBOLS), _CONTEXT_WORDS),
       rf"\b(?:{_SYM})[ -](?:{'|'.join(_CONTEXT_WORDS)})\b", case=True),
    # --- magnets ------------------------------------------------------------------------
    _t("permanent magnets", MAGNET, 0.8, (("permanent",), ("magnet", "magnets")),
       _phrase("permanent magnet", plural=True), topic="technology"),
    _t("sintered magnets", MAGNET, 0.8, (("sintered",), ("magnet", "magnets", "ndfeb")),
       r"\bsintered[\s-]+(?:ndfeb[\s-]+)?magnets?\b", topic="technology"),
    _t("magnets", MAGNET_CONTEXT, 0.4, ("magnet", "magnets"), topic="technology"),
    # --- producers, magnet makers, processors ---------------------------------------------
    _t("MP Materials", PRODUCER, 1.0, (("mp",), ("materials",)), _phrase("mp materials")),
    _t("Lynas", PRODUCER, 1.0, "lynas", r"\blynas\b(?![\s-]+asset)"),
    _t("Iluka", DIVERSIFIED, 0.7, "iluka"),
    _t("Northern Rare Earth", PRODUCER, 1.0, (("northern",), ("rare",)),
       r"\bnorthern[\s-]+rare[\s-]+earths?\b"),
    _t("Shenghe", PRODUCER, 1.0, "shenghe"),
    _t("China Rare Earth Group", PRODUCER, 1.0, (("china",), ("rare",), ("group",)),
       r"\bchina[\s-]+rare[\s-]+earths?[\s-]+group\b"),
    _t("Neo Performance", PRODUCER, 1.0, (("neo",), ("performance",)),
       _phrase("neo performance")),
    _t("Energy Fuels", DIVERSIFIED, 0.5, (("energy",), ("fuels",)), _phrase("energy fuels")),
    _t("Arafura", PRODUCER, 0.9, "arafura", r"\barafura\b(?![\s-]+sea)"),
    _t("USA Rare Earth", PRODUCER, 1.0, (("usa",), ("rare",)), r"\busa[\s-]+rare[\s-]+earth"),
    _t("Ucore", PRODUCER, 1.0, "ucore"),
    _t("Vulcan Elements", PRODUCER, 1.0, (("vulcan",), ("elements",)),
       _phrase("vulcan elements")),
    _t("Solvay", DIVERSIFIED, 0.4, "solvay"),
    _t("Pensana", PRODUCER, 1.0, "pensana"),
    _t("Mkango", PRODUCER, 1.0, "mkango"),
    _t("Rainbow Rare Earths", PRODUCER, 1.0, (("rainbow",), ("rare",)),
       r"\brainbow[\s-]+rare[\s-]+earths?\b"),
    _t("Aclara", DIVERSIFIED, 0.7, "aclara", r"\baclara\b(?![\s-]+technolog)"),
    _t("Lindian", PRODUCER, 0.9, "lindian"),
    _t("Hastings Technology Metals", PRODUCER, 0.9, (("hastings",), ("technology",)),
       _phrase("hastings technology metals")),
    _t("Meteoric Resources", PRODUCER, 0.8, "meteoric", _phrase("meteoric resources")),
    _t("Northern Minerals", DIVERSIFIED, 0.6, (("northern",), ("minerals",)),
       _phrase("northern minerals")),
    _t("Australian Strategic Materials", PRODUCER, 0.8, (("strategic",), ("materials",)),
       _phrase("australian strategic materials")),
    _t("Noveon Magnetics", PRODUCER, 1.0, "noveon"),
    _t("Niron Magnetics", PRODUCER, 0.8, "niron"),
    _t("Magnequench", PRODUCER, 1.0, "magnequench"),
    _t("JL Mag", PRODUCER, 1.0, (("jl",), ("mag",)), r"\bjl[\s-]+mag\b"),
    _t("Ningbo Yunsheng", PRODUCER, 1.0, "yunsheng"),
    _t("Zhong Ke San Huan", PRODUCER, 1.0, (("san",), ("huan",)), r"\bsan[\s-]?huan\b"),
    _t("Vacuumschmelze", PRODUCER, 0.8, "vacuumschmelze"),
    _t("Torngat Metals", PRODUCER, 0.9, "torngat"),
    _t("Phoenix Tailings", PRODUCER, 1.0, (("phoenix",), ("tailings",)),
       _phrase("phoenix tailings"), topic="technology"),
    _t("ReElement Technologies", PRODUCER, 1.0, "reelement", topic="technology"),
    _t("Cyclic Materials", PRODUCER, 1.0, (("cyclic",), ("materials",)),
       _phrase("cyclic materials"), topic="technology"),
    _t("HyProMag", PRODUCER, 1.0, "hypromag", topic="technology"),
    _t("Baogang", DIVERSIFIED, 0.8, ("baogang",)),
    _t("Defense Metals", PRODUCER, 0.7, (("defense",), ("metals",)),
       _phrase("defense metals corp")),
    # --- mines, deposits and hubs ---------------------------------------------------------
    _t("Mountain Pass", PROJECT, 0.9, (("mountain",), ("pass",)), r"\bMountain Pass\b",
       case=True),
    _t("Mount Weld", PROJECT, 1.0, (("mount", "mt"), ("weld",)), r"\b(?:mount|mt\.?) weld\b"),
    _t("Bayan Obo", PROJECT, 1.0, (("bayan",), ("obo",)), _phrase("bayan obo")),
    _t("Baotou", DIVERSIFIED, 0.6, "baotou"),
    _t("Ganzhou", DIVERSIFIED, 0.6, "ganzhou"),
    _t("Kvanefjeld", PROJECT, 1.0, "kvanefjeld"),
    _t("Tanbreez", PROJECT, 1.0, "tanbreez"),
    _t("Nolans", PROJECT, 0.8, "nolans", r"\bNolans\b", case=True),
    _t("Eneabba", PROJECT, 0.9, "eneabba"),
    _t("Serra Verde", PROJECT, 0.9, (("serra",), ("verde",)), _phrase("serra verde")),
    _t("Longonjo", PROJECT, 1.0, "longonjo"),
    _t("Songwe Hill", PROJECT, 1.0, "songwe"),
    _t("Steenkampskraal", PROJECT, 1.0, "steenkampskraal"),
    _t("Halleck Creek", PROJECT, 0.9, (("halleck",), ("creek",)), _phrase("halleck creek")),
    _t("Browns Range", PROJECT, 0.9, (("browns",), ("range",)), _phrase("browns range")),
    _t("Yangibana", PROJECT, 1.0, "yangibana"),
    _t("Nechalacho", PROJECT, 1.0, "nechalacho"),
    _t("Kangankunde", PROJECT, 1.0, "kangankunde"),
    _t("Makuutu", PROJECT, 1.0, "makuutu"),
    _t("Ngualla", PROJECT, 1.0, "ngualla"),
    _t("Norra Karr", PROJECT, 1.0, (("norra",), ("karr", "kärr")), r"\bnorra k[aä]rr\b"),
    _t("Wicheeda", PROJECT, 1.0, "wicheeda"),
    _t("Bear Lodge", PROJECT, 0.8, (("bear",), ("lodge",)), r"\bBear Lodge\b", case=True),
    _t("Lofdal", PROJECT, 1.0, "lofdal"),
    # --- weak: broader than rare earths ----------------------------------------------------
    _t("critical minerals", WEAK, 0.2, (("critical", "strategic"),
                                         ("mineral", "minerals", "metals", "materials")),
       r"\b(?:critical|strategic)[\s-]+(?:minerals?|metals|raw[\s-]+materials)\b"),
    # --- policy terms: count only with REE evidence ---------------------------------------
    _t("export controls", POLICY, 0.35, (("export", "exports"),
                                          ("control", "controls", "ban", "licence", "license",
                                           "licences", "licenses", "licensing", "curbs",
                                           "restrictions")),
       r"\bexports?[\s-]+(?:controls?|bans?|licen[cs](?:es?|ing)|curbs|restrictions)\b",
       topic="policy"),
    _t("quotas", POLICY, 0.3, ("quota", "quotas"), topic="policy"),
    _t("tariffs", POLICY, 0.25, ("tariff", "tariffs"), topic="policy"),
    _t("MOFCOM", POLICY, 0.35, ("mofcom",), topic="policy"),
    _t("Ministry of Commerce", POLICY, 0.3, (("ministry",), ("commerce",)),
       _phrase("ministry of commerce"), topic="policy"),
    _t("DOE", POLICY, 0.25, ("doe",), r"\bDOE\b", case=True, topic="policy"),
    _t("Department of Energy", POLICY, 0.25, (("department",), ("energy",)),
       _phrase("department of energy"), topic="policy"),
    _t("Defense Production Act", POLICY, 0.35, (("defense",), ("production",)),
       _phrase("defense production act"), topic="policy"),
    _t("Pentagon", POLICY, 0.25, ("pentagon",), topic="policy"),
    _t("stockpile", POLICY, 0.3, ("stockpile", "stockpiles", "stockpiling"), topic="policy"),
    _t("price floor", POLICY, 0.3, (("price",), ("floor",)), _phrase("price floor"),
       topic="policy"),
    _t("critical minerals deal", POLICY, 0.3, (("critical",), ("deal", "agreement", "pact")),
       r"\bcritical[\s-]+minerals?[\s-]+(?:deal|agreement|pact|framework)s?\b",
       topic="policy"),
    # --- price terms: count only with REE evidence ----------------------------------------
    _t("yuan/t", PRICE, 0.35, ("yuan", "rmb", "cny"),
       r"\b(?:yuan|rmb|cny)\s*(?:/|per\s+)(?:m?t|tonnes?|tons?|kg|kilograms?)\b",
       topic="markets"),
    _t("$/kg", PRICE, 0.3, (("kg", "kilogram"),),
       r"(?:\$|usd|us\$)\s*(?:/|per\s+)(?:kg|kilogram)\b|\$\s?[0-9][0-9,.]*\s*(?:/|a |per )"
       r"(?:kg|kilogram)\b", topic="markets"),
    _t("price index", PRICE, 0.3, (("price", "prices"), ("index",)),
       _phrase("price index"), topic="markets"),
    _t("CREIA", PRICE, 0.4, ("creia", "acrei"), topic="markets"),
    _t("SMM", PRICE, 0.3, ("smm",), r"\bSMM\b", case=True, topic="markets"),
    _t("Asian Metal", PRICE, 0.35, (("asian",), ("metal",)), _phrase("asian metal"),
       topic="markets"),
    _t("Shanghai Metals Market", PRICE, 0.35, (("shanghai",), ("metals",)),
       _phrase("shanghai metals market"), topic="markets"),
    _t("Fastmarkets", PRICE, 0.25, ("fastmarkets",), topic="markets"),
)

#: Element names used as names of unrelated firms ("Cerium Networks", "Holmium Capital"):
#: matched case-sensitively and subtracted from the element's count.
NAME_SUFFIXES = ("Capital", "Networks", "Partners", "Ventures", "Labs", "Systems", "Software",
                 "Solutions", "Media", "Health", "Therapeutics", "Pharmaceuticals", "Advisors",
                 "Consulting", "Studios", "Games", "Realty", "Properties", "Bank", "Fund",
                 "Funds", "Inc", "LLC", "Records", "Entertainment", "Financial", "Security",
                 "Investments", "Holdings", "Hotel", "Restaurant", "Apartments", "AI")
ELEMENT_AS_NAME = re.compile(
    r"\b(" + "|".join(n.capitalize() for n in ELEMENTS) + r")\s+(?:"
    + "|".join(NAME_SUFFIXES) + r")\b")

#: Other commodities: many mentions of these, few of rare earths, means "not our story".
OTHER_COMMODITIES = frozenset({
    "lithium", "copper", "gold", "silver", "cobalt", "nickel", "graphite", "uranium", "zinc",
    "iron", "coal", "oil", "gas", "potash", "platinum", "palladium", "tin", "tungsten",
    "antimony", "gallium", "germanium", "vanadium", "manganese", "bauxite", "aluminium",
    "aluminum", "steel", "diamonds", "phosphate", "helium", "silicon", "molybdenum",
})

#: Topic vocabulary: token -> weight. Title tokens count three times.
TOPIC_WORDS: dict[str, dict[str, float]] = {
    "markets": {
        "price": 2, "prices": 2, "priced": 1, "pricing": 1.5, "demand": 1.5, "supply": 1,
        "supplies": 1, "shortage": 1.5, "oversupply": 1.5, "surplus": 1, "deficit": 1,
        "exports": 1, "imports": 1.5, "imported": 1, "shipments": 1.5, "trade": 0.5,
        "index": 1.5, "spot": 1.5, "yuan": 1.5, "tonnes": 0.5, "market": 1, "markets": 1,
        "buyers": 1, "inventories": 1.5, "inventory": 1.5, "rally": 1.5, "rallied": 1.5,
        "climbed": 1, "climbs": 1, "fell": 1, "falls": 1, "slump": 1.5, "surge": 1,
        "surged": 1, "premium": 1, "consumption": 1, "volumes": 1, "traders": 1.5,
        "quotes": 1, "quoted": 1, "weekly": 0.5, "rises": 1, "drops": 1, "dip": 1,
    },
    "policy": {
        "policy": 1.5, "controls": 2, "tariff": 2, "tariffs": 2, "quota": 2, "quotas": 2,
        "ban": 1.5, "banned": 1.5, "sanctions": 2, "government": 1, "ministry": 1.5,
        "mofcom": 2, "regulation": 1.5, "regulations": 1.5, "rules": 1, "law": 1,
        "legislation": 2, "congress": 1.5, "senate": 1.5, "parliament": 1.5,
        "pentagon": 1.5, "stockpile": 2, "stockpiling": 2, "subsidy": 1.5, "subsidies": 1.5,
        "grant": 1, "officials": 1, "minister": 1.5, "negotiations": 1, "talks": 1,
        "treaty": 1.5, "g7": 1.5, "eu": 0.5, "commission": 1, "licence": 1.5, "license": 1.5,
        "licences": 1.5,
        "licenses": 1.5, "licensing": 1.5, "security": 0.5, "administration": 1,
        "executive": 0.5, "trump": 1, "xi": 1, "truce": 2, "beijing": 0.5,
        "washington": 0.5, "white": 0.3, "national": 0.3, "bill": 1, "lawmakers": 1.5,
        "doe": 1, "restrictions": 1.5, "curbs": 1.5, "retaliation": 1.5, "geopolitical": 1,
    },
    "companies": {
        "company": 1, "shares": 1.5, "stock": 0.5, "results": 1, "revenue": 1.5,
        "profit": 1.5, "loss": 1, "earnings": 1.5, "quarter": 1, "quarterly": 1.5,
        "acquisition": 2, "acquire": 2, "acquires": 2, "merger": 2, "deal": 1,
        "offtake": 2, "financing": 1.5, "raise": 1, "raised": 1, "placement": 2,
        "project": 1, "mine": 1, "drilling": 1.5, "feasibility": 2, "resource": 0.5,
        "construction": 1, "plant": 1, "facility": 1, "production": 1, "output": 1,
        "ceo": 1, "ipo": 2, "listed": 1, "investors": 0.5, "dividend": 1.5,
        "contract": 1, "partnership": 1, "venture": 1, "expansion": 1, "commissioning": 1.5,
        "permit": 1, "shareholders": 1.5, "stake": 1.5, "asx": 1, "tsx": 1, "nasdaq": 1,
    },
    "technology": {
        "recycling": 2.5, "recycle": 2, "recycled": 2, "recycler": 2, "research": 1.5,
        "researchers": 2, "university": 1.5, "laboratory": 1.5, "lab": 1, "scientists": 2,
        "technology": 1, "separation": 1, "extraction": 0.5, "substitute": 2,
        "substitutes": 2, "alternative": 1, "ferrite": 2, "patent": 2, "patents": 2,
        "pilot": 0.5, "innovation": 1.5, "breakthrough": 2, "novel": 1.5, "method": 1.5,
        "waste": 1, "tailings": 0.5, "bioleaching": 2, "bacteria": 2, "membrane": 2,
        "electrochemical": 2, "study": 1, "r&d": 2, "free": 0.5, "motors": 0.5,
        "reduce": 0.5, "efficiency": 0.5, "process": 0.5, "startup": 1,
    },
}

TOPIC_ORDER = ("markets", "policy", "companies", "technology")


def build_index() -> dict[str, list[int]]:
    """Map each first-group key token to the indexes of the terms it can trigger."""
    index: dict[str, list[int]] = {}
    for i, term in enumerate(TERMS):
        for tok in term.keys[0]:
            index.setdefault(tok, []).append(i)
    return index


KEY_INDEX: dict[str, list[int]] = build_index()
