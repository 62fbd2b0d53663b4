"""Price basis: where and how a price is quoted, read from the sentence that states it.

Ids (``PriceItem.basis``): ``exw_china_vat`` (China ex-works, 13% VAT included: how
Chinese domestic yuan prices are quoted, and the default for a yuan quote), ``exw_china_ex_vat``
(ex-works, VAT excluded: "不含税", "excluding VAT"), ``fob_china`` (free on board a Chinese
port, in dollars), ``cif_europe`` (cost, insurance and freight to Rotterdam/Europe) and
``unknown`` (a dollar quote that does not say). Indices have no basis (None).
"""

from __future__ import annotations

import re

#: China's standard VAT rate on rare-earth products, included in domestic quotes.
CHINA_VAT = 0.13

BASES: dict[str, str] = {
    "exw_china_vat": "China ex-works, incl. 13% VAT",
    "exw_china_ex_vat": "China ex-works, excl. VAT",
    "fob_china": "FOB China",
    "cif_europe": "CIF Europe (Rotterdam)",
    "unknown": "basis not stated",
}

_FOB = re.compile(r"\bFOB\b|\bfree\s+on\s+board\b|离岸价?|出口价", re.I)
_CIF = re.compile(r"\bCIF\b|\bRotterdam\b|\bEurope(?:an)?\b|\bin\s+Europe\b|到岸价?|鹿特丹|欧洲",
                  re.I)
_EX_VAT = re.compile(r"\b(?:excl(?:uding|\.)?|ex|without|net\s+of)[- ]VAT\b|\bVAT[- ]excluded\b"
                     r"|不含(?:增值)?税|除税", re.I)


def basis_of(sentence: str, unit: str) -> str | None:
    """The basis of a quote in ``unit`` stated in ``sentence`` (or the default).

    Yuan quotes are China ex-works (VAT included unless the sentence says it is not);
    dollar quotes are FOB China or CIF Europe when the sentence says so, else unknown.
    """
    if unit == "points" or not unit:
        return None
    if unit.startswith("CNY"):
        if _EX_VAT.search(sentence):
            return "exw_china_ex_vat"
        return "exw_china_vat"
    if _FOB.search(sentence):
        return "fob_china"
    if _CIF.search(sentence):
        return "cif_europe"
    return "unknown"


def basis_label(basis: str | None) -> str:
    """The basis in words for the email ("China ex-works, incl. 13% VAT"); "" for none."""
    return BASES.get(basis or "", "")
