"""Commodity ids, display names, market order and the words that name them.

The ids are those of the price-item schema (README). Indices are defined in
:mod:`._indices`; ``COMMODITY_NAMES`` maps each id to
the name shown in the email; ``MARKET_ORDER`` is the order rows appear in the price table;
``ELEMENTS`` and ``SYMBOLS`` are what the extractor uses to find commodity mentions.
"""

from __future__ import annotations

from newsletter.summarize._indices import INDEX_IDS, INDEX_NAMES

__all__ = ["COMMODITY_NAMES", "INDEX_IDS", "MARKET_ORDER", "UNIT_ORDER", "commodity_id",
           "decimal_slip", "display_name", "market_rank"]

#: id -> the name shown in the email: the indices (``_indices.INDICES``), then products.
COMMODITY_NAMES: dict[str, str] = {
    **INDEX_NAMES,
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


#: Rough, generous bounds of each product's price in CNY/t over 2010-2026 (including the
#: 2011 spike). Only used to repair a level that is off by powers of ten, as machine
#: translations of Chinese reports write it ("890-895 million yuan/ton" for terbium oxide
#: at 8.90-8.95 million, i.e. 890-895 "wan"); a level inside its band is never touched.
PLAUSIBLE_CNY_T: dict[str, tuple[float, float]] = {
    "prnd_oxide": (1.5e5, 1.6e6), "prnd_metal": (2e5, 2e6),
    "nd_oxide": (1.5e5, 1.6e6), "nd_metal": (2e5, 2e6),
    "pr_oxide": (1.5e5, 1.6e6), "pr_metal": (2e5, 2e6),
    "dy_oxide": (3e5, 2.5e7), "dy_metal": (5e5, 3e7), "dyfe": (5e5, 2.5e7),
    "tb_oxide": (1e6, 4e7), "tb_metal": (1.5e6, 5e7),
    "gd_oxide": (2e4, 1e6), "gd_metal": (5e4, 1.5e6), "gdfe": (5e4, 1.5e6),
    "ho_oxide": (1e5, 2e6), "ho_metal": (1.5e5, 3e6), "hofe": (1e5, 2.5e6),
    "er_oxide": (8e4, 1e6), "y_oxide": (1e4, 2e6), "eu_oxide": (1e5, 4e7),
    "sm_oxide": (5e3, 5e5), "lu_oxide": (1e6, 1.5e7), "sc_oxide": (2e6, 4e7),
    "yb_oxide": (5e4, 1e6), "tm_oxide": (3e5, 1e7),
    "la_oxide": (2e3, 3e5), "la_metal": (1e4, 5e5), "ce_oxide": (2e3, 3e5),
    "ce_metal": (1e4, 5e5), "lace_metal": (1e4, 5e5), "lace_oxide": (2e3, 3e5),
    "re_carbonate": (1e4, 2e5), "monazite": (1e4, 2e5), "ionic_ore": (5e4, 1e6),
}
#: the same bounds in the other units (CNY/USD taken as 7; the bands are wide)
_PER_UNIT = {"CNY/t": 1.0, "CNY/kg": 1e-3, "USD/t": 1 / 7, "USD/kg": 1e-3 / 7}


def decimal_slip(commodity: str, unit: str, high: float) -> float:
    """The power of ten that brings a level far outside its commodity's band into it
    (1.0 when it is inside, unknown, or no power of ten fits)."""
    band = PLAUSIBLE_CNY_T.get(commodity)
    k = _PER_UNIT.get(unit)
    if band is None or k is None or high <= 0:
        return 1.0
    lo, hi = band[0] * k, band[1] * k
    if lo <= high <= hi:
        return 1.0
    for p in (1, 2, 3, 4):
        for f in ((10.0 ** -p,) if high > hi else (10.0 ** p,)):
            if lo <= high * f <= hi:
                return f
    return 1.0
