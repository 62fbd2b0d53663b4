"""Commodity ids, display names, market order and the words that name them.

The ids are those of DESIGN.md's price-item schema. ``COMMODITY_NAMES`` maps each id to
the name shown in the email; ``MARKET_ORDER`` is the order rows appear in the price table;
``ELEMENTS`` and ``SYMBOLS`` are what the extractor uses to find commodity mentions.
"""

from __future__ import annotations

INDEX_IDS: frozenset[str] = frozenset({"creia_index", "crepi", "sunsirs_index", "mmi"})

COMMODITY_NAMES: dict[str, str] = {
    "creia_index": "CREIA price index (2010 = 100)",
    "crepi": "China Rare Earth Price Index (Baotou/Xinhua)",
    "sunsirs_index": "SunSirs rare earth index",
    "mmi": "MetalMiner Rare Earths MMI",
    "prnd_oxide": "Pr-Nd oxide",
    "prnd_metal": "Pr-Nd metal",
    "nd_oxide": "Nd oxide",
    "nd_metal": "Nd metal",
    "pr_oxide": "Pr oxide",
    "pr_metal": "Pr metal",
    "dy_oxide": "Dy oxide",
    "dy_metal": "Dy metal",
    "dyfe": "Dy-Fe alloy",
    "tb_oxide": "Tb oxide",
    "tb_metal": "Tb metal",
    "gd_oxide": "Gd oxide",
    "gd_metal": "Gd metal",
    "gdfe": "Gd-Fe alloy",
    "ho_oxide": "Ho oxide",
    "ho_metal": "Ho metal",
    "hofe": "Ho-Fe alloy",
    "er_oxide": "Er oxide",
    "y_oxide": "Y oxide",
    "eu_oxide": "Eu oxide",
    "sm_oxide": "Sm oxide",
    "lu_oxide": "Lu oxide",
    "sc_oxide": "Sc oxide",
    "yb_oxide": "Yb oxide",
    "tm_oxide": "Tm oxide",
    "la_oxide": "La oxide",
    "la_metal": "La metal",
    "ce_oxide": "Ce oxide",
    "ce_metal": "Ce metal",
    "lace_metal": "La-Ce metal",
    "lace_oxide": "La-Ce oxide",
    "re_carbonate": "Mixed RE carbonate",
    "monazite": "Monazite",
    "ionic_ore": "Ionic RE concentrate",
}

#: Rows of the price table come in this order; unknown ids follow, alphabetically.
MARKET_ORDER: tuple[str, ...] = tuple(COMMODITY_NAMES)

#: Units in table order.
UNIT_ORDER: tuple[str, ...] = ("CNY/t", "CNY/kg", "USD/kg", "USD/t", "points")

#: element word -> (symbol, oxide formulas). The id stem is the lower-cased symbol.
ELEMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "neodymium": ("Nd", ("Nd2O3",)),
    "praseodymium": ("Pr", ("Pr6O11", "Pr2O3")),
    "dysprosium": ("Dy", ("Dy2O3",)),
    "terbium": ("Tb", ("Tb4O7", "Tb2O3")),
    "lanthanum": ("La", ("La2O3",)),
    "cerium": ("Ce", ("CeO2", "Ce2O3")),
    "gadolinium": ("Gd", ("Gd2O3",)),
    "europium": ("Eu", ("Eu2O3",)),
    "yttrium": ("Y", ("Y2O3",)),
    "holmium": ("Ho", ("Ho2O3",)),
    "erbium": ("Er", ("Er2O3",)),
    "samarium": ("Sm", ("Sm2O3",)),
    "lutetium": ("Lu", ("Lu2O3",)),
    "scandium": ("Sc", ("Sc2O3",)),
    "ytterbium": ("Yb", ("Yb2O3",)),
    "thulium": ("Tm", ("Tm2O3",)),
}

#: id stems that have a metal id in the schema (others fall back to the oxide).
METAL_STEMS: frozenset[str] = frozenset(
    {"prnd", "nd", "pr", "dy", "tb", "gd", "ho", "la", "ce", "lace"}
)
#: id stems with a ferro-alloy id.
FERRO_STEMS: frozenset[str] = frozenset({"dy", "gd", "ho"})


def commodity_id(stem: str, form: str) -> str:
    """The id for an element stem (``nd``, ``prnd``) in a form (oxide/metal/ferro)."""
    if form == "ferro" and stem in FERRO_STEMS:
        return f"{stem}fe"
    if form in {"metal", "ferro"} and stem in METAL_STEMS:
        return f"{stem}_metal"
    return f"{stem}_oxide"


def display_name(commodity: str) -> str:
    """Display name of a commodity id (the id itself when unknown)."""
    return COMMODITY_NAMES.get(commodity, commodity)


def market_rank(commodity: str) -> tuple[int, str]:
    """Sort key putting indices first, then Pr-Nd, Nd, Pr, Dy, Tb, ..."""
    try:
        return (MARKET_ORDER.index(commodity), "")
    except ValueError:
        return (len(MARKET_ORDER), commodity)
