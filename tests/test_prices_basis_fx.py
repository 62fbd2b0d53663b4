"""Price basis, several sources in one row, and USD equivalents from the ECB's rates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from newsletter.collect._fx import parse_ecb_rates
from newsletter.exceptions import ParseError
from newsletter.summarize.fx import add_usd, latest_rate
from newsletter.summarize.price_table import price_table
from newsletter.summarize.prices import extract_prices
from newsletter.types import PriceItem, Source

DAY = date(2026, 11, 25)
ECB = Source(name="ecb", title="ECB", kind="feed", url="https://www.ecb.europa.eu/x.xml",
             role="fx")


def basis(text: str) -> list[tuple[str, str, str | None]]:
    return [(i.commodity, i.unit, i.basis) for i in extract_prices(text, as_of=DAY)]


@pytest.mark.parametrize(("text", "want"), [
    ("Pr-Nd oxide was 599,000-601,000 yuan/mt.", "exw_china_vat"),
    ("Pr-Nd oxide was 599,000-601,000 yuan/mt excluding VAT.", "exw_china_ex_vat"),
    ("Dysprosium oxide 99.5% min FOB China was $230-235/kg.", "fob_china"),
    ("Dysprosium oxide in Rotterdam was assessed at $850/kg.", "cif_europe"),
    ("Dysprosium oxide CIF Europe was $850/kg.", "cif_europe"),
    ("Dysprosium oxide was $850/kg.", "unknown"),
    ("氧化镨钕报价60万元/吨。", "exw_china_vat"),
    ("稀土精矿以外,氧化镨钕不含税价格为53万元/吨。", "exw_china_ex_vat"),
    ("欧洲镝价达每公斤850美元。", "cif_europe"),
])
def test_basis_is_read_from_the_sentence(text: str, want: str) -> None:
    got = basis(text)
    assert len(got) == 1 and got[0][2] == want


def test_a_dollar_conversion_of_a_yuan_quote_keeps_its_basis() -> None:
    got = basis("Terbium oxide closed at CNY 3,750 ($610.91) per kilogram.")
    assert got == [("tb_oxide", "CNY/kg", "exw_china_vat"),
                   ("tb_oxide", "USD/kg", "exw_china_vat")]


def test_a_chinese_basis_belongs_to_its_clause_and_english_after_chinese_is_read() -> None:
    text = ("11月25日,镨钕氧化物价格上涨5000元/吨至60.1万元/吨,氧化镝不含税价格为145万元/吨。"
            "Dysprosium oxide FOB China was $230-235/kg.")
    assert basis(text) == [("prnd_oxide", "CNY/t", "exw_china_vat"),
                           ("dy_oxide", "CNY/t", "exw_china_ex_vat"),
                           ("dy_oxide", "USD/kg", "fob_china")]


def test_an_index_has_no_basis() -> None:
    assert basis("The CREIA price index rose to 306.4 points.") == [
        ("creia_index", "points", None)]


def P(low: float, day: date, source: str, *, unit: str = "CNY/t", basis: str | None = None,
      cid: str = "prnd_oxide") -> PriceItem:
    return PriceItem(cid, "price", low, low, unit, as_of=day, source=source, basis=basis)


def test_two_bases_are_never_one_row() -> None:
    obs = [P(230, DAY, "Argus", unit="USD/kg", basis="fob_china", cid="dy_oxide"),
           P(850, DAY, "Fastmarkets", unit="USD/kg", basis="cif_europe", cid="dy_oxide")]
    rows = price_table(obs, today=DAY, stale_days=7)
    assert [(r["basis"], r["basis_label"], r["low"]) for r in rows] == [
        ("fob_china", "FOB China", 230), ("cif_europe", "CIF Europe (Rotterdam)", 850)]


def test_a_chinese_and_an_english_source_share_a_row_and_a_difference_is_flagged() -> None:
    close = [P(600000, DAY, "SMM"), P(601000, DAY, "生意社")]
    row = price_table(close, today=DAY, stale_days=7)[0]
    assert row["sources"] == ["SMM", "生意社"] and row["disagreement"] is None
    assert row["basis_label"] == "China ex-works, incl. 13% VAT"
    apart = [P(5840000, DAY, "SMM", cid="tb_oxide"), P(5950000, DAY, "长江有色", cid="tb_oxide")]
    row = price_table(apart, today=DAY, stale_days=7)[0]
    assert row["sources"] == ["SMM", "长江有色"] and row["low"] == 5840000
    assert row["disagreement"]["pct"] == pytest.approx(1.88, abs=0.01)
    assert [d["source"] for d in row["disagreement"]["by_source"]] == ["SMM", "长江有色"]


def test_observations_stored_before_the_basis_join_the_default_row() -> None:
    obs = [P(590000, date(2026, 11, 24), "SMM"), P(600000, DAY, "SMM", basis="exw_china_vat")]
    rows = price_table(obs, today=DAY, stale_days=7)
    assert len(rows) == 1 and rows[0]["change"] == 10000


ECB_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='2026-11-24'>
\t\t\t<Cube currency='USD' rate='1.1580'/>
\t\t\t<Cube currency='JPY' rate='178.52'/>
\t\t\t<Cube currency='CNY' rate='8.2489'/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>"""


def test_ecb_xml_is_one_dated_item_and_usd_cny_is_derived_from_the_euro_rates() -> None:
    item = parse_ecb_rates(ECB_XML, ECB, ECB.url)
    assert item.published == datetime(2026, 11, 24, 14, 15, tzinfo=UTC)
    assert "EUR 1 = CNY 8.2489" in item.text
    rate = latest_rate([item], DAY)
    assert rate is not None and rate.usd_cny == round(8.2489 / 1.1580, 4) == 7.1234


@pytest.mark.parametrize("data", [b"<html><body>no</body></html>", b"not xml at all <",
                                  b"<Envelope><Cube><Cube time='x'/></Cube></Envelope>"])
def test_other_documents_are_a_clear_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError) as err:
        parse_ecb_rates(data, ECB, ECB.url)
    assert err.value.source == "ecb"


def test_usd_per_kg_ex_vat_for_china_prices_and_the_rate_stated_once() -> None:
    rate = latest_rate([parse_ecb_rates(ECB_XML, ECB, ECB.url)], DAY)
    rows = price_table([P(599000, DAY, "SMM"), P(601000, DAY, "SMM"),
                        P(5800, DAY, "SMM", unit="CNY/kg", basis="exw_china_ex_vat",
                          cid="tb_oxide"),
                        P(230, DAY, "Argus", unit="USD/kg", basis="fob_china",
                          cid="dy_oxide")], today=DAY, stale_days=7)
    fx = add_usd(rows, rate, DAY)
    assert fx["usable"] and fx["text"].startswith("USD 1 = CNY 7.1234, ECB reference rate, 24 Nov")
    prnd = next(r for r in rows if r["commodity"] == "prnd_oxide")
    assert prnd["usd_low"] == round(599000 / 1000 / 1.13 / 7.1234, 2) == 74.42
    assert prnd["usd_note"] == "ex-VAT"
    tb = next(r for r in rows if r["commodity"] == "tb_oxide")
    assert tb["usd_low"] == round(5800 / 7.1234, 2) and tb["usd_note"] == ""
    assert "usd_low" not in next(r for r in rows if r["commodity"] == "dy_oxide")


def test_a_rate_older_than_five_days_is_not_used() -> None:
    rate = latest_rate([parse_ecb_rates(ECB_XML, ECB, ECB.url)], DAY)
    rows = price_table([P(599000, date(2026, 11, 30), "SMM")], today=date(2026, 11, 30),
                       stale_days=7)
    fx = add_usd(rows, rate, date(2026, 11, 30))
    assert fx["usable"] is False and "6 days old" in fx["text"]
    assert "usd_low" not in rows[0]
    assert add_usd(rows, None, DAY)["usable"] is False


def test_a_rate_dated_after_the_edition_is_not_used() -> None:
    assert latest_rate([parse_ecb_rates(ECB_XML, ECB, ECB.url)], date(2026, 11, 23)) is None


def test_email_text_part_and_archive_state_basis_usd_and_the_rate_once() -> None:
    import json
    from html import unescape
    from pathlib import Path

    from newsletter.config import Config
    from newsletter.render import render_edition, render_web_edition

    repo = Path(__file__).resolve().parent.parent
    edition = json.loads((repo / "tests/data/edition.json").read_text(encoding="utf-8"))
    rate = latest_rate([parse_ecb_rates(ECB_XML, ECB, ECB.url)], DAY)
    rows = price_table([P(599000, DAY, "SMM"), P(601000, DAY, "生意社"),
                        P(5840000, DAY, "SMM", cid="tb_oxide"),
                        P(5950000, DAY, "长江有色", cid="tb_oxide"),
                        P(230, DAY, "Argus", unit="USD/kg", basis="fob_china",
                          cid="dy_oxide")], today=DAY, stale_days=7)
    fx = add_usd(rows, rate, DAY)
    edition["prices"] = json.loads(json.dumps(rows, default=str))
    edition["fx"] = fx
    config = Config(root=repo)
    r = render_edition(edition, config=config, list_name="daily")
    web = render_web_edition(edition, config=config)
    rate_text = "USD 1 = CNY 7.1234, ECB reference rate, 24 Nov"
    for name, body in (("html", unescape(r.html)), ("text", r.text), ("web", unescape(web))):
        flat = " ".join(body.split())
        assert flat.count(rate_text) == 1, name
        assert "China ex-works, incl. 13% VAT" in flat, name
        assert "FOB China" in flat, name
        assert "74.42" in flat and "ex-VAT" in flat, name  # Pr-Nd 599,000 yuan/t in USD/kg
        assert "SMM; 生意社" in flat, name
        assert "1.88%" in flat, name  # Tb oxide: SMM and 长江有色 differ


def test_offline_edition_from_the_recorded_chinese_and_ecb_sources(project) -> None:
    """The recorded snapshots: Chinese price sources share rows with the English ones, the
    terbium disagreement of 25 Nov is flagged, and the USD figures use the ECB rate of the
    day before the capture; no Chinese text becomes a story."""
    import json as _json
    import re

    from typer.testing import CliRunner

    from newsletter.cli import app

    runner = CliRunner()
    for args in (["collect", "--offline", "--date", "2026-11-24"],
                 ["collect", "--offline", "--date", "2026-11-25"],
                 ["build", "--date", "2026-11-25"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
    out = project / "var" / "issues" / "2026-11-25"
    edition = _json.loads((out / "edition.json").read_text(encoding="utf-8"))
    rows = {(r["commodity"], r["unit"]): r for r in edition["prices"]}
    prnd = rows[("prnd_oxide", "CNY/t")]
    assert {"SMM", "SMM 上海有色网", "CCMN 长江有色"} <= set(prnd["sources"])
    assert prnd["basis"] == "exw_china_vat" and prnd["usd_note"] == "ex-VAT"
    assert prnd["usd_low"] == round(prnd["low"] / 1000 / 1.13 / 7.1234, 2)
    tb = rows[("tb_oxide", "CNY/t")]
    assert tb["disagreement"] and tb["disagreement"]["pct"] > 1
    assert edition["fx"]["usable"] and edition["fx"]["date"] == "2026-11-24"
    text = (out / "email.txt").read_text(encoding="utf-8")
    assert text.count("USD 1 = CNY 7.1234, ECB reference rate, 24 Nov") == 1
    titles = [s["title"] for sec in edition["sections"] for s in sec["stories"]]
    assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in titles)


def test_a_schema_2_store_gains_the_basis_column_and_keeps_its_prices(tmp_path) -> None:
    from sqlalchemy import text

    from newsletter.store import open_store

    url = f"sqlite:///{tmp_path / 'newsletter.db'}"
    st = open_store(url)
    now = datetime(2026, 11, 25, 6, tzinfo=UTC)
    st.add_prices([P(600000, DAY, "SMM")], item_id=None, now=now)
    with st.begin() as c:  # a store written before the basis existed (revision 0001)
        c.execute(text("ALTER TABLE prices DROP COLUMN basis"))
        c.execute(text("UPDATE alembic_version SET version_num = '0001_baseline'"))
    st.close()
    st = open_store(url)
    try:
        old = st.price_observations(DAY)
        assert [(o.low, o.basis) for o in old] == [(600000, None)]
        # the same observation from a second source is stored once and names both
        assert st.add_prices([P(600000, DAY, "SMM 上海有色网", basis="exw_china_vat")],
                             item_id=None, now=now) == 0
        st.add_prices([P(5840000, DAY, "SMM", cid="tb_oxide", basis="exw_china_vat")],
                      item_id=None, now=now)
        got = {o.commodity: o for o in st.price_observations(DAY)}
        assert got["prnd_oxide"].source == "SMM; SMM 上海有色网"
        assert got["tb_oxide"].basis == "exw_china_vat"
        rows = price_table(list(got.values()), today=DAY, stale_days=7)
        assert [r["basis"] for r in rows] == ["exw_china_vat", "exw_china_vat"]
    finally:
        st.close()
