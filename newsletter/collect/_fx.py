"""Foreign-exchange reference rates collected as a source (``role = "fx"``).

The ECB publishes its euro foreign exchange reference rates once a day, around 16:00 CET,
as ``eurofxref-daily.xml``: ``<Cube time="2026-11-25"><Cube currency="USD" rate="1.0512"/>
<Cube currency="CNY" rate="7.4880"/>...``. The collector keeps it as one item: the title
names the day, the text holds one "EUR 1 = XXX rate" line per currency, ``published`` is
the reference day (14:15 UTC, when the rates are set), so the store keeps each day's rates
like any other item and the edition builder can derive USD/CNY from them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from lxml import etree

from ..exceptions import ParseError
from ..types import Item, Source

_NS = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"


def parse_ecb_rates(data: bytes, source: Source, url: str) -> Item:
    """The day's reference rates of an ECB ``eurofxref`` XML document as one item.

    Raises:
        ParseError: the document is not ECB reference-rate XML, or has no dated rates.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not ECB reference-rate XML: {exc}", source=source.name,
                         url=url) from exc
    day_cube = next((c for c in root.iter(f"{_NS}Cube", "Cube") if c.get("time")), None)
    if day_cube is None:
        raise ParseError("no <Cube time=...> element: not ECB reference-rate XML",
                         source=source.name, url=url)
    try:
        day = datetime.strptime(day_cube.get("time", ""), "%Y-%m-%d").date()
    except ValueError as exc:
        raise ParseError(f"bad reference date {day_cube.get('time')!r}", source=source.name,
                         url=url) from exc
    lines = []
    for c in day_cube:
        cur, rate = c.get("currency"), c.get("rate")
        if not cur or not rate:
            continue
        try:
            value = float(rate)
        except ValueError:
            continue
        if len(cur) == 3 and cur.isalpha() and value > 0:
            lines.append(f"EUR 1 = {cur.upper()} {value:g}")
    if not lines:
        raise ParseError(f"no rates for {day}", source=source.name, url=url)
    stamp = f"{url}#{day.isoformat()}"
    return Item(source=source.name, url=stamp, guid=stamp,
                title=f"Euro foreign exchange reference rates, {day.isoformat()}",
                published=datetime.combine(day, time(14, 15), tzinfo=UTC),
                text="\n".join(lines))
