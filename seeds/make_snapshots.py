"""Generate the recorded snapshots in newsletter/_data/snapshots/ (run: python seeds/make_snapshots.py).

The five capture days (Monday 2026-11-23 to Friday 2026-11-27, a full working week, each
captured 06:00 UTC) replay real sources as they would have looked: WordPress RSS, FeedCreator RSS, RebelMouse RSS, Atom, Google News RSS and
HTML pages with their full chrome. All November 2026 stories are invented for the offline
demo; they describe no real event. The seed article is shared/ree/seed-article.txt, kept
character for character (mojibake included); it is published on Thursday evening, so it is
new in the newest (Friday) daily.

The week has threads with follow-ups (MIIT's Ganzhou smelter inspections: Wed, Thu, Fri; the
EU-China licence pilot: Wed, Fri; Iluka's kiln: Mon, Wed) and one price move past the
alert threshold: dysprosium oxide +3.05% day on day on Thursday 26 Nov (1.640 -> 1.690
million yuan/t, mid-points); the indices move under 2% a day.

The generated files are committed; re-running this script rewrites them identically.
"""

# ruff: noqa: E501  (story prose and page markup are kept on long lines)

import base64
import hashlib
import html
import json
import random
import shutil
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

# (key, published UTC, title, author, categories, summary paragraph(s) ...)
# Paragraphs are separated by blank lines.

REX = [
    dict(
        key="seed",
        pid=28411,
        pub="2026-11-26T20:05:00Z",
        slug="new-inner-mongolia-lab-targets-sustainable-mining-and-metallurgy-waste-utilization",
        title="New Inner Mongolia Lab Targets Sustainable Mining and Metallurgy Waste Utilization",
        author="Daniel",
        cats=["China", "Recycling", "Research"],
        seed=True,
    ),
    dict(
        key="mp10x",
        pid=28377,
        pub="2026-11-21T13:20:00Z",
        slug="mps-10x-bet-texas-as-americas-magnet-capital",
        title="MP's 10X Bet: Texas as America's Magnet Capital?",
        author="Daniel",
        cats=["MP Materials", "Magnets", "United States"],
        hl=[
            'MP Materials confirmed site work for its second magnet plant, the "10X" facility, at Northlake, Texas, lifting planned US magnet capacity to 10,000 tonnes a year.',
            "The company says Fort Worth's Independence plant produced its first commercial-scale NdFeB magnets for General Motors in October.",
            "Analysts question whether Mountain Pass feedstock and heavy rare earth supply can keep pace with the magnet build-out before 2028.",
        ],
        body="""MP Materials told investors on Friday that ground preparation has started for its second US magnet plant in Northlake, Texas, the facility the company calls "10X". Together with the Independence plant in Fort Worth, it would take MP's planned sintered neodymium-iron-boron (NdFeB) magnet capacity to roughly 10,000 tonnes a year by the end of the decade.

The company said Independence shipped its first commercial-scale magnet lots to General Motors in October and that yields were "tracking ahead of plan". Chief executive James Litinsky described the second plant as "the step from proving we can make magnets to proving America can make them at scale".

## Feedstock questions

The expansion depends on separated NdPr oxide from Mountain Pass, where output rose to 1,410 tonnes in the third quarter, and on access to dysprosium and terbium, which MP plans to separate from 2027. Several analysts on the call asked whether heavy rare earth supply would be ready in time; MP said it has "multiple pathways", including third-party feed.

## Implications for buyers

For Western magnet buyers the Texas build-out is the clearest sign yet of a non-Chinese supply chain with volume. Whether it changes pricing depends on how quickly the plants fill; for now, Chinese NdPr oxide near 600,000 yuan per tonne still sets the benchmark.""",
    ),
    dict(
        key="cn-tech",
        pid=28402,
        pub="2026-11-22T20:40:00Z",
        slug="china-tightens-technology-export-rules-for-rare-earth-separation",
        title="China Tightens Technology Export Rules for Rare Earth Separation",
        author="Daniel",
        cats=["China", "Export Controls", "Policy"],
        hl=[
            "China's Ministry of Commerce added solvent-extraction cascade design and magnet-grade alloy know-how to its catalogue of technologies prohibited or restricted from export.",
            "The update takes effect January 1, 2027 and covers licensing of process packages, engineering services and training for foreign plants.",
            "Western separation projects that rely on Chinese engineering contractors may face delays and higher costs.",
        ],
        body="""China's Ministry of Commerce (MOFCOM) and the Ministry of Science and Technology published a revised Catalogue of Technologies Prohibited or Restricted from Export on Sunday, adding detailed entries for rare earth solvent-extraction cascade design, high-purity metal reduction and magnet-grade alloy preparation.

The new entries, which take effect on January 1, 2027, require a licence for the transfer of process packages, engineering drawings, on-site commissioning services and operator training to foreign buyers. Technologies for the extraction of medium and heavy rare earths such as dysprosium and terbium move to the prohibited list.

## Why it matters

Many separation plants planned outside China have relied on Chinese engineering firms for cascade design. Industry consultants told Rare Earth Exchanges that at least four projects in Southeast Asia and Africa were in advanced talks with such contractors. The rule does not affect the export of rare earth products themselves, which are governed by the separate export control lists announced in 2025.

The move fits a pattern: Beijing controls not only material but know-how. Western governments funding separation capacity will need domestic engineering depth, not just capital.""",
    ),
    dict(
        key="iluka-kiln",
        pid=28405,
        pub="2026-11-22T23:10:00Z",
        slug="iluka-flags-kiln-fault-at-eneabba-rare-earth-refinery",
        title="Iluka Flags Kiln Fault at Eneabba Rare Earth Refinery",
        author="Daniel",
        cats=["Australia", "Iluka", "Refining"],
        hl=[
            "Iluka Resources reported a refractory failure in the rotary kiln being commissioned at its Eneabba rare earth refinery in Western Australia.",
            "The company is assessing repairs and has not yet changed its 2027 first-production target.",
            "The refinery, backed by a A$1.65 billion government loan, is Australia's flagship fully integrated rare earth project.",
        ],
        body="""Iluka Resources told the ASX on Monday morning that a section of refractory lining in the concentrate cracking kiln at its Eneabba refinery failed during hot commissioning of the front-end circuit last week. No one was injured.

The company said engineers from the kiln supplier were on site and that it would "provide an update on schedule and cost implications once the assessment is complete". Iluka reiterated that first production of separated rare earth oxides remains targeted for 2027.

## Background

Eneabba is designed to process monazite and xenotime from Iluka's stockpiles and third-party feed into separated light and heavy rare earth oxides, including dysprosium and terbium. The project is financed in part by a A$1.65 billion non-recourse loan from the Australian Government's Critical Minerals Facility. Any prolonged delay would matter beyond Iluka: Eneabba is one of the few planned non-Chinese sources of separated heavy rare earths.""",
    ),
    dict(
        key="lynas-agm",
        pid=28409,
        pub="2026-11-23T04:30:00Z",
        slug="lynas-agm-lacaze-says-heavy-rare-earths-now-core-business",
        title="Lynas AGM: Lacaze Says Heavy Rare Earths Now 'Core Business'",
        author="Daniel",
        cats=["Lynas", "Heavy Rare Earths", "Malaysia"],
        hl=[
            "Lynas CEO Amanda Lacaze told the company's AGM that heavy rare earth output from Malaysia will be doubled by 2028.",
            "Kalgoorlie cracking and leaching is running at nameplate and Mount Weld's expansion is on schedule.",
            "Lynas said its Seadrift, Texas plan remains under review pending US offtake and pricing support.",
        ],
        body="""Lynas Rare Earths chief executive Amanda Lacaze used Monday's annual general meeting in Perth to describe heavy rare earths as "core business, not an add-on", after the company's Malaysian plant produced its first commercial dysprosium and terbium oxide earlier this year.

Lacaze said Lynas aims to double heavy rare earth output at Kuantan by 2028, using feed from Mount Weld and third-party concentrates. Kalgoorlie's cracking and leaching plant is now running at nameplate, she said, and the Mount Weld expansion remains on schedule for completion in the first half of 2027.

## US plans on hold

On the Seadrift, Texas processing plant, Lacaze repeated that the project "remains under review" and that Lynas would not commit capital without a price floor or offtake support comparable to the arrangements agreed by the US Department of Defense with other producers. Shareholders approved all resolutions, including the remuneration report.""",
    ),
    dict(
        key="usar",
        pid=28420,
        pub="2026-11-24T00:35:00Z",
        slug="usa-rare-earth-starts-commissioning-stillwater-magnet-line",
        title="USA Rare Earth Starts Commissioning Stillwater Magnet Line",
        author="Daniel",
        cats=["USA Rare Earth", "Magnets", "United States"],
        hl=[
            "USA Rare Earth began commissioning the first 1,200-tonne line at its Stillwater, Oklahoma magnet plant.",
            "Initial feed is imported NdPr metal; the company plans to switch to domestic oxide from its Round Top deposit later.",
            "First customer qualification samples are due in the first quarter of 2027.",
        ],
        body="""USA Rare Earth said on Monday it has begun commissioning the first production line at its sintered magnet plant in Stillwater, Oklahoma, a line designed for 1,200 tonnes a year of NdFeB magnets.

The company said the first alloy strip-casting runs were completed last week using imported NdPr metal, and that qualification samples for customers in the automotive, drone and data-centre sectors would be shipped in the first quarter of 2027.

## From Round Top to magnets

USA Rare Earth intends to supply the plant over time from its Round Top deposit in Texas, which is rich in heavy rare earths. Until then it depends on metal from outside China, which trades at a premium. Chief executive Joshua Ballard called the start-up "a milestone for an American mine-to-magnet chain" and said the company is in talks with lenders about a second line.""",
    ),
    dict(
        key="shenghe",
        pid=28424,
        pub="2026-11-24T02:15:00Z",
        slug="shenghe-resources-lifts-stake-in-tanzanias-ngualla-project",
        title="Shenghe Resources Lifts Stake in Tanzania's Ngualla Project",
        author="Daniel",
        cats=["China", "Shenghe", "Africa"],
        hl=[
            "Shenghe Resources agreed to raise its stake in the Ngualla rare earth project in Tanzania to 51%.",
            "The deal gives the Chinese group control of one of Africa's largest undeveloped NdPr deposits.",
            "Western offtakers had been courting Ngualla's developer for feed for non-Chinese separation plants.",
        ],
        body="""Shenghe Resources, the Chengdu-listed rare earth group partly owned by China Geological Survey affiliates, said in a Shanghai exchange filing on Tuesday that it will invest US$180 million to raise its interest in the Ngualla rare earth project in Tanzania to 51%.

Ngualla hosts one of the largest undeveloped NdPr-rich carbonatite deposits in Africa. Its developer had signed memoranda with European and Japanese buyers in 2025, and the project had been seen as potential feed for separation plants outside China.

## A familiar pattern

Shenghe already holds stakes in MP Materials, Vital Metals' former Saskatoon assets and Madagascar's Ampasindava project. The company said the Ngualla concentrate would be processed "in accordance with market principles", but analysts expect most of it to flow to China. The transaction still needs approval from Tanzania's Fair Competition Commission.""",
    ),
    dict(
        key="price-index",
        pid=28426,
        pub="2026-11-24T05:40:00Z",
        slug="chinas-rare-earth-price-index-climbs-to-306-4-heavy-rare-earths-outpace-the-field",
        title="China\u2019s Rare Earth Price Index Climbs to 306.4 \u2013 Heavy Rare Earths Outpace the Field",
        author="Daniel",
        cats=["Prices", "China", "Markets"],
        hl=[
            "The China Rare Earth Industry Association price index rose 1.2 points to 306.4 on November 24.",
            "Dysprosium and terbium oxide led the gains; Pr-Nd oxide recovered to about 601,000 yuan per tonne.",
            "Traders cite year-end restocking by magnet makers and tighter heavy rare earth imports from Myanmar.",
        ],
        body="""The China Rare Earth Industry Association's price index rose to 306.4 points on Tuesday, November 24, up 1.2 points from Monday, with heavy rare earths again outpacing the light elements.

Dysprosium oxide traded at 1.63-1.64 million yuan per tonne and terbium oxide at 5.80-5.83 million yuan per tonne, according to market data collected by Rare Earth Exchanges. Praseodymium-neodymium oxide recovered to about 601,000 yuan per tonne after Monday's dip to 598,000 yuan.

## What is driving the move

Traders pointed to year-end restocking by magnet makers in Ningbo and Ganzhou and to thinner shipments of ionic clay concentrate from Myanmar's Kachin state. The index is about 4% above its October low. Buyers outside China, who pay a premium for non-Chinese material, should watch whether the domestic heavy rare earth rally carries into export quotations.""",
    ),
    dict(
        key="services",
        pid=28431,
        pub="2026-11-24T22:10:00Z",
        slug="china-expands-encouraged-services-import-list-in-coordinated-multi-ministry-move",
        title='China Expands "Encouraged Services Import" List in Coordinated Multi-Ministry Move',
        author="Daniel",
        cats=["China", "Trade"],
        hl=[
            "Seven Chinese ministries jointly expanded the catalogue of services whose import is encouraged, adding engineering design and environmental services.",
            "Rare earth relevance is indirect: mine rehabilitation and tailings services are now on the list.",
        ],
        body="""China's Ministry of Commerce and six other ministries on Tuesday published an expanded Catalogue of Encouraged Services Imports, adding 28 categories, among them industrial design, environmental testing, mine rehabilitation and tailings management services.

Imports of listed services qualify for interest subsidies and faster foreign exchange approval. The notice says the change supports "high-quality development" and the green transformation of resource industries.

For the rare earth sector the link is indirect but real: Inner Mongolia and Jiangxi host large legacy tailings and ionic clay leach sites, and foreign remediation firms may now find it easier to win contracts.""",
    ),
    dict(
        key="eu-china",
        pid=28436,
        pub="2026-11-25T01:20:00Z",
        slug="eu-and-china-agree-general-licence-pilot-for-rare-earth-magnet-exports",
        title="EU and China Agree 'General Licence' Pilot for Rare Earth Magnet Exports",
        author="Daniel",
        cats=["Europe", "China", "Export Controls"],
        hl=[
            "Brussels and Beijing agreed a six-month pilot of general export licences for NdFeB magnets shipped to verified European users.",
            "The pilot covers automotive and wind-turbine makers and cuts licence processing from 45 days to about 10.",
            "Heavy rare earth oxides and metals remain subject to case-by-case licensing.",
        ],
        body="""The European Commission and China's Ministry of Commerce agreed on Tuesday to pilot "general licences" for exports of rare earth permanent magnets to pre-verified European end users, according to a joint statement issued after trade talks in Brussels.

Under the six-month pilot, which begins in January, Chinese exporters can ship NdFeB magnets to listed automotive, wind-turbine and industrial-motor makers without applying for a separate licence for each contract. Officials said processing times, which averaged 45 days this year, should fall to about ten.

## Limits of the deal

The pilot does not cover rare earth oxides, metals or alloys containing dysprosium and terbium, which remain under case-by-case control. European industry groups welcomed the step but said it was "no substitute for building our own capacity".""",
    ),
    dict(
        key="iluka-restart",
        pid=28438,
        pub="2026-11-25T03:05:00Z",
        slug="iluka-restarts-eneabba-kiln-holds-2027-timeline",
        title="Iluka Restarts Eneabba Kiln, Holds 2027 Timeline",
        author="Daniel",
        cats=["Australia", "Iluka", "Refining"],
        hl=[
            "Iluka said repairs to the Eneabba kiln lining were completed ahead of schedule and hot commissioning has resumed.",
            "The company expects no change to its 2027 first-production target or to the A$1.8-1.9 billion capital estimate.",
            "The update follows Monday's disclosure of a refractory failure during commissioning.",
        ],
        body="""Iluka Resources said on Wednesday that repairs to the refractory lining of the cracking kiln at its Eneabba rare earth refinery were complete and that hot commissioning had resumed, two days after the company disclosed the failure.

The company said the damaged section was replaced with spare refractory held on site and that the kiln supplier had identified an uneven heat-up as the cause. Iluka said it expects no change to its target of first separated rare earth oxide in 2027 and no material change to the project's capital estimate of A$1.8-1.9 billion.

Investors had sold Iluka shares down 6% on Monday; the stock recovered most of that fall by Wednesday's close. The episode is a reminder of how unforgiving rare earth refinery start-ups are: Lynas and MP Materials both took months longer than planned to reach nameplate.""",
    ),
    dict(
        key="energy-fuels",
        pid=28441,
        pub="2026-11-25T04:10:00Z",
        slug="energy-fuels-produces-first-commercial-dysprosium-oxide-at-white-mesa",
        title="Energy Fuels Produces First Commercial Dysprosium Oxide at White Mesa",
        author="Daniel",
        cats=["Energy Fuels", "Heavy Rare Earths", "United States"],
        hl=[
            "Energy Fuels produced its first commercial batch of 99.9% dysprosium oxide at the White Mesa Mill in Utah.",
            "The company plans terbium oxide production in the first quarter of 2027.",
            "White Mesa would become the first US plant separating heavy rare earths at commercial scale.",
        ],
        body="""Energy Fuels said on Tuesday that its White Mesa Mill in Utah has produced its first commercial batch of dysprosium oxide at 99.9% purity, from monazite feed sourced in part from Chemours' Florida operations and Energy Fuels' own Donald project in Australia.

The company said the heavy rare earth circuit, retrofitted to the mill's existing solvent-extraction facilities, will produce about 40 tonnes of dysprosium oxide a year in its first phase, with terbium oxide to follow in the first quarter of 2027. Samples have been sent to magnet makers in the United States and South Korea.

If the ramp-up goes to plan, White Mesa will be the first plant in the United States to separate heavy rare earths at commercial scale, a capability that until now has sat almost entirely in China and, since 2025, in Lynas's Malaysian plant.""",
    ),
    dict(
        key="arafura",
        pid=28361,
        pub="2026-11-20T09:50:00Z",
        slug="arafura-secures-final-nolans-offtake-with-korean-buyer",
        title="Arafura Secures Final Nolans Offtake With Korean Buyer",
        author="Daniel",
        cats=["Arafura", "Australia", "Offtake"],
        hl=[
            "Arafura Rare Earths signed a binding offtake for 1,000 tonnes a year of NdPr oxide from its Nolans project with a Korean magnet group.",
            "The agreement completes the offtake book the lenders required for financial close.",
        ],
        body="""Arafura Rare Earths said on Friday it has signed a binding offtake agreement with a South Korean magnet group for up to 1,000 tonnes a year of NdPr oxide from the Nolans project in the Northern Territory, completing the offtake book required by its lending group.

The agreement runs for seven years from first production and includes a floor price mechanism. Arafura said it now expects to reach financial close on the A$1.7 billion project in the first quarter of 2027.""",
    ),
    dict(
        key="neo",
        pid=28349,
        pub="2026-11-19T15:30:00Z",
        slug="neo-performance-materials-ships-first-magnets-from-narva-plant",
        title="Neo Performance Materials Ships First Magnets From Narva Plant",
        author="Daniel",
        cats=["Neo Performance", "Europe", "Magnets"],
        hl=[
            "Neo Performance Materials shipped its first serial-production magnets from Narva, Estonia to a European automaker.",
            "The plant is Europe's largest sintered NdFeB magnet facility at 2,000 tonnes a year.",
        ],
        body="""Neo Performance Materials said its magnet plant in Narva, Estonia has shipped its first serial-production sintered NdFeB magnets to a tier-one European automotive supplier, after completing customer qualification in October.

The 2,000-tonne-a-year plant is the largest of its kind in Europe and draws oxide from Neo's Silmet separation facility in Sillamäe. Neo said the plant would reach full capacity in 2028.""",
    ),
]

# Mining.com rare-earths tag feed (full text in content:encoded)
MC_REE = [
    dict(
        key="lynas-agm",
        pid=1187214,
        pub="2026-11-23T04:12:00Z",
        slug="lynas-to-double-heavy-rare-earths-output-by-2028-ceo-tells-agm",
        title="Lynas to double heavy rare earths output by 2028, CEO tells AGM",
        author="Cecilia Jamasmie",
        cats=["Australia", "Rare Earths", "Lynas"],
        utm=True,
        body="""Lynas Rare Earths (ASX: LYC), the largest producer of separated rare earths outside China, plans to double output of heavy rare earths at its Malaysian plant by 2028, chief executive Amanda Lacaze told shareholders on Monday.

Speaking at the company's annual general meeting in Perth, Lacaze said dysprosium and terbium production, which began in Kuantan this year, was now "core business". The Kalgoorlie processing facility in Western Australia is running at nameplate capacity and the expansion of the Mount Weld mine is on track for the first half of 2027.

Lacaze said the proposed plant at Seadrift, Texas, remains under review, and that Lynas would need price support similar to the floor agreed between MP Materials and the Pentagon before committing capital.

Lynas shares rose 2.4% in Sydney.""",
    ),
    dict(
        key="iluka-kiln",
        pid=1187209,
        pub="2026-11-23T01:05:00Z",
        slug="iluka-reports-kiln-failure-at-eneabba-rare-earths-refinery",
        title="Iluka reports kiln failure at Eneabba rare earths refinery",
        author="Staff Writer",
        cats=["Australia", "Rare Earths", "Iluka"],
        body="""Iluka Resources (ASX: ILU) said on Monday that part of the refractory lining in a kiln at its Eneabba rare earths refinery in Western Australia failed during commissioning, sending its shares down 6% in early trade.

The miner said it was assessing the damage with the equipment supplier and would update the market on any impact on schedule and cost. First production remains targeted for 2027.

The A$1.8 billion refinery is backed by a A$1.65 billion loan from the Australian government and is expected to produce both light and heavy rare earth oxides.""",
    ),
    dict(
        key="mp-gm",
        pid=1187102,
        pub="2026-11-21T15:45:00Z",
        slug="mp-materials-breaks-ground-on-second-texas-magnet-plant",
        title="MP Materials breaks ground on second Texas magnet plant",
        author="Bloomberg News",
        cats=["USA", "Rare Earths", "MP Materials"],
        body="""MP Materials Corp. has begun site work for a second magnet factory in Texas, the company said, as it races to build a domestic supply chain for the permanent magnets used in electric vehicles, wind turbines and weapons.

The plant in Northlake, near Fort Worth, will lift MP's total planned magnet capacity to 10,000 tons a year. The company's first plant started supplying General Motors in October.

MP's shares have more than tripled this year after the Department of Defense agreed to buy a stake and guarantee a minimum price for its NdPr output.""",
    ),
    dict(
        key="cn-exports",
        pid=1187051,
        pub="2026-11-20T10:30:00Z",
        slug="chinas-rare-earth-exports-fall-9-in-october",
        title="China's rare earth exports fall 9% in October",
        author="Reuters",
        cats=["China", "Rare Earths", "Trade"],
        body="""China's exports of rare earths fell 9% in October from the previous month to 4,870 metric tons, customs data showed on Friday, as licensing requirements continued to slow shipments.

Exports of rare earth permanent magnets dropped 4.6% month on month to 5,210 tons, with shipments to the United States down by nearly a quarter.

For the first ten months of the year, rare earth exports were 3.1% lower than in the same period of 2025.""",
    ),
    dict(
        key="tariff",
        pid=1187290,
        pub="2026-11-24T03:20:00Z",
        slug="us-slaps-25-tariff-on-chinese-rare-earth-magnets-under-section-232",
        title="US slaps 25% tariff on Chinese rare earth magnets under Section 232",
        author="Reuters",
        cats=["USA", "China", "Rare Earths", "Tariffs"],
        utm=True,
        body="""The United States will impose a 25% tariff on imports of rare earth permanent magnets from China from January 1, the Commerce Department said on Monday, concluding a Section 232 national security investigation into processed critical minerals.

The tariff rises to 50% in 2028. Magnets from allied countries, including Japan, South Korea and the European Union, are exempt if they can show the rare earth content was not separated in China.

Automakers warned the measure would raise costs while domestic production ramps up. MP Materials, USA Rare Earth and Vulcan Elements shares rose in after-hours trade.""",
    ),
    dict(
        key="cyclic",
        pid=1187263,
        pub="2026-11-23T18:40:00Z",
        slug="cyclic-materials-opens-arizona-magnet-recycling-plant",
        title="Cyclic Materials opens Arizona magnet recycling plant",
        author="Staff Writer",
        cats=["Recycling", "Rare Earths", "USA"],
        body="""Canadian rare earth recycler Cyclic Materials has opened its first US plant in Mesa, Arizona, with capacity to process 2,000 tons a year of end-of-life magnets and manufacturing scrap into mixed rare earth oxide.

The company said the plant will recover neodymium, praseodymium, dysprosium and terbium from hard drives, electric motors and wind turbine generators. Its product will be sold to separators in North America and Europe.""",
    ),
    dict(
        key="arafura-mc",
        pid=1187302,
        pub="2026-11-24T05:10:00Z",
        slug="arafura-lenders-sign-term-sheets-for-nolans",
        title="Arafura's lenders sign term sheets for Nolans rare earths project",
        author="Staff Writer",
        cats=["Australia", "Rare Earths", "Arafura"],
        body="""Arafura Rare Earths (ASX: ARU) said on Tuesday its lending group, led by Export Finance Australia, the German KfW IPEX-Bank and Canada's EDC, has signed credit-approved term sheets for US$1.1 billion of debt for the Nolans project in the Northern Territory.

The company completed its offtake book last week and is targeting a final investment decision in the first quarter of 2027.""",
    ),
    dict(
        key="energy-fuels",
        pid=1187360,
        pub="2026-11-25T02:30:00Z",
        slug="energy-fuels-makes-first-dysprosium-oxide-in-utah",
        title="Energy Fuels makes first dysprosium oxide in Utah",
        author="Staff Writer",
        cats=["USA", "Rare Earths", "Energy Fuels"],
        utm=True,
        body="""Energy Fuels (NYSE: UUUU) says it has produced its first commercial batch of dysprosium oxide at the White Mesa Mill in Utah, making it the first US company to separate a heavy rare earth at commercial scale.

The company expects to produce about 40 tonnes a year of dysprosium oxide initially and to add terbium oxide early next year. Energy Fuels shares gained 7% in pre-market trading.""",
    ),
    dict(
        key="serra-verde",
        pid=1187371,
        pub="2026-11-25T05:00:00Z",
        slug="serra-verde-secures-us-dfc-loan-for-brazil-rare-earths-expansion",
        title="Serra Verde secures US DFC loan for Brazil rare earths expansion",
        author="Bloomberg News",
        cats=["Brazil", "Rare Earths", "Financing"],
        body="""Serra Verde, the only producer of ionic clay rare earths outside Asia, has secured a US$465 million loan from the US International Development Finance Corp. to double output at its Pela Ema mine in Goiás state, Brazil.

The expansion will lift production of mixed rare earth carbonate, rich in dysprosium and terbium, to about 10,000 tons a year by 2028. Most of the mine's output is currently sold to China under contracts that expire in 2027.""",
    ),
]

# Mining.com general feed (mostly not about rare earths)
MC_GEN = [
    dict(
        key="gold-record",
        pid=1187220,
        pub="2026-11-23T05:30:00Z",
        slug="gold-price-hits-record-on-fed-cut-bets",
        title="Gold price hits record on Fed cut bets",
        author="Bloomberg News",
        cats=["Gold", "Markets"],
        body="""Gold climbed to a record above $4,420 an ounce on Monday as traders increased bets that the Federal Reserve will cut interest rates again in December, while central-bank buying continued to support the market.

Spot gold rose as much as 1.3% in early Asian trading. Silver gained 1.8% and platinum was little changed.""",
    ),
    dict(
        key="newmont",
        pid=1187160,
        pub="2026-11-22T12:00:00Z",
        slug="newmont-agrees-to-sell-ghana-akyem-stake",
        title="Newmont agrees to sell remaining Ghana interest for $540 million",
        author="Reuters",
        cats=["Gold", "Ghana", "M&A"],
        body="""Newmont Corp. has agreed to sell its remaining interest in the Akyem gold district in Ghana to a local consortium for $540 million in cash and deferred payments, continuing its portfolio clean-up after the acquisition of Newcrest.

The world's largest gold miner said the proceeds would go to debt reduction and share buybacks.""",
    ),
    dict(
        key="copper-grasberg",
        pid=1187231,
        pub="2026-11-23T07:15:00Z",
        slug="copper-price-climbs-as-grasberg-restart-slips-again",
        title="Copper price climbs as Grasberg restart slips again",
        author="Bloomberg News",
        cats=["Copper", "Indonesia"],
        body="""Copper rose on the London Metal Exchange after Freeport-McMoRan said the full restart of the Grasberg block cave in Indonesia would slip into the second quarter of 2027, tightening an already stretched concentrate market.

Three-month copper on the LME traded up 1.1% at $11,380 a ton. Treatment charges for spot concentrate remain near zero.""",
    ),
    dict(
        key="lithium",
        pid=1187140,
        pub="2026-11-22T04:00:00Z",
        slug="lithium-price-rebounds-as-catl-mine-stays-shut",
        title="Lithium price rebounds as CATL mine stays shut",
        author="Staff Writer",
        cats=["Lithium", "China", "Battery Metals"],
        body="""Lithium carbonate futures in Guangzhou rose 4% on Friday to their highest since March, after regulators signalled that CATL's Jianxiawo lepidolite mine in Jiangxi would not restart before the spring.

Spot lithium carbonate traded at 86,500 yuan a tonne. Spodumene prices in Australia rose to $1,120 a tonne.""",
    ),
    dict(
        key="coal-india",
        pid=1187245,
        pub="2026-11-23T09:30:00Z",
        slug="coal-india-output-falls-for-fourth-month",
        title="Coal India output falls for fourth month as power demand cools",
        author="Reuters",
        cats=["Coal", "India"],
        body="""Coal India's production fell 3.2% year on year in October, the fourth consecutive monthly decline, as a wet monsoon and rising renewable generation cut demand from power plants.

Stockpiles at pithead and at power stations are at record highs, the company said.""",
    ),
    dict(
        key="iron-ore",
        pid=1187250,
        pub="2026-11-23T10:05:00Z",
        slug="iron-ore-falls-as-china-steel-output-cuts-deepen",
        title="Iron ore falls as China steel output cuts deepen",
        author="Bloomberg News",
        cats=["Iron Ore", "China", "Steel"],
        body="""Iron ore futures fell for a third day as China's steel mills extended production cuts to meet annual output caps, reducing demand for the steelmaking ingredient.

Singapore iron ore futures dropped 1.6% to $98.40 a ton, the lowest since August.""",
    ),
    dict(
        key="simandou",
        pid=1187305,
        pub="2026-11-24T06:50:00Z",
        slug="simandou-ships-one-millionth-ton-of-iron-ore",
        title="Simandou ships one-millionth ton of iron ore",
        author="Staff Writer",
        cats=["Iron Ore", "Guinea", "Rio Tinto"],
        body="""Rio Tinto and its Chinese partners at the Simandou iron ore project in Guinea have shipped their one-millionth ton of ore, less than three months after the first cargo left the Morebaya port.

The project is ramping up towards an annual capacity of 120 million tons.""",
    ),
    dict(
        key="codelco",
        pid=1187318,
        pub="2026-11-24T14:20:00Z",
        slug="codelco-october-output-drops-after-el-teniente-accident",
        title="Codelco October output drops after El Teniente accident",
        author="Reuters",
        cats=["Copper", "Chile"],
        body="""Chile's state copper miner Codelco produced 101,300 tons of copper in October, down 12% from a year earlier, as parts of its El Teniente mine remained shut following a deadly collapse earlier this year.

Chile's total copper output fell 4.8% in the month, government data showed.""",
    ),
    dict(
        key="albemarle",
        pid=1187325,
        pub="2026-11-24T16:00:00Z",
        slug="albemarle-to-restart-kings-mountain-lithium-mine",
        title="Albemarle to restart Kings Mountain lithium mine plan",
        author="Staff Writer",
        cats=["Lithium", "USA"],
        utm=True,
        body="""Albemarle Corp. said it will restart permitting work for the Kings Mountain lithium mine in North Carolina, citing higher prices and a federal loan guarantee offer, after pausing the project in 2024.

The company expects a final decision in 2028.""",
    ),
    dict(
        key="indonesia-nickel",
        pid=1187330,
        pub="2026-11-24T17:45:00Z",
        slug="indonesia-cuts-2027-nickel-ore-quotas",
        title="Indonesia cuts 2027 nickel ore mining quotas",
        author="Reuters",
        cats=["Nickel", "Indonesia"],
        body="""Indonesia will cut nickel ore mining quotas for 2027 by about 10% to 240 million wet tons, the energy ministry said, as the world's top producer seeks to support prices.

Nickel on the LME rose 2.3% to $15,900 a ton on the news.""",
    ),
    dict(
        key="barrick-mali",
        pid=1187334,
        pub="2026-11-24T19:10:00Z",
        slug="barrick-resumes-loulo-gounkoto-exports",
        title="Barrick resumes gold exports from Mali's Loulo-Gounkoto",
        author="Bloomberg News",
        cats=["Gold", "Mali", "Barrick"],
        body="""Barrick Mining Corp. has resumed gold exports from its Loulo-Gounkoto complex in Mali, a year after a dispute with the military government halted operations.

The company said it had shipped 1.2 tonnes of gold in November.""",
    ),
    dict(
        key="gold-slips",
        pid=1187362,
        pub="2026-11-25T04:40:00Z",
        slug="gold-slips-as-dollar-firms-after-strong-us-data",
        title="Gold slips as dollar firms after strong US data",
        author="Reuters",
        cats=["Gold", "Markets"],
        body="""Gold eased from its record high on Wednesday as the dollar strengthened after stronger-than-expected US consumer confidence data tempered rate-cut bets.

Spot gold was down 0.6% at $4,391 an ounce.""",
    ),
    dict(
        key="anglo-teck",
        pid=1187365,
        pub="2026-11-25T03:30:00Z",
        slug="anglo-teck-merger-wins-canadian-approval",
        title="Anglo Teck merger wins Canadian approval",
        author="Bloomberg News",
        cats=["Copper", "Canada", "M&A"],
        body="""Anglo American and Teck Resources have received approval from Canada's industry minister under the Investment Canada Act for their merger, clearing the last major hurdle for the creation of Anglo Teck.

The combined company will be headquartered in Vancouver and will be one of the world's five largest copper producers.""",
    ),
    dict(
        key="glencore-coal",
        pid=1187368,
        pub="2026-11-25T05:20:00Z",
        slug="glencore-to-cut-colombian-coal-output",
        title="Glencore to cut Colombian coal output at Cerrejón",
        author="Reuters",
        cats=["Coal", "Colombia", "Glencore"],
        body="""Glencore will cut production at its Cerrejón thermal coal mine in Colombia by a further 5 million tons next year, citing weak seaborne prices.

Newcastle coal futures are down 18% this year.""",
    ),
    dict(
        key="cameco",
        pid=1187352,
        pub="2026-11-24T21:30:00Z",
        slug="cameco-signs-long-term-uranium-deal-with-indian-utility",
        title="Cameco signs long-term uranium supply deal with Indian utility",
        author="Staff Writer",
        cats=["Uranium", "India"],
        body="""Cameco Corp. has signed a ten-year agreement to supply about 10 million pounds of uranium concentrate to Nuclear Power Corporation of India.

Spot uranium was quoted at $79.50 a pound.""",
    ),
    dict(
        key="fortescue",
        pid=1187170,
        pub="2026-11-22T07:40:00Z",
        slug="fortescue-abandons-arizona-hydrogen-project",
        title="Fortescue abandons Arizona green hydrogen project",
        author="Reuters",
        cats=["Iron Ore", "Hydrogen", "Fortescue"],
        body="""Fortescue has formally abandoned its Arizona green hydrogen project and will write down about $150 million, the iron ore miner said, as it narrows its clean-energy ambitions.

The company is focusing on decarbonising its Pilbara mining operations.""",
    ),
]

MW = [
    dict(
        key="iluka-kiln",
        aid=731201,
        pub="2026-11-23T02:40:00Z",
        slug="iluka-probes-eneabba-kiln-lining-failure-2026-11-23",
        title="Iluka probes Eneabba kiln lining failure",
        author="Esmarie Iannucci",
        cats=["RARE EARTHS"],
        body="""Mineral sands miner Iluka Resources is investigating the failure of a section of refractory lining in the rotary kiln at its Eneabba rare earths refinery, in Western Australia, with the company warning that it could not yet quantify any effect on the commissioning schedule. The A$1.8-billion refinery, which is supported by a A$1.65-billion loan from the federal government, is expected to produce separated light and heavy rare earth oxides from 2027.""",
    ),
    dict(
        key="bhp-od",
        aid=731188,
        pub="2026-11-22T23:50:00Z",
        slug="bhp-approves-olympic-dam-smelter-upgrade-2026-11-23",
        title="BHP approves A$840m Olympic Dam smelter upgrade",
        author="Esmarie Iannucci",
        cats=["COPPER"],
        body="""Diversified major BHP has approved an A$840-million upgrade of the smelter at its Olympic Dam copper operation, in South Australia, as part of its plan to lift copper output in the state to more than 500 000 t/y by the early 2030s.""",
    ),
    dict(
        key="hastings",
        aid=731140,
        pub="2026-11-21T06:00:00Z",
        slug="hastings-restarts-yangibana-financing-talks-2026-11-21",
        title="Hastings restarts Yangibana financing talks",
        author="Esmarie Iannucci",
        cats=["RARE EARTHS"],
        body="""ASX-listed Hastings Technology Metals has resumed talks with lenders over the Yangibana rare earths project, in Western Australia, after signing a revised offtake agreement with Germany's thyssenkrupp Materials Trading for mixed rare earth carbonate.""",
    ),
    dict(
        key="reserve",
        aid=731260,
        pub="2026-11-24T04:30:00Z",
        slug="strategic-reserve-signs-first-heavy-rare-earths-offtake-2026-11-24",
        title="Strategic reserve signs first heavy rare earths offtake",
        author="Esmarie Iannucci",
        cats=["CRITICAL MINERALS"],
        body="""Australia's Critical Minerals Strategic Reserve has signed its first heads of agreement, for dysprosium and terbium oxide from Lynas Rare Earths and Iluka Resources, Resources Minister Madeleine King announced. The reserve will hold up to 12 months of offtake and resell to allied buyers, the Minister said.""",
    ),
    dict(
        key="south32",
        aid=731245,
        pub="2026-11-24T01:15:00Z",
        slug="south32-lifts-hermosa-capex-estimate-2026-11-24",
        title="South32 lifts Hermosa capex estimate",
        author="Mariaan Webb",
        cats=["ZINC", "MANGANESE"],
        body="""Diversified miner South32 has raised the capital estimate for the Taylor zinc-lead-silver deposit at its Hermosa project, in Arizona, by 12% to $2.4-billion, citing labour and equipment costs.""",
    ),
    dict(
        key="northern-minerals",
        aid=731290,
        pub="2026-11-25T00:20:00Z",
        slug="northern-minerals-browns-range-gets-dfc-support-2026-11-25",
        title="Northern Minerals' Browns Range gets US backing",
        author="Esmarie Iannucci",
        cats=["RARE EARTHS"],
        body="""Heavy rare earths developer Northern Minerals has received a letter of interest from the US International Development Finance Corporation for up to $200-million in debt funding for its Browns Range project, in Western Australia, which is rich in dysprosium and terbium.""",
    ),
    dict(
        key="pilbara",
        aid=731296,
        pub="2026-11-25T02:05:00Z",
        slug="pilbara-minerals-restarts-ngungaju-plant-2026-11-25",
        title="PLS restarts Ngungaju lithium plant as prices recover",
        author="Mariaan Webb",
        cats=["LITHIUM"],
        body="""Lithium miner PLS, formerly Pilbara Minerals, will restart its Ngungaju processing plant at Pilgangoora, in Western Australia, in the March quarter, citing a recovery in spodumene prices.""",
    ),
    dict(
        key="sibanye",
        aid=731300,
        pub="2026-11-25T05:40:00Z",
        slug="sibanye-stillwater-to-close-two-shafts-2026-11-25",
        title="Sibanye-Stillwater to close two Rustenburg shafts",
        author="Martin Creamer",
        cats=["PLATINUM GROUP METALS"],
        body="""Precious metals miner Sibanye-Stillwater has begun consultations on the closure of two shafts at its Rustenburg platinum operation, in South Africa, which have reached the end of their economic lives.""",
    ),
    dict(
        key="arafura-mw",
        aid=731255,
        pub="2026-11-24T03:40:00Z",
        slug="arafura-lenders-commit-to-nolans-2026-11-24",
        title="Arafura's lenders commit to Nolans",
        author="Esmarie Iannucci",
        cats=["RARE EARTHS"],
        body="""Rare earths developer Arafura has received credit-approved term sheets from its lending syndicate for $1.1-billion in debt funding for the Nolans project, in the Northern Territory, moving it closer to a final investment decision early next year.""",
    ),
]

INN = [
    dict(
        key="top-asx",
        pub="2026-11-21T17:00:00Z",
        slug="top-asx-rare-earth-stocks",
        title="Top 5 ASX Rare Earth Stocks (Updated November 2026)",
        author="Georgia Williams",
        cats=["Rare Earth Investing"],
        body="""Rare earth stocks on the ASX have had a volatile year. Here's a look at the five best-performing companies on the exchange, with Northern Minerals, Arafura and VHM leading gains on heavy rare earth demand and government funding announcements.""",
    ),
    dict(
        key="q4-update",
        pub="2026-11-22T16:30:00Z",
        slug="rare-earths-market-update",
        title="Rare Earths Market Update: Q4 2026 in Review So Far",
        author="Melissa Pistilli",
        cats=["Rare Earth Investing", "Market Updates"],
        body="""Rare earth prices have firmed through the fourth quarter, led by dysprosium and terbium, as export licensing in China keeps supply tight. NdPr oxide has held near 600,000 yuan per tonne, while Western producers have announced new price-floor and offtake arrangements.""",
    ),
    dict(
        key="ucore",
        pub="2026-11-23T13:00:00Z",
        slug="ucore-louisiana-smc-first-production",
        title="Ucore Starts Production at Louisiana Strategic Metals Complex",
        author="Lauren Kelly",
        cats=["Rare Earth Investing", "Press Releases"],
        hostile=True,
        body="""Ucore Rare Metals announced the start of production at its Strategic Metals Complex in Alexandria, Louisiana, where its RapidSX technology will separate heavy and light rare earths. The first phase is designed for 2,000 tonnes of total rare earth oxides a year.""",
    ),
    dict(
        key="usar",
        pub="2026-11-24T01:30:00Z",
        slug="usa-rare-earth-stillwater-commissioning",
        title="USA Rare Earth Begins Commissioning Oklahoma Magnet Plant",
        author="Lauren Kelly",
        cats=["Rare Earth Investing"],
        utm=True,
        body="""USA Rare Earth (NASDAQ:USAR) has started commissioning its first magnet production line in Stillwater, Oklahoma. The company expects to send qualification samples to customers in Q1 2027 and is negotiating financing for a second line.""",
    ),
    dict(
        key="american-re",
        pub="2026-11-24T13:45:00Z",
        slug="american-rare-earths-halleck-creek-pfs",
        title="American Rare Earths Releases Halleck Creek Pre-feasibility Study",
        author="Georgia Williams",
        cats=["Rare Earth Investing", "Press Releases"],
        body="""American Rare Earths (ASX:ARR) released a pre-feasibility study for its Halleck Creek project in Wyoming, outlining a 25-year mine life, after-tax NPV of US$1.4 billion and initial capital of US$680 million.""",
    ),
    dict(
        key="energy-fuels",
        pub="2026-11-25T00:50:00Z",
        slug="energy-fuels-dysprosium-oxide-white-mesa",
        title="Energy Fuels Produces First Commercial Dysprosium Oxide in the US",
        author="Melissa Pistilli",
        cats=["Rare Earth Investing"],
        body="""Energy Fuels (NYSE American:UUUU,TSX:EFR) has produced its first commercial-scale batch of dysprosium oxide at the White Mesa Mill in Utah, the first heavy rare earth separated at commercial scale in the US. Terbium oxide production is planned for early 2027.""",
    ),
    dict(
        key="aclara",
        pub="2026-11-25T14:00:00Z",
        slug="aclara-resources-carolina-del-norte",
        title="Aclara Resources Picks Louisiana for Heavy Rare Earths Separation Plant",
        author="Lauren Kelly",
        cats=["Rare Earth Investing", "Press Releases"],
        body="""Aclara Resources has selected a site in Louisiana for its heavy rare earths separation facility, which will process ionic clay concentrate from its projects in Brazil and Chile.""",
    ),
    dict(
        key="oil",
        pub="2026-11-22T19:00:00Z",
        slug="oil-and-gas-market-update-november-2026",
        title="Oil and Gas Market Update: OPEC+ Holds Output Steady",
        author="Nicole Rashotte",
        cats=["Oil and Gas Investing"],
        body="""Oil prices were little changed after OPEC+ agreed to keep output steady through the first quarter. Brent crude traded at $71 a barrel.""",
    ),
]

SCMP = [
    dict(
        key="lynas-agm",
        nid=3334781,
        pub="2026-11-23T03:35:00Z",
        slug="australias-lynas-bets-heavy-rare-earths-china-tightens-grip",
        title="Australia's Lynas bets on heavy rare earths as China tightens its grip",
        author="Reuters",
        body="""Lynas Rare Earths, the only major producer of separated rare earths outside China, will double output of the heavy rare earths dysprosium and terbium at its plant in Malaysia by 2028, chief executive Amanda Lacaze said on Monday. Speaking at the company's shareholder meeting in Perth, Lacaze said demand from Japanese, Korean and US magnet makers far outstripped supply. The Kuantan plant began producing heavy rare earths this year, weeks after Beijing extended export controls to the elements.""",
    ),
    dict(
        key="cn-consolidation",
        nid=3334620,
        pub="2026-11-22T09:00:00Z",
        slug="china-northern-rare-earth-lifts-concentrate-price-fourth-quarter",
        title="China Northern Rare Earth lifts concentrate price as state giants tighten control",
        author="Xinmei Shen",
        body="""China Northern Rare Earth, the world's largest rare earth producer, will pay its parent Baotou Steel 13.8% more for rare earth concentrate in the fourth quarter, the company said in a filing, in the clearest sign yet that state-owned groups are pushing prices higher as Beijing consolidates the industry around two champions.""",
    ),
    dict(
        key="malaysia",
        nid=3334905,
        pub="2026-11-24T08:15:00Z",
        slug="malaysia-extends-lynas-licence-kuantan-water-leach-residue",
        title="Malaysia extends Lynas operating licence, eases rule on residue",
        author="Bhavan Jaipragas",
        body="""Malaysia's Atomic Energy Licensing Board has extended Lynas Rare Earths' operating licence for its Kuantan processing plant by ten years and dropped a condition requiring radioactive water leach purification residue to be shipped back to Australia, the company said on Tuesday.""",
    ),
    dict(
        key="eu-china",
        nid=3335012,
        pub="2026-11-25T02:50:00Z",
        slug="china-eu-agree-rare-earth-magnet-general-licence-pilot",
        title="China and EU agree pilot to speed up rare earth magnet exports",
        author="Finbarr Bermingham",
        body="""China and the European Union have agreed to pilot a "general licence" system for exports of rare earth magnets to European carmakers and wind-turbine makers, easing a bottleneck that has disrupted European factories for more than a year, according to people familiar with the talks.""",
    ),
    dict(
        key="lynas-kalgoorlie",
        nid=3334502,
        pub="2026-11-21T02:30:00Z",
        slug="lynas-kalgoorlie-plant-nameplate",
        title="Lynas says Kalgoorlie plant hits nameplate capacity",
        author="Reuters",
        body="""Lynas Rare Earths said its cracking and leaching plant in Kalgoorlie, Western Australia, reached nameplate capacity in October, reducing the company's reliance on processing in Malaysia.""",
    ),
]

GN = [
    dict(
        key="lynas-agm",
        pub="2026-11-23T03:10:00Z",
        title="Lynas chief says heavy rare earths output to double by 2028",
        outlet="Reuters",
        site="https://www.reuters.com",
    ),
    dict(
        key="lynas-afr",
        pub="2026-11-23T05:00:00Z",
        title="Lynas AGM: Lacaze shrugs off price-floor question as shareholders back pay",
        outlet="The Australian Financial Review",
        site="https://www.afr.com",
    ),
    dict(
        key="mp-cnbc",
        pub="2026-11-21T16:10:00Z",
        title="MP Materials starts work on second Texas magnet factory",
        outlet="CNBC",
        site="https://www.cnbc.com",
    ),
    dict(
        key="cn-exports",
        pub="2026-11-20T09:40:00Z",
        title="China's Rare Earth Exports Slide as Licensing Bites",
        outlet="Bloomberg.com",
        site="https://www.bloomberg.com",
    ),
    dict(
        key="tariff",
        pub="2026-11-24T02:00:00Z",
        title="US to impose 25% tariff on Chinese rare earth magnets",
        outlet="Financial Times",
        site="https://www.ft.com",
    ),
    dict(
        key="usar",
        pub="2026-11-24T03:30:00Z",
        title="USA Rare Earth begins magnet production line in Stillwater",
        outlet="Tulsa World",
        site="https://tulsaworld.com",
    ),
    dict(
        key="energy-fuels",
        pub="2026-11-25T01:40:00Z",
        title="Energy Fuels produces first US commercial dysprosium",
        outlet="Reuters",
        site="https://www.reuters.com",
    ),
    dict(
        key="iluka-restart",
        pub="2026-11-25T04:20:00Z",
        title="Iluka fixes Eneabba kiln, sticks to 2027 start",
        outlet="The West Australian",
        site="https://thewest.com.au",
    ),
    dict(
        key="eu-china",
        pub="2026-11-25T00:30:00Z",
        title="EU and China strike rare earth licence deal for carmakers",
        outlet="POLITICO Europe",
        site="https://www.politico.eu",
    ),
    dict(
        key="jogmec",
        pub="2026-11-22T06:00:00Z",
        title="Japan's JOGMEC to fund Lynas heavy rare earths expansion",
        outlet="Nikkei Asia",
        site="https://asia.nikkei.com",
    ),
    dict(
        key="stocks",
        pub="2026-11-24T18:00:00Z",
        title="Rare earth stocks rally after Washington's magnet tariff",
        outlet="Barron's",
        site="https://www.barrons.com",
    ),
    dict(
        key="vietnam",
        pub="2026-11-23T11:00:00Z",
        title="Vietnam bans export of unprocessed rare earths",
        outlet="VnExpress International",
        site="https://e.vnexpress.net",
    ),
]

DOE = [
    dict(
        key="doe-134m",
        pub="2026-11-24T15:00:00Z",
        slug="energy-department-announces-355-million-expand-domestic-critical-minerals-and-materials",
        title="Energy Department Announces $355 Million to Expand Domestic Critical Minerals and Materials Production",
        body="""WASHINGTON — The U.S. Department of Energy (DOE) today announced $355 million in funding opportunities to expand domestic production of critical minerals and materials, including rare earth elements, from coal by-products, mine tailings and other unconventional sources.

The funding includes up to $250 million for demonstration facilities that recover rare earth elements and other critical minerals from industrial by-products, and up to $105 million for pilot-scale refining and magnet recycling projects.

"America cannot depend on foreign adversaries for the materials that power our defense systems and our economy," said U.S. Secretary of Energy Chris Wright. "These investments turn waste into strategic resources."

Applications are due February 27, 2027. Selections are expected in summer 2027.""",
    ),
    dict(
        key="doe-lpo",
        pub="2026-11-20T18:30:00Z",
        slug="doe-loan-programs-office-closes-loan-guarantee-rare-earth-magnet-plant",
        title="DOE Loan Programs Office Closes Loan Guarantee for Rare Earth Magnet Plant in South Carolina",
        body="""WASHINGTON — The U.S. Department of Energy's Loan Programs Office (LPO) today closed a $620 million loan guarantee to a rare earth magnet manufacturer for a sintered magnet facility in Florence, South Carolina.

The facility is expected to produce 10,000 tonnes per year of sintered neodymium-iron-boron magnets at full capacity and create approximately 1,000 jobs.""",
    ),
    dict(
        key="doe-lng",
        pub="2026-11-25T14:30:00Z",
        slug="energy-secretary-approves-lng-export-permit-louisiana",
        title="Energy Secretary Approves LNG Export Permit for Louisiana Project",
        body="""WASHINGTON — U.S. Secretary of Energy Chris Wright today approved a long-term export authorization for a liquefied natural gas project in Cameron Parish, Louisiana, allowing exports to countries without a free trade agreement with the United States.""",
    ),
    dict(
        key="doe-grid",
        pub="2026-11-23T20:00:00Z",
        slug="doe-announces-grid-reliability-awards",
        title="DOE Announces $1.2 Billion in Grid Reliability Awards",
        body="""WASHINGTON — The U.S. Department of Energy today announced $1.2 billion in awards to 38 projects in 22 states to strengthen the reliability of the electric grid ahead of winter.""",
    ),
]


# ---- older items that fill the feeds on the first capture day (real feeds always list 10+)
DOE += [
    dict(
        key="doe-genesis",
        pub="2026-11-18T17:00:00Z",
        slug="energy-department-launches-genesis-mission-partnerships-national-laboratories",
        title="Energy Department Launches Genesis Mission Partnerships with National Laboratories",
        body="""WASHINGTON — The U.S. Department of Energy today announced partnerships between its 17 national laboratories and 24 technology companies under the Genesis Mission, an initiative to apply artificial intelligence to scientific discovery.

Projects include AI-guided discovery of magnet materials that use less dysprosium and terbium, and autonomous laboratories for battery chemistry.""",
    ),
    dict(
        key="doe-winter",
        pub="2026-11-17T16:00:00Z",
        slug="doe-releases-winter-fuels-outlook",
        title="DOE Releases Winter Fuels Outlook",
        body="""WASHINGTON — The U.S. Energy Information Administration expects U.S. households heating primarily with natural gas to spend 6% more this winter than last winter, according to its Winter Fuels Outlook released today.""",
    ),
]

MC_REE += [
    dict(
        key="vhm",
        pid=1186990,
        pub="2026-11-19T06:30:00Z",
        slug="vhm-wins-approval-for-goschen-rare-earths-mine",
        title="VHM wins approval for Goschen rare earths and mineral sands mine",
        author="Staff Writer",
        cats=["Australia", "Rare Earths"],
        body="""VHM Ltd. (ASX: VHM) has received the final environmental approval from the Victorian government for its Goschen rare earths and mineral sands project, clearing the way for construction in 2027.

Goschen is expected to produce a rare earth mineral concentrate containing neodymium, praseodymium, dysprosium and terbium, alongside zircon and titanium minerals.""",
    ),
    dict(
        key="solvay",
        pid=1186941,
        pub="2026-11-18T13:10:00Z",
        slug="solvay-expands-la-rochelle-rare-earths-plant",
        title="Solvay expands La Rochelle rare earths plant for magnet makers",
        author="Reuters",
        cats=["Europe", "Rare Earths", "France"],
        body="""Belgian chemicals group Solvay said it will double capacity to separate rare earths for permanent magnets at its La Rochelle plant in France, after signing supply contracts with European magnet makers.

The expansion, costing about 50 million euros, will be completed in 2028.""",
    ),
    dict(
        key="mkango",
        pid=1186910,
        pub="2026-11-17T09:00:00Z",
        slug="mkango-hypromag-opens-german-recycling-plant",
        title="HyProMag opens rare earth magnet recycling plant in Germany",
        author="Staff Writer",
        cats=["Germany", "Rare Earths", "Recycling"],
        body="""HyProMag GmbH, part of Mkango Resources' recycling group, has opened a plant in Pforzheim, Germany, that uses hydrogen to recover rare earth magnet alloy from scrap.

The plant will initially process 350 tonnes a year of magnet scrap.""",
    ),
]

MC_GEN += [
    dict(
        key="zijin",
        pid=1187002,
        pub="2026-11-19T08:10:00Z",
        slug="zijin-mining-lifts-2027-gold-output-target",
        title="Zijin Mining lifts 2027 gold output target",
        author="Bloomberg News",
        cats=["Gold", "China"],
        body="""Zijin Mining Group Co. raised its gold production target for 2027 to 110 tons, helped by acquisitions in Ghana and Kazakhstan, as the Chinese miner benefits from record bullion prices.""",
    ),
    dict(
        key="vale",
        pid=1187030,
        pub="2026-11-19T19:20:00Z",
        slug="vale-base-metals-to-sell-thompson-nickel",
        title="Vale Base Metals to sell Thompson nickel operation",
        author="Reuters",
        cats=["Nickel", "Canada", "Vale"],
        body="""Vale Base Metals has agreed to sell its Thompson nickel operation in Manitoba to a private equity group for an undisclosed sum as it focuses on copper and Sudbury nickel.""",
    ),
    dict(
        key="silver",
        pid=1187062,
        pub="2026-11-20T15:00:00Z",
        slug="silver-price-tops-55-an-ounce",
        title="Silver price tops $55 an ounce for the first time",
        author="Staff Writer",
        cats=["Silver", "Markets"],
        body="""Silver climbed above $55 an ounce for the first time on Friday, extending a rally driven by solar panel demand, tight London inventories and investment flows into exchange-traded funds.""",
    ),
    dict(
        key="bhp-wa",
        pid=1187080,
        pub="2026-11-20T22:30:00Z",
        slug="bhp-warns-of-western-australia-nickel-closures",
        title="BHP says West Australian nickel will stay shut until 2029",
        author="Reuters",
        cats=["Nickel", "Australia", "BHP"],
        body="""BHP said its Nickel West operations in Western Australia will remain in care and maintenance until at least 2029, blaming low prices caused by Indonesian supply.""",
    ),
    dict(
        key="kazatomprom",
        pid=1187110,
        pub="2026-11-21T10:00:00Z",
        slug="kazatomprom-trims-2027-uranium-guidance",
        title="Kazatomprom trims 2027 uranium output guidance",
        author="Bloomberg News",
        cats=["Uranium", "Kazakhstan"],
        body="""Kazatomprom, the world's largest uranium producer, cut its 2027 production guidance by 8%, citing shortages of sulphuric acid and delays at new wellfields. Spot uranium rose 3%.""",
    ),
    dict(
        key="glencore-cobalt",
        pid=1187125,
        pub="2026-11-21T18:30:00Z",
        slug="cobalt-prices-jump-as-congo-extends-export-quota",
        title="Cobalt prices jump as Congo extends export quota system",
        author="Reuters",
        cats=["Cobalt", "DRC"],
        body="""Cobalt hydroxide prices jumped 6% after the Democratic Republic of Congo said it would keep its export quota system in place throughout 2027.""",
    ),
]

MW += [
    dict(
        key="lynas-mw",
        aid=731102,
        pub="2026-11-20T03:15:00Z",
        slug="lynas-mount-weld-expansion-on-track-2026-11-20",
        title="Lynas says Mount Weld expansion on track",
        author="Esmarie Iannucci",
        cats=["RARE EARTHS"],
        body="""Rare earths producer Lynas has told investors at a site visit that the expansion of its Mount Weld mine and concentration plant, in Western Australia, remains on schedule for completion in the first half of 2027, supporting its target of 12 000 t/y of NdPr products.""",
    ),
    dict(
        key="newmont-boddington",
        aid=731090,
        pub="2026-11-19T23:40:00Z",
        slug="newmont-boddington-tailings-dam-upgrade-2026-11-20",
        title="Newmont starts Boddington tailings upgrade",
        author="Esmarie Iannucci",
        cats=["GOLD"],
        body="""Gold miner Newmont has started a A$400-million upgrade of the tailings storage facility at its Boddington gold and copper mine, in Western Australia, to extend its life beyond 2040.""",
    ),
    dict(
        key="wa-royalty",
        aid=731075,
        pub="2026-11-19T05:20:00Z",
        slug="wa-to-review-lithium-royalty-relief-2026-11-19",
        title="WA to review lithium royalty relief",
        author="Esmarie Iannucci",
        cats=["LITHIUM"],
        body="""The Western Australian government will review the lithium royalty relief scheme it introduced in 2025, Mines Minister David Michael said, as spodumene prices recover.""",
    ),
    dict(
        key="meteoric",
        aid=731061,
        pub="2026-11-18T07:00:00Z",
        slug="meteoric-secures-caldeira-licence-2026-11-18",
        title="Meteoric secures Caldeira preliminary licence",
        author="Mariaan Webb",
        cats=["RARE EARTHS"],
        body="""ASX-listed Meteoric Resources has received a preliminary licence from Minas Gerais state authorities for its Caldeira ionic clay rare earths project, in Brazil.""",
    ),
    dict(
        key="evolution",
        aid=731120,
        pub="2026-11-20T07:45:00Z",
        slug="evolution-mining-lifts-ernest-henry-output-2026-11-20",
        title="Evolution lifts Ernest Henry output forecast",
        author="Esmarie Iannucci",
        cats=["COPPER", "GOLD"],
        body="""Gold and copper miner Evolution Mining has raised its production forecast for the Ernest Henry operation, in Queensland, after completing a mine extension ahead of schedule.""",
    ),
]

INN += [
    dict(
        key="ree-etf",
        pub="2026-11-18T15:00:00Z",
        slug="rare-earth-etf",
        title="Rare Earth ETFs: Which Funds Give You Exposure in 2026?",
        author="Melissa Pistilli",
        cats=["Rare Earth Investing"],
        body="""Exchange-traded funds offer investors a way to gain exposure to rare earth miners, processors and magnet makers without picking individual stocks. Here's an overview of the main funds and their holdings.""",
    ),
    dict(
        key="mp-q3",
        pub="2026-11-19T21:00:00Z",
        slug="mp-materials-stock-analysis",
        title="MP Materials Stock: Is the Rally Over?",
        author="Georgia Williams",
        cats=["Rare Earth Investing"],
        body="""MP Materials shares have more than tripled in 2026 on the back of its Department of Defense partnership. Analysts remain divided on valuation as the company builds out magnet capacity in Texas.""",
    ),
    dict(
        key="gold-update",
        pub="2026-11-20T20:00:00Z",
        slug="gold-price-update-q4-2026",
        title="Gold Price Update: Q4 2026 in Review So Far",
        author="Charlotte McLeod",
        cats=["Gold Investing"],
        body="""Gold has set repeated records in the fourth quarter, supported by central-bank buying and expectations of further interest rate cuts.""",
    ),
]

SCMP += [
    dict(
        key="ganzhou",
        nid=3334410,
        pub="2026-11-19T09:30:00Z",
        slug="ganzhou-rare-earth-smuggling-crackdown",
        title="China's rare earth heartland Ganzhou steps up crackdown on smuggling",
        author="Xinmei Shen",
        body="""Authorities in Ganzhou, the centre of China's heavy rare earth industry in Jiangxi province, have launched a three-month campaign against illegal mining and smuggling, as Beijing tightens control of the strategic minerals.""",
    ),
    dict(
        key="lynas-japan",
        nid=3334455,
        pub="2026-11-19T23:00:00Z",
        slug="japan-deepens-lynas-ties-heavy-rare-earths",
        title="Japan deepens ties with Lynas to secure heavy rare earths outside China",
        author="Reuters",
        body="""Japan will extend further loans to Lynas Rare Earths through a venture of Sojitz and JOGMEC, securing priority access to dysprosium and terbium produced at the company's Malaysian plant.""",
    ),
]

GN += [
    dict(
        key="vhm",
        pub="2026-11-19T07:00:00Z",
        title="Victoria approves VHM's Goschen rare earths mine",
        outlet="ABC News",
        site="https://www.abc.net.au",
    ),
    dict(
        key="myanmar",
        pub="2026-11-18T12:00:00Z",
        title="Fighting in Myanmar's Kachin state disrupts rare earth supply to China",
        outlet="Reuters",
        site="https://www.reuters.com",
    ),
    dict(
        key="solvay",
        pub="2026-11-18T14:00:00Z",
        title="Solvay to double rare earths capacity in France",
        outlet="Les Echos",
        site="https://www.lesechos.fr",
    ),
    dict(
        key="pentagon",
        pub="2026-11-21T20:00:00Z",
        title="Pentagon weighs more rare earth price floors after MP deal",
        outlet="The Wall Street Journal",
        site="https://www.wsj.com",
    ),
]


# ---- the rest of the working week (captures of Thu 26 and Fri 27 Nov): new stories and the
# follow-ups of Wednesday's smelter-inspection and EU-China licence stories
GN += [
    dict(
        key="inspections",
        pub="2026-11-25T04:50:00Z",
        title="China's MIIT orders inspections of Ganzhou heavy rare earth smelters",
        outlet="Reuters",
        site="https://www.reuters.com",
    ),
    dict(
        key="inspections-dy",
        pub="2026-11-26T04:10:00Z",
        title="Dysprosium prices jump as China's MIIT inspects Ganzhou smelters",
        outlet="Bloomberg.com",
        site="https://www.bloomberg.com",
    ),
    dict(
        key="lynas-sojitz",
        pub="2026-11-26T23:10:00Z",
        title="Lynas signs heavy rare earths supply deal with Japan's Sojitz",
        outlet="Nikkei Asia",
        site="https://asia.nikkei.com",
    ),
]

REX += [
    dict(
        key="inspections",
        pid=28445,
        pub="2026-11-25T05:20:00Z",
        slug="miit-orders-ganzhou-heavy-rare-earth-smelter-inspections-audits-2026-quotas",
        title="MIIT Orders Ganzhou Heavy Rare Earth Smelter Inspections, Audits 2026 Quotas",
        author="Daniel",
        cats=["China", "Policy", "Heavy Rare Earths"],
        hl=[
            "China's Ministry of Industry and Information Technology (MIIT) ordered on-site inspections of heavy rare earth separation plants in Jiangxi, Guangdong and Fujian.",
            "Inspectors will check output against the 2026 mining and smelting quotas and the origin of imported Myanmar feed.",
            "Traders expect some Ganzhou plants to pause lines during the checks, tightening dysprosium and terbium supply into year end.",
        ],
        body="""China's Ministry of Industry and Information Technology (MIIT) told provincial authorities on Wednesday, starting with Ganzhou in Jiangxi, to carry out on-site inspections of heavy rare earth separation plants in Jiangxi, Guangdong and Fujian before the end of December, according to a notice seen by Rare Earth Exchanges.

Inspection teams are to compare each plant's output with its share of the 2026 smelting and separation quota, check the tracking records required under the Rare Earth Management Regulations, and verify the origin of imported ionic clay feed from Myanmar.

## Market reaction

Traders in Ganzhou said several smaller separation plants were preparing to pause lines while inspectors are on site. With Myanmar shipments already squeezed by fighting in Kachin state, they expect spot dysprosium and terbium oxide to firm into year end. Light rare earth producers in Inner Mongolia are not covered by the notice.""",
    ),
    dict(
        key="inspections-halt",
        pid=28449,
        pub="2026-11-26T21:40:00Z",
        slug="ganzhou-smelters-halt-lines-for-inspection-dysprosium-oxide-up-3-percent",
        title="Ganzhou Smelters Halt Lines for MIIT Inspection; Dysprosium Oxide Up 3% in a Day",
        author="Daniel",
        cats=["China", "Policy", "Prices"],
        hl=[
            "At least six separation plants in Ganzhou halted lines on Thursday as MIIT inspection teams arrived, local traders said.",
            "Dysprosium oxide rose 3.05% to about 1.69 million yuan per tonne on Thursday; terbium oxide gained 1.5%.",
            "The inspections follow MIIT's Wednesday notice ordering checks of heavy rare earth smelters against 2026 quotas.",
        ],
        body="""At least six heavy rare earth separation plants in Ganzhou, Jiangxi province, halted production lines on Thursday as inspection teams sent under Wednesday's notice from the Ministry of Industry and Information Technology arrived, traders in the city told Rare Earth Exchanges.

Spot prices reacted at once. Dysprosium oxide rose 3.05% day on day to a mid-point of about 1.69 million yuan per tonne, its largest one-day gain since the summer, and terbium oxide gained 1.5% to about 5.93 million yuan per tonne, according to SMM and SunSirs quotations. Pr-Nd oxide rose a more modest 0.8%.

## How long

Plant managers expect the checks to last two to three weeks. Several said they would not offer new material until the inspectors leave, leaving magnet makers that buy for year-end stockpiling to compete for traders' inventory.""",
    ),
]

MC_REE += [
    dict(
        key="inspections-dy",
        pid=1187388,
        pub="2026-11-26T03:40:00Z",
        slug="dysprosium-prices-jump-as-miit-inspects-ganzhou-rare-earth-smelters",
        title="Dysprosium prices jump as MIIT inspects Ganzhou rare earth smelters",
        author="Bloomberg News",
        cats=["China", "Rare Earths", "Prices"],
        body="""Prices of dysprosium and terbium rose in China on Thursday after the industry ministry (MIIT) sent inspectors to heavy rare earth separation plants in Ganzhou and elsewhere in the south of the country, raising the prospect of short-term supply cuts.

Dysprosium oxide was quoted at 1.685 million to 1.695 million yuan a ton, up from 1.635 million to 1.645 million yuan on Wednesday, according to Shanghai Metals Market. Terbium oxide rose to 5.90 million to 5.96 million yuan.

The inspections, which will check plants' output against their 2026 quotas, come as shipments of ionic clay feed from Myanmar have slowed after fighting in Kachin state.""",
    ),
    dict(
        key="lynas-sojitz",
        pid=1187402,
        pub="2026-11-27T01:50:00Z",
        slug="lynas-signs-dysprosium-terbium-offtake-with-sojitz",
        title="Lynas signs dysprosium and terbium offtake with Sojitz",
        author="Cecilia Jamasmie",
        cats=["Australia", "Rare Earths", "Lynas", "Japan"],
        body="""Lynas Rare Earths (ASX: LYC) has agreed to supply dysprosium and terbium oxide from its Malaysian plant to Japan Australia Rare Earths (JARE), the venture of trading house Sojitz and state agency JOGMEC, under a five-year offtake, the company said on Friday.

The agreement covers up to 65% of Lynas's heavy rare earth output in its first two years and includes a floor price mechanism, Lynas said, without giving figures. It follows this week's annual meeting, at which chief executive Amanda Lacaze said heavy rare earths were now "core business".

Lynas shares rose 3.1% in Sydney.""",
    ),
]

MC_REE += [
    dict(
        key="ren-fen",
        pid=1187379,
        pub="2026-11-25T16:20:00Z",
        slug="rare-earths-norway-wins-permit-for-fen-test-mine",
        title="Rare Earths Norway wins permit for Fen test mine",
        author="Staff Writer",
        cats=["Europe", "Rare Earths", "Norway"],
        body="""Rare Earths Norway said on Wednesday that the Norwegian Directorate of Mining granted it a permit for an underground test mine at the Fen carbonatite complex in Telemark, Europe's largest known rare earth deposit.

The test mine will produce up to 50,000 tonnes of ore over two years for pilot processing of neodymium and praseodymium, the company said. A decision on a full mine, which would need a separate zoning plan and environmental impact assessment, is expected in 2029.

The European Commission named Fen a strategic project under the Critical Raw Materials Act earlier this year.""",
    ),
    dict(
        key="vulcan-nc",
        pid=1187395,
        pub="2026-11-26T15:30:00Z",
        slug="vulcan-elements-picks-north-carolina-for-second-magnet-plant",
        title="Vulcan Elements picks North Carolina for second magnet plant",
        author="Staff Writer",
        cats=["United States", "Rare Earths", "Magnets"],
        body="""Vulcan Elements, a US maker of sintered rare earth magnets, said on Thursday it will build its second plant in Benson, North Carolina, with capacity for 10,000 tonnes of magnets a year by 2029.

The company said the plant would buy separated oxide and metal from non-Chinese suppliers under long-term contracts, and that it had secured letters of interest from defence and automotive customers. It did not disclose the cost.

The announcement comes as China's industry ministry inspects heavy rare earth smelters in Ganzhou, which has lifted dysprosium prices this week.""",
    ),
]

SCMP += [
    dict(
        key="eu-china-licences",
        nid=3335012,
        pub="2026-11-26T09:00:00Z",
        slug="first-eu-china-general-licences-rare-earth-magnets-bosch-valeo",
        title="EU-China General Licence pilot: Bosch, Valeo get first permits",
        author="Finbarr Bermingham",
        body="""Car-parts makers Robert Bosch and Valeo have received the first general licences issued by China's Ministry of Commerce under the pilot agreed with Brussels, people familiar with the matter told the Post on Thursday. Each licence covers a year of repeat shipments of sintered NdFeB magnets from named suppliers in Ningbo and Baotou to plants in Stuttgart, Hildesheim and Reims without case-by-case approval. Vestas and Siemens Gamesa have applied for a second batch, the people said; MOFCOM spokesperson He Yongqian said only that applications were "processed in accordance with the law".""",
    ),
]

# The seed article (shared/ree/seed-article.txt), characters kept exactly as captured.
SEED = {
    "title": "New Inner Mongolia Lab Targets Sustainable Mining and Metallurgy Waste Utilization",
    "visible_date": "Jan 22, 2025",
    "highlights": [
        "Baogang Group, Northeastern University, and Manshan Mining Research Institute established a new laboratory focused on green utilization of mining and metallurgical waste in Inner Mongolia.",
        "The lab aims to develop cutting-edge recycling technologies for waste materials, improve resource efficiency, and support sustainable industrial growth.",
        "The initiative could position Inner Mongolia as a global leader in sustainable mining practices and potentially reshape environmental perceptions of China's mining sector.",
    ],
    "blocks": [
        (
            "p",
            "The Baogang Group, alongside Northeastern Universityโ€™s School of Metallurgy (opens in a new tab) and Maโ€™anshan Mining Research Institute (opens in a new tab), has launched (opens in a new tab) the โ€œKey Laboratory for Green and Integrated Utilization of Mining and Metallurgy Wasteโ€ in Inner Mongolia. This initiative was announced at the labโ€™s inaugural academic conference in Baotou, where 13 leading experts and scholars outlined a strategic plan for research and development over the next five to ten years in the rare earth element (REE) area.",
        ),
        ("h2", "R&D Innovation to REE Recycling"),
        (
            "p",
            "Inner Mongolia faces significant challenges with the massive accumulation of mining and metallurgical waste, which presents both environmental risks and opportunities for resource recovery. The lab aims to tackle these challenges by leveraging Baogangโ€™s strategic resources and addressing the regionโ€™s goals for waste reduction, green technology adoption, and efficient resource use.",
        ),
        (
            "p",
            "Researchers will focus on developing cutting-edge methods for recycling and repurposing waste, including tailings and metallurgical byproducts, into valuable resources. The initiative seeks to create innovative technologies, improve resource utilization efficiency, and support sustainable industrial growth across Inner Mongolia.",
        ),
        (
            "p",
            "Over the coming decade, the lab will prioritize talent cultivation, foundational research, and the commercialization of green technologies, aligning with Inner Mongoliaโ€™s commitment to building a low-carbon, circular economy. The lab also aims to establish a robust framework integrating technical innovation, education, and application to address critical demands in waste recycling industries.",
        ),
        ("h2", "Implications for the West"),
        (
            "p",
            "If successful, this lab could position Inner Mongolia as a global leader in sustainable mining practices and metallurgy waste utilization. For Western countries, which rely heavily on rare earths and metals from Chinese suppliers, this initiative raises important questions: Will this project further solidify Chinaโ€™s dominance in resource efficiency and green technology? Could it reduce environmental concerns that have historically been criticized in China's mining sector? As Western industries look to secure rare earth supply chains, this development highlights the urgency of advancing sustainable practices to remain competitive.",
        ),
    ],
    "sidebar": [
        "Chinaโ€™s Rare Earth Price Index Climbs to 306.4 ? Heavy Rare Earths Outpace the Field",
        'China Expands "Encouraged Services Import" List in Coordinated Multi-Ministry Move',
        "MP's 10X Bet: Texas as America's Magnet Capital?",
        'Xi Meets German Chancellor Merz in Beijing, Pitching an "Innovation Partnership" and Supply-Chain Stability',
        'China Accelerates "AI+" Industrial Strategy to Drive Growth Across Manufacturing and Urban Systems',
    ],
    "author_bio": "Inspired to launch Rare Earth Exchanges in part due to his lifelong passion for geology and mineralogy, and patriotism, to ensure America and free market economies develop their own rare earth and critical mineral supply chains.",
}

REX += [
    dict(
        key="myanmar",
        pid=28330,
        pub="2026-11-18T11:00:00Z",
        slug="kachin-fighting-squeezes-myanmar-heavy-rare-earth-shipments-to-china",
        title="Kachin Fighting Squeezes Myanmar Heavy Rare Earth Shipments to China",
        author="Daniel",
        cats=["Myanmar", "Heavy Rare Earths", "Supply"],
        hl=[
            "Renewed fighting near Pangwa and Chipwi cut shipments of ionic clay concentrate across the Yunnan border in November.",
            "Myanmar supplies a large share of China's dysprosium and terbium feed.",
        ],
        body="""Traders in Tengchong and Ganzhou say shipments of mixed rare earth carbonate from Myanmar's Kachin state fell sharply in the first half of November after renewed fighting between the Kachin Independence Army and junta forces around the Pangwa mining area.

Myanmar has in recent years supplied a large share of the heavy rare earth feed processed in southern China. Customs data for October showed imports of mixed carbonate from Myanmar down 31% from September.

Any sustained disruption would tighten an already thin market for dysprosium and terbium oxide, whose prices have risen steadily this quarter.""",
    ),
    dict(
        key="sojitz",
        pid=28338,
        pub="2026-11-18T23:40:00Z",
        slug="sojitz-and-jogmec-extend-lynas-financing-for-heavy-rare-earths",
        title="Sojitz and JOGMEC Extend Lynas Financing for Heavy Rare Earths",
        author="Daniel",
        cats=["Japan", "Lynas", "Financing"],
        hl=[
            "Japan Australia Rare Earths (JARE), owned by Sojitz and JOGMEC, will lend Lynas a further A$200 million.",
            "In exchange Japanese buyers get priority on up to 65% of Lynas's dysprosium and terbium output.",
        ],
        body="""Japan Australia Rare Earths, the joint venture of trading house Sojitz and state agency JOGMEC, has agreed to extend a further A$200 million in loans to Lynas Rare Earths to support the expansion of heavy rare earth separation in Malaysia.

Under the agreement Japanese customers receive priority supply rights to up to 65% of Lynas's heavy rare earth products through 2038. The deal deepens a relationship that began in 2011, when Japan sought to reduce its reliance on Chinese rare earths after a diplomatic dispute.""",
    ),
    dict(
        key="vulcan",
        pid=28344,
        pub="2026-11-19T09:15:00Z",
        slug="vulcan-elements-and-rea-sign-recycled-feed-deal",
        title="Vulcan Elements and ReElement Sign Recycled Feed Deal",
        author="Daniel",
        cats=["Recycling", "Magnets", "United States"],
        hl=[
            "Magnet maker Vulcan Elements agreed to buy separated oxides made from recycled magnets by ReElement Technologies.",
            "The deal links two US companies backed by federal loans.",
        ],
        body="""Vulcan Elements, a North Carolina magnet maker, has agreed to buy separated neodymium and praseodymium oxide produced by ReElement Technologies from recycled magnet scrap at ReElement's Indiana facility.

Both companies have received federal financing commitments this year. The agreement covers 500 tonnes a year from 2027 and includes dysprosium when ReElement's heavy rare earth circuit starts.""",
    ),
]

# ---------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "newsletter" / "_data" / "snapshots"
DAYS = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]  # Mon 23 .. Fri 27 Nov
UTC = timezone.utc  # noqa: UP017
CST = timezone(timedelta(hours=8))

RSS_CT = "application/rss+xml; charset=UTF-8"
HTML_CT = "text/html; charset=UTF-8"

REX_FEED = "https://rareearthexchanges.com/feed/"
MC_REE_FEED = "https://www.mining.com/tag/rare-earths/feed/"
MC_FEED = "https://www.mining.com/feed/"
MW_FEED = "https://www.miningweekly.com/page/australasia/feed"
INN_FEED = "https://investingnews.com/feeds/rare-earth-investing.rss"
SCMP_FEED = "https://www.scmp.com/rss/322437/feed"
GN_FEED = "https://news.google.com/rss/search?q=%22rare+earths%22&hl=en-US&gl=US&ceid=US:en"
DOE_LIST = "https://www.energy.gov/newsroom"
SMM_LIST = "https://news.metal.com/list/industry/rare-earths"
SUNSIRS = "https://www.sunsirs.com/uk/sectors-14.html"
CREIA = "https://www.ac-rei.org.cn/price-index/"


def dt(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def rfc822(d):
    return format_datetime(d.astimezone(UTC)).replace("-0000", "+0000")


def esc(s):
    # &#039; for the apostrophe, as WordPress's esc_html()/esc_attr() write it
    return html.escape(s, quote=True).replace("&#x27;", "&#039;")


def cap_time(day):
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


def visible(items, day, n):
    cut = cap_time(day)
    got = [i for i in items if dt(i["pub"]) <= cut]
    got.sort(key=lambda i: dt(i["pub"]), reverse=True)
    return got[:n]


def paras_html(body):
    out = []
    for block in body.strip().split("\n\n"):
        block = block.strip()
        if block.startswith("## "):
            out.append(f'<h2 class="wp-block-heading">{esc(block[3:])}</h2>')
        else:
            out.append(f"<p>{esc(block)}</p>")
    return "\n".join(out)


def first_para(body):
    return body.strip().split("\n\n")[0].strip()


def excerpt(text, words=55):
    w = text.split()
    return " ".join(w[:words]) + (" [&#8230;]" if len(w) > words else "")


# ------------------------------------------------------------------ Rare Earth Exchanges

REX_BASE = "https://rareearthexchanges.com"


def rex_url(it):
    return f"{REX_BASE}/news/{it['slug']}/"


def rex_link(it):
    return rex_url(it) + f"?utm_source=rss&utm_medium=rss&utm_campaign={it['slug']}"


def rex_body_html(it):
    if it.get("seed"):
        S = SEED
        parts = []
        for tag, text in S["blocks"]:
            t = esc(text)
            if tag == "h2":
                parts.append(f'<h2 class="wp-block-heading">{t}</h2>')
                continue
            links = {
                "School of Metallurgy": "http://www.smm.neu.edu.cn/",
                "Ma\u0e42\u20ac\u2122anshan Mining Research Institute": "http://www.mrimm.com/",
                "launched": "https://www.btgroup.com.cn/2025/01/16/news-42117.html",
            }
            for label, href in links.items():
                plain = esc(label) + " (opens in a new tab)"
                a = (
                    f'<a href="{href}" target="_blank" rel="noreferrer noopener">{esc(label)}'
                    f'<span class="screen-reader-text"> (opens in a new tab)</span></a>'
                )
                t = t.replace(plain, a, 1)
            parts.append(f"<p>{t}</p>")
        hl = S["highlights"]
        body = "\n".join(parts)
    else:
        hl = it["hl"]
        body = paras_html(it["body"])
    hl_html = "\n".join(f"<li>{esc(h)}</li>" for h in hl)
    return (
        f'<h2 class="wp-block-heading" id="highlights">Highlights</h2>\n'
        f'<ul class="wp-block-list">\n{hl_html}\n</ul>\n{body}'
    )


def rex_plain_first(it):
    if it.get("seed"):
        return SEED["blocks"][0][1].replace(" (opens in a new tab)", "")
    return first_para(it["body"])


def rex_feed(day):
    items = visible(REX, day, 12)
    last = max(dt(i["pub"]) for i in items)
    out = [
        f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>Rare Earth Exchanges</title>
	<atom:link href="{REX_FEED}" rel="self" type="application/rss+xml" />
	<link>{REX_BASE}/</link>
	<description>Rare Earth Element Investing, Prices, News and Market Data</description>
	<lastBuildDate>{rfc822(last)}</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>
	hourly	</sy:updatePeriod>
	<sy:updateFrequency>
	1	</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.8.3</generator>

<image>
	<url>{REX_BASE}/wp-content/uploads/2024/03/cropped-reex-favicon-32x32.png</url>
	<title>Rare Earth Exchanges</title>
	<link>{REX_BASE}/</link>
	<width>32</width>
	<height>32</height>
</image> """
    ]
    for it in items:
        url = rex_url(it)
        cats = "\n".join(f"\t\t<category><![CDATA[{c}]]></category>" for c in it["cats"])
        desc = (
            f'<p>{esc(excerpt(rex_plain_first(it)))}</p>\n<p>The post <a href="{url}">'
            f'{esc(it["title"])}</a> appeared first on <a href="{REX_BASE}">Rare Earth Exchanges</a>.</p>'
        )
        content = rex_body_html(it) + (
            f'\n<p>The post <a href="{url}">{esc(it["title"])}</a> appeared first on '
            f'<a href="{REX_BASE}">Rare Earth Exchanges</a>.</p>'
        )
        out.append(f"""
	<item>
		<title>{esc(it["title"])}</title>
		<link>{esc(rex_link(it))}</link>
					<comments>{url}#respond</comments>

		<dc:creator><![CDATA[{it["author"]}]]></dc:creator>
		<pubDate>{rfc822(dt(it["pub"]))}</pubDate>
{cats}
		<guid isPermaLink="false">{REX_BASE}/?p={it["pid"]}</guid>

					<description><![CDATA[{desc}]]></description>
										<content:encoded><![CDATA[{content}]]></content:encoded>
					<wfw:commentRss>{url}feed/</wfw:commentRss>
			<slash:comments>0</slash:comments>
		</item>""")
    out.append("\n\t</channel>\n</rss>\n")
    return "".join(out)


COOKIE_BANNER = """<div id="cmplz-cookiebanner-container"><div class="cmplz-cookiebanner cmplz-hidden banner-1 optin cmplz-bottom-right" aria-modal="true" data-nosnippet="true" role="dialog" aria-live="polite" aria-labelledby="cmplz-header-1-optin" aria-describedby="cmplz-message-1-optin">
	<div class="cmplz-header"><div class="cmplz-title" id="cmplz-header-1-optin">Manage Cookie Consent</div></div>
	<div class="cmplz-body"><div class="cmplz-message" id="cmplz-message-1-optin">To provide the best experiences, we use technologies like cookies to store and/or access device information. Consenting to these technologies will allow us to process data such as browsing behavior or unique IDs on this site. Not consenting or withdrawing consent, may adversely affect certain features and functions.</div></div>
	<div class="cmplz-buttons"><button class="cmplz-btn cmplz-accept">Accept</button><button class="cmplz-btn cmplz-deny">Deny</button><button class="cmplz-btn cmplz-view-preferences">View preferences</button></div>
	<div class="cmplz-documents"><a href="https://rareearthexchanges.com/cookie-policy-us/" class="cookie-statement">Cookie Policy</a><a href="https://rareearthexchanges.com/privacy-policy/" class="privacy-statement">Privacy Statement</a></div>
</div></div>"""

SIGNUP = """<div class="et_pb_module et_pb_signup reex-optin et_pb_newsletter_layout_top_bottom et_pb_newsletter et_pb_subscribe clearfix">
	<div class="et_pb_newsletter_description"><h2 class="et_pb_module_header">Straight Into Your Inbox</h2><div class="et_pb_newsletter_description_content"><p>Sign up for a Daily News Update intended to help you keep pace with the rapidly evolving REE market.</p></div></div>
	<div class="et_pb_newsletter_form"><form method="post" action="https://rareearthexchanges.com/wp-admin/admin-ajax.php">
		<div class="et_pb_newsletter_result et_pb_newsletter_error"></div>
		<div class="et_pb_newsletter_result et_pb_newsletter_success"><h2>Fantastic! Thanks for subscribing, you won't regret it.</h2></div>
		<p class="et_pb_newsletter_field"><label class="et_pb_contact_form_label" for="et_pb_signup_email">Email</label><input id="et_pb_signup_email" class="input" type="text" placeholder="Email" name="et_pb_signup_email"></p>
		<p class="et_pb_newsletter_button_wrap"><a class="et_pb_newsletter_button et_pb_button" href="#" data-icon=""><span class="et_subscribe_loader"></span><span class="et_pb_newsletter_button_text">Subscribe</span></a></p>
	</form></div>
</div>"""

REX_NAV = """<header id="main-header" data-height-onload="66">
	<div class="container clearfix et_menu_container">
		<div class="logo_container"><a href="https://rareearthexchanges.com/"><img src="https://rareearthexchanges.com/wp-content/uploads/2024/03/reex-logo.png" width="300" height="80" alt="Rare Earth Exchanges" id="logo" data-height-percentage="54" /></a></div>
		<div id="et-top-navigation" data-height="66" data-fixed-height="40">
			<nav id="top-menu-nav"><ul id="top-menu" class="nav">
				<li class="menu-item"><a href="https://rareearthexchanges.com/">Home</a></li>
				<li class="menu-item current-menu-item"><a href="https://rareearthexchanges.com/news/">News</a></li>
				<li class="menu-item"><a href="https://rareearthexchanges.com/rare-earth-prices/">Prices</a></li>
				<li class="menu-item"><a href="https://rareearthexchanges.com/reex-index/">REEx Index</a></li>
				<li class="menu-item"><a href="https://rareearthexchanges.com/companies/">Companies</a></li>
				<li class="menu-item"><a href="https://rareearthexchanges.com/research/">Research</a></li>
				<li class="menu-item"><a href="https://rareearthexchanges.com/about/">About</a></li>
				<li class="menu-item"><a href="https://rareearthexchanges.com/subscribe/">Subscribe</a></li>
			</ul></nav>
			<div id="et_top_search"><span id="et_search_icon"></span></div>
			<div id="et_mobile_nav_menu"><div class="mobile_nav closed"><span class="select_page">Select Page</span><span class="mobile_menu_bar mobile_menu_bar_toggle"></span></div></div>
		</div>
	</div>
	<div class="et_search_outer"><div class="container et_search_form_container"><form role="search" method="get" class="et-search-form" action="https://rareearthexchanges.com/"><input type="search" class="et-search-field" placeholder="Search &hellip;" value="" name="s" title="Search for:" /></form><span class="et_close_search_field"></span></div></div>
</header>"""

REX_FOOTER = """<footer id="main-footer">
	<div class="container"><div id="footer-widgets" class="clearfix">
		<div class="footer-widget"><h4 class="title">Rare Earth Exchanges</h4><p>Independent news, prices and analysis for the rare earth element supply chain.</p></div>
		<div class="footer-widget"><h4 class="title">Quick Links</h4><ul><li><a href="https://rareearthexchanges.com/terms-of-use/">Terms of Use</a></li><li><a href="https://rareearthexchanges.com/privacy-policy/">Privacy Policy</a></li><li><a href="https://rareearthexchanges.com/cookie-policy-us/">Cookie Policy (US)</a></li><li><a href="https://rareearthexchanges.com/contact/">Contact</a></li></ul></div>
	</div></div>
	<div id="footer-bottom"><div class="container clearfix"><ul class="et-social-icons"><li class="et-social-icon et-social-linkedin"><a href="https://www.linkedin.com/company/rare-earth-exchanges/" class="icon"><span>LinkedIn</span></a></li><li class="et-social-icon et-social-twitter"><a href="https://x.com/RareEarthExch" class="icon"><span>X</span></a></li></ul><div id="footer-info">&copy; 2026 Rare Earth Exchanges Inc. All rights reserved. Nothing on this site is investment advice.</div></div></div>
</footer>"""


def rex_page(it, day):
    url = rex_url(it)
    pub = dt(it["pub"])
    if it.get("seed"):
        shown = SEED["visible_date"]
        sidebar = [(t, None) for t in SEED["sidebar"]]
        title = SEED["title"]
        bio = SEED["author_bio"]
    else:
        shown = pub.strftime("%b %d, %Y").replace(" 0", " ")
        recent = visible(REX, day, 5)
        sidebar = [(r["title"], rex_url(r)) for r in recent]
        title = it["title"]
        bio = SEED["author_bio"]
    side = "\n".join(
        f'<li><a href="{esc(u or REX_BASE + "/news/")}">{esc(t)}</a></li>' for t, u in sidebar
    )
    cats = ", ".join(
        f'<a href="{REX_BASE}/category/{c.lower().replace(" ", "-")}/" rel="tag">{esc(c)}</a>'
        for c in it["cats"]
    )
    share_u = url.replace(":", "%3A").replace("/", "%2F")
    iso = pub.isoformat()
    desc = esc(excerpt(rex_plain_first(it), 30).replace(" [&#8230;]", "..."))
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
	<meta charset="UTF-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge">
	<link rel="pingback" href="{REX_BASE}/xmlrpc.php" />
	<script type="text/javascript">
		document.documentElement.className = 'js';
	</script>
	<title>{esc(title)} | Rare Earth Exchanges</title>
<meta name="description" content="{desc}" />
<meta name="robots" content="index, follow, max-snippet:-1, max-image-preview:large, max-video-preview:-1" />
<link rel="canonical" href="{url}" />
<meta property="og:locale" content="en_US" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{esc(title)}" />
<meta property="og:url" content="{url}" />
<meta property="og:site_name" content="Rare Earth Exchanges" />
<meta property="article:published_time" content="{iso}" />
<meta property="article:modified_time" content="{(pub + timedelta(hours=2)).isoformat()}" />
<meta name="author" content="{esc(it["author"])}" />
<meta name="twitter:card" content="summary_large_image" />
<script type="application/ld+json" class="yoast-schema-graph">{{"@context":"https://schema.org","@graph":[{{"@type":"NewsArticle","@id":"{url}#article","headline":{json.dumps(title)},"datePublished":"{iso}","author":{{"name":"{esc(it["author"])}"}},"publisher":{{"@id":"{REX_BASE}/#organization"}},"inLanguage":"en-US"}}]}}</script>
<link rel='stylesheet' id='divi-style-css' href='{REX_BASE}/wp-content/themes/Divi/style.min.css?ver=4.27.4' type='text/css' media='all' />
<script type="text/javascript" src="{REX_BASE}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-8Q4XR2ZL7M"></script>
<script>window.dataLayer = window.dataLayer || [];function gtag(){{dataLayer.push(arguments);}}gtag('js', new Date());gtag('config', 'G-8Q4XR2ZL7M');</script>
</head>
<body class="post-template-default single single-post postid-{it["pid"]} single-format-standard et_pb_button_helper_class et_fixed_nav et_show_nav et_primary_nav_dropdown_animation_fade et_right_sidebar">
<div id="page-container">
{REX_NAV}
<div id="et-main-area">
<div id="main-content">
	<div class="container">
		<div id="content-area" class="clearfix">
			<div id="left-area">
				<article id="post-{it["pid"]}" class="et_pb_post post-{it["pid"]} post type-post status-publish format-standard has-post-thumbnail hentry">
					<div class="et_post_meta_wrapper">
						<h1 class="entry-title">{esc(title)}</h1>
						<p class="post-meta"><span class="published">{esc(shown)}</span> | {cats}</p>
						<img src="{REX_BASE}/wp-content/uploads/2026/11/{it["slug"][:40]}-1080x675.jpg" alt="" class="" width="1080" height="675" />
					</div>
					<div class="entry-content">
{rex_body_html(it)}
					</div>
					<div class="et_social_inline et_social_mobile_on et_social_inline_bottom">
						<div class="et_social_networks et_social_4col et_social_slide et_social_rounded et_social_left et_social_no_animation et_social_withcounts et_social_withnetworknames et_social_outer_dark">
							<ul class="et_social_icons_container">
								<li class="et_social_linkedin"><a href="https://www.linkedin.com/shareArticle?mini=true&#038;url={share_u}" class="et_social_share" rel="nofollow" data-social_name="linkedin" data-post_id="{it["pid"]}"><span class="et_social_network_label">LinkedIn</span></a></li>
								<li class="et_social_twitter"><a href="https://x.com/intent/post?text={esc(title[:60])}&#038;url={share_u}" class="et_social_share" rel="nofollow" data-social_name="twitter"><span class="et_social_network_label">X</span></a></li>
								<li class="et_social_facebook"><a href="https://www.facebook.com/sharer.php?u={share_u}" class="et_social_share" rel="nofollow" data-social_name="facebook"><span class="et_social_network_label">Facebook</span></a></li>
								<li class="et_social_email"><a href="mailto:?subject={esc(title[:60])}" class="et_social_share" rel="nofollow"><span class="et_social_network_label">Email</span></a></li>
							</ul>
						</div>
					</div>
					<div class="et_pb_module et_pb_post_nav"><div class="author-box"><h4>By {esc(it["author"])}</h4><p>{esc(bio)}</p></div></div>
					<section id="comment-wrap"><h1 id="comments" class="page_title">0 Comments</h1>
						<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title"><span>Submit a Comment</span></h3><form action="{REX_BASE}/wp-comments-post.php" method="post" id="commentform" class="comment-form"><p class="comment-notes"><span id="email-notes">Your email address will not be published.</span> Required fields are marked <span class="required">*</span></p><p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required="required"></textarea></p><p class="form-submit"><button name="submit" type="submit" id="submit" class="submit et_pb_button">Submit Comment</button></p></form></div>
					</section>
				</article>
			</div>
			<div id="sidebar">
				<div id="search-2" class="et_pb_widget widget_search"><form role="search" method="get" id="searchform" class="searchform" action="{REX_BASE}/"><div><label class="screen-reader-text" for="s">Search for:</label><input type="text" value="" name="s" id="s" /><input type="submit" id="searchsubmit" value="Search" /></div></form></div>
				<div id="recent-posts-2" class="et_pb_widget widget_recent_entries"><h4 class="widgettitle">Recent Reex News</h4><ul>
{side}
				</ul></div>
				<div class="et_pb_widget widget_text">{SIGNUP}</div>
			</div>
		</div>
	</div>
</div>
<div class="et_pb_section reex-footer-optin">{SIGNUP}</div>
{REX_FOOTER}
</div>
</div>
{COOKIE_BANNER}
<script type="text/javascript" id="divi-custom-script-js-extra">
var DIVI = {{"item_count":"%d Item","items_count":"%d Items"}};
var et_shortcodes_strings = {{"previous":"Previous","next":"Next"}};
</script>
<script type="text/javascript" src="{REX_BASE}/wp-content/themes/Divi/js/scripts.min.js?ver=4.27.4" id="divi-custom-script-js"></script>
<script type="text/javascript" src="{REX_BASE}/wp-content/plugins/complianz-gdpr/cookiebanner/js/complianz.min.js?ver=1731424015" id="cmplz-cookiebanner-js"></script>
</body>
</html>
"""


# ------------------------------------------------------------------ Mining.com (WordPress)

MC_BASE = "https://www.mining.com"


def mc_url(it):
    sub = "web/" if it["author"] in ("Reuters", "Bloomberg News") else ""
    return f"{MC_BASE}/{sub}{it['slug']}/"


def mc_link(it):
    u = mc_url(it)
    if it.get("utm"):
        u += f"?utm_source=rss&utm_medium=rss&utm_campaign={it['slug'][:40]}#comments"
    return u


def mc_feed(items, day, n, title, self_url, link, desc):
    items = visible(items, day, n)
    last = max(dt(i["pub"]) for i in items)
    out = [
        f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	xmlns:media="http://search.yahoo.com/mrss/"
	>

<channel>
	<title>{title}</title>
	<atom:link href="{self_url}" rel="self" type="application/rss+xml" />
	<link>{link}</link>
	<description>{desc}</description>
	<lastBuildDate>{rfc822(last)}</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>
	hourly	</sy:updatePeriod>
	<sy:updateFrequency>
	1	</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.8.3</generator>
"""
    ]
    for it in items:
        url = mc_url(it)
        cats = "\n".join(f"\t\t<category><![CDATA[{c}]]></category>" for c in it["cats"])
        fp = first_para(it["body"])
        desc_html = (
            f'<p>{esc(excerpt(fp, 40))}</p>\n<p>The post <a href="{url}">{esc(it["title"])}</a> '
            f'appeared first on <a href="{MC_BASE}">MINING.COM</a>.</p>'
        )
        content = paras_html(it["body"]) + (
            f'\n<p>The post <a href="{url}">{esc(it["title"])}</a> appeared first on '
            f'<a href="{MC_BASE}">MINING.COM</a>.</p>'
        )
        out.append(f"""	<item>
		<title>{esc(it["title"])}</title>
		<link>{esc(mc_link(it))}</link>
		<dc:creator><![CDATA[{it["author"]}]]></dc:creator>
		<pubDate>{rfc822(dt(it["pub"]))}</pubDate>
{cats}
		<guid isPermaLink="false">{MC_BASE}/?p={it["pid"]}</guid>
		<description><![CDATA[{desc_html}]]></description>
		<content:encoded><![CDATA[{content}]]></content:encoded>
		<media:content url="{MC_BASE}/wp-content/uploads/2026/11/{it["slug"][:30]}-1024x683.jpg" medium="image" width="1024" height="683"/>
	</item>
""")
    out.append("</channel>\n</rss>\n")
    return "".join(out)


# ------------------------------------------------------------------ Mining Weekly (FeedCreator)


def mw_feed(day):
    items = visible(MW, day, 10)
    last = max(dt(i["pub"]) for i in items)
    sast = timezone(timedelta(hours=2))
    out = [
        f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generator="FeedCreator 1.7.3" -->
<?xml-stylesheet href="http://www.w3.org/2000/08/w3c-synd/style.css" type="text/css"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
    <channel>
        <title>Mining Weekly | Australasia</title>
        <description><![CDATA[The latest mining world news and project information from Australia and Asia focusing on key projects, and provide insight into the impact of the mining sector on the country\u2019s economy and challenges faced.]]></description>
        <link>https://www.miningweekly.com/page/australasia</link>
        <lastBuildDate>{format_datetime(last.astimezone(sast))}</lastBuildDate>
        <generator>FeedCreator 1.7.3</generator>
"""
    ]
    for it in items:
        p = dt(it["pub"])
        out.append(f"""        <item>
            <title>{esc(it["title"])}</title>
            <link>https://www.miningweekly.com/article/{it["slug"]}</link>
            <description><![CDATA[{it["body"].strip()}]]></description>
            <author>{esc(it["author"])}</author>
            <category>{it["cats"][0]}</category>
            <pubDate>{format_datetime(p.astimezone(sast))}</pubDate>
        <a_id>{it["aid"]}</a_id>
        <expires>99999999999</expires>
        <editor>{esc(it["author"])}</editor>
        <has_video>0</has_video>
        <has_audio>0</has_audio>
        <image_url>https://cisp.cachefly.net/assets/articles/images/resized/000{it["aid"]}_resized_{it["slug"][:12].replace("-", "")}1022.jpg</image_url>
        </item>
""")
    out.append("    </channel>\n</rss>\n")
    return "".join(out)


# ------------------------------------------------------------------ Investing News Network


def inn_feed(day):
    items = visible(INN, day, 10)
    last = max(dt(i["pub"]) for i in items)
    out = [
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel><title>Rare Earth Investing News - Investing News Network</title><link>https://investingnews.com/</link><atom:link href="{INN_FEED}" rel="self" type="application/rss+xml"/><description>Rare earth investing news, stocks and market updates from the Investing News Network.</description><language>en</language><lastBuildDate>{rfc822(last)}</lastBuildDate><generator>RebelMouse</generator>"""
    ]
    for it in items:
        url = f"https://investingnews.com/{it['slug']}/"
        link = url + (
            "?utm_source=rss&utm_medium=feed&utm_campaign=rare-earth#toggle-gdpr"
            if it.get("utm")
            else ""
        )
        d = f"<p>{esc(it['body'].strip())}</p>"
        if it.get("hostile"):
            d = (
                f"<p>{esc(it['body'].strip())}</p><script>document.write('<img src=\"https://px.investingnews.com/t.gif?u='+document.cookie+'\">');</script>"
                f'<p><a href="{url}" onclick="window.open(this.href,\'_blank\');return false;" style="color:red" onmouseover="alert(1)">Keep reading...</a></p>'
                '<iframe src="https://ads.investingnews.com/promo" width="1" height="1"></iframe>'
            )
        else:
            d += f'<p><a href="{url}">Keep reading...</a></p>'
        cats = "".join(f"<category>{esc(c)}</category>" for c in it["cats"])
        out.append(
            f"""<item><title>{esc(it["title"])}</title><link>{esc(link)}</link><description><![CDATA[{d}]]></description><pubDate>{rfc822(dt(it["pub"]))}</pubDate><guid isPermaLink="true">{url}</guid><dc:creator>{esc(it["author"])}</dc:creator>{cats}<media:content medium="image" type="image/jpeg" url="https://investingnews.com/media-library/{it["slug"][:20]}.jpg?id={int(hashlib.md5(it["slug"].encode()).hexdigest()[:7], 16)}&amp;width=1200&amp;height=800&amp;coordinates=0%2C0%2C0%2C0"/></item>"""
        )
    out.append("</channel></rss>\n")
    return "".join(out)


# ------------------------------------------------------------------ SCMP (Atom)


def scmp_url(it):
    return f"https://www.scmp.com/business/commodities/article/{it['nid']}/{it['slug']}"


def scmp_feed(day):
    items = visible(SCMP, day, 10)
    last = max(dt(i["pub"]) for i in items)
    out = [
        f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Lynas Rare Earths - South China Morning Post</title>
  <subtitle>Latest news and analysis on Lynas Rare Earths from SCMP</subtitle>
  <id>https://www.scmp.com/topics/lynas-rare-earths</id>
  <link rel="self" type="application/atom+xml" href="{SCMP_FEED}"/>
  <link rel="alternate" type="text/html" href="https://www.scmp.com/topics/lynas-rare-earths"/>
  <updated>{last.isoformat()}</updated>
  <rights>Copyright 2026 South China Morning Post Publishers Ltd. All rights reserved.</rights>
  <icon>https://www.scmp.com/favicon.ico</icon>
"""
    ]
    for it in items:
        p = dt(it["pub"])
        url = scmp_url(it)
        out.append(f"""  <entry>
    <title type="text">{esc(it["title"])}</title>
    <link rel="alternate" type="text/html" href="{url}?utm_source=rss_feed&amp;utm_medium=atom&amp;module=topic_lynas"/>
    <id>{url}</id>
    <published>{p.isoformat()}</published>
    <updated>{(p + timedelta(minutes=25)).isoformat()}</updated>
    <author><name>{esc(it["author"])}</name></author>
    <category term="Business"/>
    <category term="Commodities"/>
    <summary type="html">{esc("<p>" + it["body"].strip() + "</p>")}</summary>
  </entry>
""")
    out.append("</feed>\n")
    return "".join(out)


# ------------------------------------------------------------------ Google News (RSS)


def gn_id(it):
    h = hashlib.sha256(it["title"].encode()).digest()
    return "CBMi" + base64.urlsafe_b64encode(h + h[:12]).decode().rstrip("=")


def gn_feed(day):
    items = visible(GN, day, 100)
    last = cap_time(day) - timedelta(minutes=3)
    out = [
        f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0</generator><title>"rare earths" - Google News</title><link>https://news.google.com/search?q=%22rare+earths%22&amp;hl=en-US&amp;gl=US&amp;ceid=US:en</link><language>en-US</language><webMaster>news-webmaster@google.com</webMaster><copyright>2026 Google Inc.</copyright><lastBuildDate>{rfc822(last)}</lastBuildDate><description>Google News</description>"""
    ]
    for it in items:
        gid = gn_id(it)
        link = f"https://news.google.com/rss/articles/{gid}?oc=5"
        d = esc(
            f'<a href="{link}" target="_blank">{it["title"]}</a>&nbsp;&nbsp;<font color="#6f6f6f">{it["outlet"]}</font>'
        )
        out.append(
            f"""<item><title>{esc(it["title"])} - {esc(it["outlet"])}</title><link>{esc(link)}</link><guid isPermaLink="false">{gid}</guid><pubDate>{rfc822(dt(it["pub"])).replace("+0000", "GMT")}</pubDate><description>{d}</description><source url="{it["site"]}">{esc(it["outlet"])}</source></item>"""
        )
    out.append("</channel></rss>")
    return "".join(out)


# ------------------------------------------------------------------ US DOE newsroom (listing + articles)

DOE_BASE = "https://www.energy.gov"


def doe_chrome(title, main):
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr" prefix="og: https://ogp.me/ns#">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0" />
<title>{esc(title)} | Department of Energy</title>
<link rel="stylesheet" media="all" href="/sites/default/files/css/css_uswds.css" />
<script>(function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':new Date().getTime(),event:'gtm.js'}});}})(window,document,'script','dataLayer','GTM-WVN8RJ');</script>
<script src="https://dap.digitalgov.gov/Universal-Federated-Analytics-Min.js?agency=DOE" id="_fed_an_ua_tag"></script>
</head>
<body class="path-node page-node-type-article">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<section class="usa-banner" aria-label="Official website of the United States government"><div class="usa-accordion"><header class="usa-banner__header"><div class="usa-banner__inner"><p class="usa-banner__header-text">An official website of the United States government</p><button type="button" class="usa-accordion__button usa-banner__button" aria-expanded="false" aria-controls="gov-banner-default"><span class="usa-banner__button-text">Here's how you know</span></button></div></header>
<div class="usa-banner__content usa-accordion__content" id="gov-banner-default" hidden><p><strong>Official websites use .gov</strong> A <strong>.gov</strong> website belongs to an official government organization in the United States.</p><p><strong>Secure .gov websites use HTTPS</strong> A lock or https:// means you've safely connected to the .gov website.</p></div></div></section>
<header class="usa-header usa-header--extended"><div class="usa-navbar"><div class="usa-logo"><a href="/" title="Home">Energy.gov</a></div><button type="button" class="usa-menu-btn">Menu</button></div>
<nav aria-label="Primary navigation" class="usa-nav"><ul class="usa-nav__primary usa-accordion">
<li class="usa-nav__primary-item"><a href="/topics" class="usa-nav-link">Science &amp; Innovation</a></li>
<li class="usa-nav__primary-item"><a href="/energy-economy" class="usa-nav-link">Energy Economy</a></li>
<li class="usa-nav__primary-item"><a href="/security-safety" class="usa-nav-link">Security &amp; Safety</a></li>
<li class="usa-nav__primary-item"><a href="/save-money" class="usa-nav-link">Save Energy, Save Money</a></li>
<li class="usa-nav__primary-item"><a href="/newsroom" class="usa-nav-link usa-current">Newsroom</a></li>
<li class="usa-nav__primary-item"><a href="/about-us" class="usa-nav-link">About Us</a></li>
</ul><form class="usa-search usa-search--small" role="search" action="/search"><input class="usa-input" id="search-field" type="search" name="keyword" /><button class="usa-button" type="submit">Search</button></form></nav></header>
<main id="main-content" class="usa-layout-docs">
{main}
</main>
<footer class="usa-footer"><div class="usa-footer__primary-section"><nav class="usa-footer__nav" aria-label="Footer navigation"><ul class="grid-row grid-gap">
<li><a href="/about-us/web-policies">Web Policies</a></li><li><a href="/about-us/web-policies/privacy">Privacy</a></li><li><a href="/about-us/foia">FOIA</a></li><li><a href="/about-us/no-fear-act">No Fear Act</a></li><li><a href="/cio/vulnerability-disclosure-program">Vulnerability Disclosure Program</a></li></ul></nav></div>
<div class="usa-footer__secondary-section"><p>U.S. Department of Energy, 1000 Independence Ave. SW, Washington DC 20585</p><div class="usa-footer__signup"><h3>Sign Up for Email Updates</h3><form action="https://public.govdelivery.com/accounts/USDOE/subscribers/qualify"><input class="usa-input" type="email" name="email" /><button class="usa-button">Sign Up</button></form></div></div></footer>
<script src="/core/assets/vendor/jquery/jquery.min.js?v=3.7.1"></script>
<script src="/themes/custom/energy_gov/js/uswds.min.js"></script>
</body>
</html>
"""


def doe_article(it):
    p = dt(it["pub"])
    et = p.astimezone(timezone(timedelta(hours=-5)))
    main = f"""<div class="page-hero"><div class="grid-container"><span class="page-hero-type">Press Release</span>
<h1 class="page-title">{esc(it["title"])}</h1>
<div class="page-hero-date"><time datetime="{p.isoformat().replace("+00:00", "Z")}">{et.strftime("%B")} {et.day}, {et.year}</time></div></div></div>
<div class="grid-container"><div class="grid-row"><div class="desktop:grid-col-8">
<div class="share-links"><a href="https://www.facebook.com/sharer/sharer.php?u={DOE_BASE}/articles/{it["slug"]}">Facebook</a> <a href="https://x.com/intent/tweet?url={DOE_BASE}/articles/{it["slug"]}">Twitter</a> <a href="https://www.linkedin.com/shareArticle?url={DOE_BASE}/articles/{it["slug"]}">Linkedin</a> <a href="mailto:?subject={esc(it["title"][:50])}">Email</a> <a href="javascript:window.print()" onclick="window.print();return false;">Print</a></div>
<div class="article-body text-formatted">
{paras_html(it["body"])}
<p>###</p>
</div>
<div class="related-content"><h2>Related News</h2><ul><li><a href="/articles/doe-critical-minerals-and-materials-accelerator">Critical Minerals and Materials Accelerator Selections</a></li><li><a href="/cmm/critical-minerals-materials-program">Critical Minerals &amp; Materials Program</a></li></ul></div>
</div></div></div>"""
    return doe_chrome(it["title"], main)


def doe_listing(day):
    items = visible(DOE, day, 10)
    older = []
    cards = []
    for it in items:
        p = dt(it["pub"]).astimezone(timezone(timedelta(hours=-5)))
        cards.append(f"""<div class="usa-card search-result"><div class="usa-card__container"><div class="usa-card__header"><span class="search-result-type">Press Release</span>
<h3 class="usa-card__heading search-result-title"><a href="/articles/{it["slug"]}">{esc(it["title"])}</a></h3></div>
<div class="usa-card__body"><p class="search-result-date">{p.strftime("%B")} {p.day}, {p.year}</p><p>{esc(excerpt(first_para(it["body"]).replace("WASHINGTON — ", ""), 28).replace(" [&#8230;]", "..."))}</p></div></div></div>""")
    for href, t, d in older:
        cards.append(f"""<div class="usa-card search-result"><div class="usa-card__container"><div class="usa-card__header"><span class="search-result-type">Article</span>
<h3 class="usa-card__heading search-result-title"><a href="{href}">{esc(t)}</a></h3></div><div class="usa-card__body"><p class="search-result-date">{d}</p></div></div></div>""")
    main = f"""<div class="page-hero"><div class="grid-container"><h1 class="page-title">Newsroom</h1><p>The latest news, press releases and announcements from the U.S. Department of Energy.</p></div></div>
<div class="grid-container"><div class="grid-row grid-gap"><aside class="desktop:grid-col-3 facets"><h2>Filter by</h2><ul><li><a href="/newsroom?type=press_release">Press Releases</a></li><li><a href="/newsroom?type=article">Articles</a></li><li><a href="/newsroom?topic=critical-minerals">Critical Minerals</a></li></ul></aside>
<div class="desktop:grid-col-9 search-results">
{chr(10).join(cards)}
<nav class="usa-pagination" aria-label="Pagination"><ul class="usa-pagination__list"><li class="usa-pagination__item usa-pagination__page-no"><a href="?page=0" class="usa-pagination__button usa-current">1</a></li><li><a href="?page=1" class="usa-pagination__button">2</a></li><li><a href="?page=1" class="usa-pagination__link usa-pagination__next-page">Next</a></li></ul></nav>
</div></div></div>"""
    return doe_chrome("Newsroom", main)


# ------------------------------------------------------------------ prices (shared by SMM, SunSirs, CREIA)

PRICE_DAYS = [
    date(2026, 11, 19),
    date(2026, 11, 20),
    date(2026, 11, 23),
    date(2026, 11, 24),
    date(2026, 11, 25),
    date(2026, 11, 26),
    date(2026, 11, 27),
]
# Pr-Nd oxide (low, high) yuan/t; Dy oxide, Tb oxide (low, high) in million yuan/t
PRND = {
    PRICE_DAYS[0]: (599000, 603000),
    PRICE_DAYS[1]: (598000, 602000),
    PRICE_DAYS[2]: (596000, 600000),
    PRICE_DAYS[3]: (599000, 603000),
    PRICE_DAYS[4]: (598000, 601000),
    PRICE_DAYS[5]: (603000, 607000),
    PRICE_DAYS[6]: (604000, 608000),
}
DY = {
    PRICE_DAYS[0]: (1.60, 1.61),
    PRICE_DAYS[1]: (1.61, 1.62),
    PRICE_DAYS[2]: (1.62, 1.63),
    PRICE_DAYS[3]: (1.63, 1.64),
    PRICE_DAYS[4]: (1.635, 1.645),
    # Thu 26 Nov: smelter inspections in Ganzhou; +3.05% day on day (the alert)
    PRICE_DAYS[5]: (1.685, 1.695),
    PRICE_DAYS[6]: (1.70, 1.71),
}
TB = {
    PRICE_DAYS[0]: (5.70, 5.73),
    PRICE_DAYS[1]: (5.74, 5.77),
    PRICE_DAYS[2]: (5.77, 5.80),
    PRICE_DAYS[3]: (5.80, 5.83),
    PRICE_DAYS[4]: (5.82, 5.86),
    PRICE_DAYS[5]: (5.90, 5.96),
    PRICE_DAYS[6]: (5.95, 6.01),
}


def mid(t):
    return (t[0] + t[1]) / 2


def prnd_metal(d):
    lo, hi = PRND[d]
    return (round(lo * 1.2265, -3), round(hi * 1.2265, -3))


def fmt_m(x):
    s = f"{x:.3f}"
    return s[:-1] if s.endswith("0") else s


# SunSirs list (single reference price, yuan/ton)
SUNSIRS_ROWS = [
    ("Praseodymium-neodymium oxide", lambda d: mid(PRND[d])),
    ("Praseodymium oxide", lambda d: round(mid(PRND[d]) * 1.018, -3)),
    ("Neodymium oxide", lambda d: round(mid(PRND[d]) * 1.012, -3)),
    ("Neodymium metal", lambda d: round(mid(PRND[d]) * 1.232, -3)),
    ("Praseodymium-neodymium alloy", lambda d: mid(prnd_metal(d))),
    ("Dysprosium oxide", lambda d: mid(DY[d]) * 1e6),
    ("Dysprosium-iron alloy", lambda d: round(mid(DY[d]) * 1e6 * 0.985, -3)),
    ("Terbium oxide", lambda d: mid(TB[d]) * 1e6),
    ("Terbium metal", lambda d: round(mid(TB[d]) * 1e6 * 1.235, -3)),
    (
        "Gadolinium oxide",
        lambda d: {
            PRICE_DAYS[0]: 171000,
            PRICE_DAYS[1]: 171000,
            PRICE_DAYS[2]: 170000,
            PRICE_DAYS[3]: 172000,
            PRICE_DAYS[4]: 172000,
            PRICE_DAYS[5]: 173000,
            PRICE_DAYS[6]: 173000,
        }[d],
    ),
    (
        "Holmium oxide",
        lambda d: {
            PRICE_DAYS[0]: 478000,
            PRICE_DAYS[1]: 480000,
            PRICE_DAYS[2]: 480000,
            PRICE_DAYS[3]: 485000,
            PRICE_DAYS[4]: 484000,
            PRICE_DAYS[5]: 490000,
            PRICE_DAYS[6]: 492000,
        }[d],
    ),
    ("Lanthanum oxide", lambda d: 4050),
    (
        "Cerium oxide",
        lambda d: {
            PRICE_DAYS[0]: 9950,
            PRICE_DAYS[1]: 9950,
            PRICE_DAYS[2]: 9900,
            PRICE_DAYS[3]: 9900,
            PRICE_DAYS[4]: 9950,
            PRICE_DAYS[5]: 9950,
            PRICE_DAYS[6]: 9950,
        }[d],
    ),
    ("Yttrium oxide", lambda d: 44500),
]
SUNSIRS_INDEX = {
    PRICE_DAYS[0]: 694,
    PRICE_DAYS[1]: 697,
    PRICE_DAYS[2]: 685,
    PRICE_DAYS[3]: 691,
    PRICE_DAYS[4]: 688,
    PRICE_DAYS[5]: 699,
    PRICE_DAYS[6]: 701,
}


def prev_day(d):
    i = PRICE_DAYS.index(d)
    return PRICE_DAYS[i - 1] if i else None


def sunsirs_page(day):
    pd = prev_day(day)
    rows = []
    for name, f in SUNSIRS_ROWS:
        v, pv = f(day), f(pd)
        pct = (v - pv) / pv * 100
        rows.append(f"""<tr class="price-row">
<td class="commodity"><a href="/uk/prodetail-{int(hashlib.md5(name.encode()).hexdigest()[:6], 16) % 900 + 1000}.html">{name}</a></td>
<td class="sector">Rare Earth</td>
<td class="price">{v:,.2f}</td>
<td class="unit">yuan/ton</td>
<td class="change {"up" if pct > 0 else "down" if pct < 0 else "flat"}">{pct:+.2f}%</td>
<td class="date">{day.isoformat()}</td>
</tr>""")
    idx, pidx = SUNSIRS_INDEX[day], SUNSIRS_INDEX[pd]
    diff = idx - pidx
    word = "down" if diff < 0 else "up"
    p0, pp = SUNSIRS_ROWS[0][1](day), SUNSIRS_ROWS[0][1](pd)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>Rare Earth Price List - SunSirs - China Commodity Data Group</title>
<meta name="keywords" content="rare earth price, praseodymium-neodymium oxide price, dysprosium oxide price, terbium oxide price" />
<link href="/uk/css/style.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/uk/js/jquery-1.8.3.min.js"></script>
<script>var _hmt = _hmt || [];(function() {{var hm = document.createElement("script");hm.src = "https://hm.baidu.com/hm.js?3e1f5a0c7e4a0b2d1c5f";var s = document.getElementsByTagName("script")[0];s.parentNode.insertBefore(hm, s);}})();</script>
</head>
<body>
<div class="top"><div class="w1200"><span class="welcome">Welcome to SunSirs! <a href="/uk/login.html">Login</a> | <a href="/uk/register.html">Register</a></span><span class="lang"><a href="https://www.100ppi.com/">中文</a> | English</span></div></div>
<div class="head w1200"><a href="/uk/" class="logo"><img src="/uk/images/logo.png" alt="SunSirs" /></a>
<form class="search" action="/uk/search.html"><input type="text" name="keyword" placeholder="Commodity name" /><input type="submit" value="Search" /></form></div>
<div class="nav"><ul class="w1200"><li><a href="/uk/">Home</a></li><li><a href="/uk/sectors-11.html">Energy</a></li><li><a href="/uk/sectors-12.html">Chemical</a></li><li><a href="/uk/sectors-13.html">Non-ferrous</a></li><li class="on"><a href="/uk/sectors-14.html">Rare Earth</a></li><li><a href="/uk/sectors-15.html">Steel</a></li><li><a href="/uk/sectors-16.html">Agricultural</a></li><li><a href="/uk/news.html">News</a></li><li><a href="/uk/vip.html">Data Service</a></li></ul></div>
<div class="w1200 main">
<div class="left">
<div class="crumb"><a href="/uk/">Home</a> &gt; <a href="/uk/sectors-14.html">Rare Earth</a> &gt; Price List</div>
<h1 class="list-title">Rare Earth Price List ({day.isoformat()})</h1>
<div class="commentary"><p>According to the monitoring of SunSirs, on {day.strftime("%B")} {day.day}, {day.year}, the rare earth index was {idx} points, {word} {abs(diff)} points from previous day, {"a decrease" if diff < 0 else "an increase"} of {abs(diff) / pidx * 100:.2f}% from {pidx} points on {pd.strftime("%B")} {pd.day}. Praseodymium-neodymium oxide was quoted at {p0:,.0f} yuan/ton, {("down" if p0 < pp else "up")} {abs(p0 - pp) / pp * 100:.2f}% from the previous trading day.</p></div>
<table class="price-list" width="100%" cellspacing="0" cellpadding="0">
<thead><tr><th>Commodity</th><th>Sectors</th><th>Price</th><th>Unit</th><th>Change</th><th>Date</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p class="note">Note: prices are the mainstream ex-works quotations in China, VAT included. For reference only.</p>
</div>
<div class="right">
<div class="box hot"><h3>Hot Commodities</h3><table class="hot-list"><tr><td><a href="/uk/prodetail-972.html">Copper</a></td><td>87,310.00</td><td class="up">+0.62%</td></tr><tr><td><a href="/uk/prodetail-1394.html">Lithium carbonate</a></td><td>86,500.00</td><td class="up">+1.05%</td></tr><tr><td><a href="/uk/prodetail-927.html">Rebar</a></td><td>3,212.00</td><td class="down">-0.40%</td></tr></table></div>
<div class="box subscribe"><h3>Price Alerts</h3><p>Subscribe to daily price alerts for rare earth commodities.</p><a class="btn" href="/uk/vip.html">Subscribe</a></div>
</div>
</div>
<div class="foot"><div class="w1200"><p><a href="/uk/about.html">About Us</a> | <a href="/uk/contact.html">Contact Us</a> | <a href="/uk/disclaimer.html">Disclaimer</a></p><p>Copyright &copy; 2026 SunSirs All Rights Reserved. 浙B2-20080178</p></div></div>
<div id="cookie-tip" style="position:fixed;bottom:0">This website uses cookies to improve your experience. <a href="javascript:;" onclick="document.getElementById('cookie-tip').style.display='none'">Accept</a></div>
</body>
</html>
"""


# CREIA index: a random walk for trading days, fixed at the five capture days
def trading_days(end, n):
    out, d = [], end
    holidays = {date(2026, 10, i) for i in range(1, 9)}
    while len(out) < n:
        if d.weekday() < 5 and d not in holidays:
            out.append(d)
        d -= timedelta(days=1)
    return out[::-1]


def creia_series():
    days = trading_days(date(2026, 11, 27), 44)
    fixed = {date(2026, 11, 23): 305.2, date(2026, 11, 24): 306.4, date(2026, 11, 25): 305.9,
             date(2026, 11, 26): 309.6, date(2026, 11, 27): 310.2}
    rng = random.Random(20261123)
    vals = {}
    v = 305.2
    back = [d for d in days if d < date(2026, 11, 23)][::-1]
    for k, d in enumerate(back):
        # going back in time: down to an October low near 294, higher again in September
        drift = 0.45 if k < 24 else -0.55
        v = round(v - rng.uniform(-1.5, 1.5) - drift, 1)
        v = min(max(v, 291.0), 309.5)
        vals[d] = v
    vals.update(fixed)
    return [(d, vals[d]) for d in days]


SERIES = creia_series()


def creia_page(day):
    ser = [(d, v) for d, v in SERIES if d <= day]
    today, tv = ser[-1]
    _, pv = ser[-2]
    ch = round(tv - pv, 1)
    word = "up" if ch > 0 else "down" if ch < 0 else "unchanged"
    light = {
        date(2026, 11, 23): (288.7, -0.3),
        date(2026, 11, 24): (289.6, 0.9),
        date(2026, 11, 25): (289.1, -0.5),
        date(2026, 11, 26): (290.8, 1.7),
        date(2026, 11, 27): (291.0, 0.2),
    }[day]
    heavy = {
        date(2026, 11, 23): (341.9, 1.4),
        date(2026, 11, 24): (344.1, 2.2),
        date(2026, 11, 25): (344.3, 0.2),
        date(2026, 11, 26): (350.6, 6.3),
        date(2026, 11, 27): (351.4, 0.8),
    }[day]
    rows = []
    for i in range(len(ser) - 1, 0, -1):
        d, v = ser[i]
        c = round(v - ser[i - 1][1], 1)
        rows.append(
            f"""<tr class="index-row"><th scope="row" class="trade-date"><time datetime="{d.isoformat()}">{d.isoformat()}</time></th><td class="index-name">China Rare Earth Price Index</td><td class="index-value">{v:.1f}</td><td class="index-unit">points</td><td class="index-change">{c:+.1f}</td><td class="index-pct">{c / ser[i - 1][1] * 100:+.2f}%</td></tr>"""
        )
    month = today.strftime("%B")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>稀土价格指数 China Rare Earth Price Index - 中国稀土行业协会 China Rare Earth Industry Association</title>
<meta name="keywords" content="稀土价格指数,稀土价格,rare earth price index,CREIA">
<link rel="stylesheet" href="/template/creia/css/common.css">
<script src="/template/creia/js/jquery.min.js"></script>
<script src="/template/creia/js/echarts.min.js"></script>
</head>
<body>
<div class="topbar"><div class="wrap"><span>欢迎访问中国稀土行业协会网站 Welcome to CREIA</span><a href="/member/login">会员登录 Member login</a> <a href="/en/">English</a></div></div>
<div class="header wrap"><a class="logo" href="/"><img src="/template/creia/images/logo.png" alt="中国稀土行业协会 China Rare Earth Industry Association"></a></div>
<div class="mainnav"><ul class="wrap"><li><a href="/">首页 Home</a></li><li><a href="/about/">协会概况 About</a></li><li><a href="/news/">行业资讯 News</a></li><li><a href="/policy/">政策法规 Policy</a></li><li class="cur"><a href="/price-index/">价格指数 Price Index</a></li><li><a href="/price/">稀土价格 Prices</a></li><li><a href="/standard/">标准 Standards</a></li><li><a href="/contact/">联系我们 Contact</a></li></ul></div>
<div class="wrap content">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/price-index/">价格指数</a></div>
<h1 class="page-title">中国稀土价格指数 China Rare Earth Price Index</h1>
<div class="today-index">
<p class="index-headline">{today.year}年{today.month}月{today.day}日 稀土价格指数 <strong>{tv:.1f}</strong>（{ch:+.1f}）</p>
<p class="lede">On {month} {today.day}, {today.year} the China Rare Earth Price Index stood at {tv:.1f} points, {word} {abs(ch):.1f} points from the previous trading day. The light rare earth index was {light[0]:.1f} points ({light[1]:+.1f}) and the heavy rare earth index was {heavy[0]:.1f} points ({heavy[1]:+.1f}). Base period: 2010 = 100.</p>
<table class="sub-index"><tr><th>指数 Index</th><th>点位 Points</th><th>涨跌 Change</th></tr><tr><td>稀土价格指数 Composite</td><td>{tv:.1f}</td><td>{ch:+.1f}</td></tr><tr><td>轻稀土指数 Light REE</td><td>{light[0]:.1f}</td><td>{light[1]:+.1f}</td></tr><tr><td>重稀土指数 Heavy REE</td><td>{heavy[0]:.1f}</td><td>{heavy[1]:+.1f}</td></tr></table>
</div>
<div id="index-chart" style="width:100%;height:320px"></div>
<h2>历史指数 Index history (last {len(rows)} trading days)</h2>
<table class="index-history">
<thead><tr><th>日期 Date</th><th>指数 Index</th><th>点位 Value</th><th>单位 Unit</th><th>涨跌 Change</th><th>涨跌幅 Change %</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<div class="explain"><h3>指数说明 About the index</h3><p>The China Rare Earth Price Index is compiled by the China Rare Earth Industry Association from daily transaction prices of 14 rare earth products, weighted by output value. Base period 2010 = 100. Data are published on trading days after 14:00 Beijing time.</p></div>
</div>
<div class="footer"><div class="wrap"><p><a href="/about/">关于我们</a> | <a href="/contact/">联系方式</a> | <a href="/sitemap/">网站地图</a></p><p>版权所有 中国稀土行业协会 Copyright &copy; 2026 China Rare Earth Industry Association 京ICP备12003467号-1</p><p>地址：北京市西城区 电话：010-68576089</p></div></div>
<script>
var chart = echarts.init(document.getElementById('index-chart'));
chart.setOption({{xAxis:{{type:'category',data:{[d.isoformat() for d, _ in ser]!r}}},yAxis:{{type:'value',min:280}},series:[{{type:'line',data:{[v for _, v in ser]!r}}}]}});
</script>
</body>
</html>
"""


# ------------------------------------------------------------------ SMM (listing + articles)

SMM_BASE = "https://news.metal.com"


def smm_articles():
    arts = []
    nid = 103611870
    for d in PRICE_DAYS:
        nid += 37
        lo, hi = PRND[d]
        mlo, mhi = prnd_metal(d)
        dl, dh = DY[d]
        tl, th = TB[d]
        pd = prev_day(d)
        trend = ""
        if pd:
            delta = mid(PRND[d]) - mid(PRND[pd])
            trend = "edged down" if delta < 0 else "rebounded" if delta > 0 else "held steady"
        pub = datetime(d.year, d.month, d.day, 8, 52, tzinfo=CST)
        body = f"""SMM Rare Earth Morning Meeting Summary ({d.strftime("%b")} {d.day})

Ore end: Prices of rare earth ores were stable. Supply of Myanmar ionic clay ore remained tight, and separation plants in south China reported low raw material inventories.

Prices: The mainstream quotation range for Pr-Nd oxide was {lo:,}-{hi:,} yuan/mt; the transaction range for dysprosium oxide was around {fmt_m(dl)}-{fmt_m(dh)} million yuan/mt, and terbium oxide quotations were around {fmt_m(tl)}-{fmt_m(th)} million yuan/mt. Pr-Nd metal was quoted at {int(mlo):,}-{int(mhi):,} yuan/mt.

Supply side: Major separation enterprises maintained normal production. Some metal plants reduced output due to thin processing margins, and {("prices " + trend + " in the previous session" if trend else "trading was active")}.

Demand side: Magnet enterprises purchased mainly for rigid demand, and year-end stockpiling supported orders for high-performance magnets. Downstream inquiries for dysprosium and terbium products were active.

Overall: SMM expects rare earth prices to fluctuate within a narrow range in the short term, with heavy rare earths stronger than light rare earths."""
        arts.append(
            dict(
                nid=nid,
                pub=pub,
                kind="morning",
                title=f"SMM Rare Earth Morning Meeting Summary ({d.strftime('%b')} {d.day})",
                slug=f"SMM-Rare-Earth-Morning-Meeting-Summary-{d.strftime('%b')}-{d.day}",
                body=body,
            )
        )
        if pd:
            nid += 11
            pub2 = datetime(d.year, d.month, d.day, 15, 36, tzinfo=CST)
            v, pv = mid(PRND[d]), mid(PRND[pd])
            verb = "fell" if v < pv else "rose" if v > pv else "was flat"
            dm, pdm = mid(DY[d]) * 1e6, mid(DY[pd]) * 1e6
            sent = (
                f"The price of praseodymium and neodymium oxide {verb} by {abs(v - pv):,.0f} yuan/ton to {v:,.0f} yuan/ton"
                if v != pv
                else f"The price of praseodymium and neodymium oxide was flat at {v:,.0f} yuan/ton"
            )
            body2 = f"""SHANGHAI, {d.strftime("%b")} {d.day} (SMM) - {sent} on {d.strftime("%B")} {d.day}, while the price of dysprosium oxide {"rose" if dm > pdm else "fell"} by {abs(dm - pdm):,.0f} yuan/ton to {dm:,.0f} yuan/ton and terbium oxide {"rose" if mid(TB[d]) > mid(TB[pd]) else "fell"} to {mid(TB[d]) * 1e6:,.0f} yuan/ton, according to SMM data.

Market participants said downstream magnet makers replenished stocks cautiously at current levels. Separation plants were reluctant to sell at lower prices given firm ore costs, while traders held limited inventory.

Lanthanum oxide and cerium oxide remained stable at around 4,050 yuan/ton and 9,900 yuan/ton respectively."""
            arts.append(
                dict(
                    nid=nid,
                    pub=pub2,
                    kind="spot",
                    title=f"Rare Earth Prices on {d.strftime('%b')} {d.day}: Pr-Nd Oxide {'Falls' if v < pv else 'Rises' if v > pv else 'Flat'}, Heavy Rare Earths Firm",
                    slug=f"Rare-Earth-Prices-{d.strftime('%b')}-{d.day}-Pr-Nd-Oxide",
                    body=body2,
                )
            )
    arts.append(
        dict(
            nid=103611902,
            pub=datetime(2026, 11, 20, 17, 10, tzinfo=CST),
            kind="news",
            title="China's Rare Earth Exports Fell 9% MoM in October; Magnet Exports to the US Dropped Sharply",
            slug="China-Rare-Earth-Exports-October-2026",
            body="""According to data from the General Administration of Customs, China exported 4,870 mt of rare earths in October, down 9% MoM. Rare earth permanent magnet exports were 5,210 mt, down 4.6% MoM, with exports to the US falling by nearly a quarter.

SMM believes that the licensing regime continues to weigh on export volumes, while domestic demand from new energy vehicles and industrial motors remains robust.""",
        )
    )
    return arts


SMM_ARTS = smm_articles()


def smm_url(a):
    return f"{SMM_BASE}/newscontent/{a['nid']}/{a['slug']}"


def smm_visible(day):
    cut = cap_time(day)
    got = [a for a in SMM_ARTS if a["pub"] <= cut]
    got.sort(key=lambda a: a["pub"], reverse=True)
    return got[:7]


SMM_HEAD = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title>
<meta name="description" content="{desc}"><link rel="stylesheet" href="https://static.metal.com/news/_nuxt/app.7f3c2a.css">
<script>window.__NUXT__=(function(a,b){{return {{layout:"default",data:[{{}}],state:{{user:a,lang:"en"}}}}}}(null,false));</script></head>
<body><div id="__nuxt"><div id="__layout"><div class="layout-default">
<header class="smm-header"><div class="container"><a class="logo" href="https://www.metal.com/"><img src="https://static.metal.com/img/logo-en.svg" alt="SMM - Shanghai Metals Market"></a>
<nav class="main-nav"><a href="https://www.metal.com/price">Prices</a><a href="https://news.metal.com/" class="active">News</a><a href="https://www.metal.com/data">Data</a><a href="https://www.metal.com/events">Events</a><a href="https://www.metal.com/research">Research</a></nav>
<div class="user-area"><a href="https://www.metal.com/login">Log in</a><a class="btn-trial" href="https://www.metal.com/trial">Free Trial</a></div></div></header>"""

SMM_FOOT = """<aside class="sidebar"><div class="box"><h3>Hot News</h3><ul><li><a href="/newscontent/103611100/Copper-Morning-Comment">[SMM Morning Comment] LME Copper Rose on Weaker Dollar</a></li><li><a href="/newscontent/103611140/Lithium-Carbonate-Prices">Lithium Carbonate Spot Prices Extend Gains</a></li><li><a href="/newscontent/103611177/Cobalt-Weekly">Cobalt Weekly Review: Intermediate Prices Firm</a></li></ul></div>
<div class="box subscribe"><h3>Subscribe to SMM Daily</h3><p>Get the daily rare earth market summary in your inbox.</p><form action="https://www.metal.com/subscribe"><input type="email" name="email" placeholder="Email"><button>Subscribe</button></form></div></aside>
<footer class="smm-footer"><div class="container"><p><a href="https://www.metal.com/about">About SMM</a> | <a href="https://www.metal.com/terms">Terms of Service</a> | <a href="https://www.metal.com/privacy">Privacy Policy</a></p><p>Data sources: SMM, the information is for reference only. Copyright &copy; 2026 Shanghai Metals Market. All rights reserved.</p></div></footer>
<div class="cookie-consent" id="cookieConsent">We use cookies to give you the best experience. By continuing to use this site you agree to our <a href="https://www.metal.com/privacy">Cookie Policy</a>. <button onclick="document.getElementById('cookieConsent').remove()">Got it</button></div>
</div></div></div>
<script src="https://static.metal.com/news/_nuxt/runtime.a1b2c3.js" defer></script><script src="https://static.metal.com/news/_nuxt/app.7f3c2a.js" defer></script>
</body></html>
"""


def smm_article_page(a):
    paras = "\n".join(f"<p>{esc(p.strip())}</p>" for p in a["body"].split("\n\n"))
    return (
        SMM_HEAD.format(
            title=esc(a["title"]) + " - SMM | Shanghai Metals Market", desc=esc(a["title"])
        )
        + f"""
<main class="container news-detail"><div class="breadcrumb"><a href="https://news.metal.com/">News</a> &gt; <a href="/list/industry/rare-earths">Rare Earths</a></div>
<article>
<h1 class="news-title">{esc(a["title"])}</h1>
<div class="news-info"><span class="news-source">Source: SMM</span> <time datetime="{a["pub"].isoformat()}">{a["pub"].strftime("%b %d, %Y %H:%M")}</time> <span class="views">Views 1,{a["nid"] % 900 + 100}</span></div>
<div class="news-content">
{paras}
</div>
<div class="news-disclaimer"><p>For queries, please contact William Gu at williamgu@smm.cn. For more information on how to access our research reports, please email service.en@smm.cn</p></div>
<div class="share"><span>Share:</span><a href="https://www.linkedin.com/sharing/share-offsite/?url={smm_url(a)}">LinkedIn</a><a href="https://x.com/share?url={smm_url(a)}">X</a></div>
</article>
<section class="related"><h3>Related News</h3><ul><li><a href="/list/industry/rare-earths">More rare earth news</a></li></ul></section>
</main>
"""
        + SMM_FOOT
    )


def smm_listing(day):
    lis = []
    for a in smm_visible(day):
        lis.append(f"""<li class="news-item"><a class="news-item-title" href="/newscontent/{a["nid"]}/{a["slug"]}">{esc(a["title"])}</a>
<p class="news-item-brief">{esc(a["body"].split(chr(10) + chr(10))[1][:160])}...</p><div class="news-item-meta"><span>SMM</span> <time datetime="{a["pub"].isoformat()}">{a["pub"].strftime("%b %d, %Y %H:%M")}</time></div></li>""")
    return (
        SMM_HEAD.format(
            title="Rare Earths News - SMM | Shanghai Metals Market",
            desc="Rare earth market news and prices from SMM",
        )
        + f"""
<main class="container news-list"><h1>Rare Earths</h1><div class="tabs"><a href="/list/industry/rare-earths" class="active">All</a><a href="/list/industry/rare-earths?type=price">Price Review</a><a href="/list/industry/rare-earths?type=morning">Morning Comment</a></div>
<ul class="news-items">
{chr(10).join(lis)}
</ul>
<div class="pagination"><a class="active">1</a><a href="/list/industry/rare-earths?page=2">2</a><a href="/list/industry/rare-earths?page=2">Next</a></div>
</main>
"""
        + SMM_FOOT
    )


# ------------------------------------------------------------------ write everything


# ------------------------------------------------------------------ Chinese price sources and the ECB's rates
# The Chinese pages carry the same (invented) November 2026 market as the English ones above,
# written as those publishers write: 生意社 (SunSirs, 100ppi.com) daily commentaries with a
# table, SMM's Chinese quote page (hq.smm.cn) and 长江有色金属网 (ccmn.cn) average prices.
# On 25 Nov 长江有色's terbium oxide average is set 1.9% above the others on purpose: the
# edition flags a disagreement between sources beyond 1%.

PPI_LIST = "https://www.100ppi.com/news/list-14--2350-1.html"
SMM_CN = "https://hq.smm.cn/xitu"
CCMN = "https://www.ccmn.cn/index_table/"
ECB_DAILY = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


def wan(x):
    """Yuan to 万元 as Chinese reports print it: 60.1, 163.5, 584."""
    v = x / 1e4
    return f"{v:.2f}".rstrip("0").rstrip(".")


def ppi_articles():
    arts = []
    nid = 5612300
    for d in PRICE_DAYS[1:]:
        pd = prev_day(d)
        nid += 17
        lo, hi = PRND[d]
        plo, phi = PRND[pd]
        mlo, mhi = prnd_metal(d)
        pmlo, pmhi = prnd_metal(pd)
        ch = mid(PRND[d]) - mid(PRND[pd])
        mch = mid((mlo, mhi)) - mid((pmlo, pmhi))
        verb = "上涨" if ch > 0 else "下滑" if ch < 0 else "持稳"
        light_rows = [("镨钕氧化物", lo, hi, ch), ("镨钕金属", mlo, mhi, mch)]
        def move(name, m, c):
            if c > 0:
                return f"{name}价格上涨{c:,.0f}元/吨至{wan(m)}万元/吨".replace(",", "")
            if c < 0:
                return f"{name}价格下滑{-c:,.0f}元/吨至{wan(m)}万元/吨".replace(",", "")
            return f"{name}价格为{wan(m)}万元/吨"
        light_text = (f"{d.month}月{d.day}日国内轻稀土市场价格走势{verb},"
                      + move("镨钕氧化物", mid((lo, hi)), ch) + ","
                      + move("金属镨钕", mid((mlo, mhi)), mch)
                      + ",场内走销情况正常,下游采购情况一般,预计后期价格震荡为主。")
        arts.append(dict(nid=nid, day=d, title=f"{d.month}月{d.day}日国内轻稀土市场价格{verb}",
                         rows=light_rows, text=light_text))
        nid += 9
        dl, dh = (DY[d][0] * 1e6, DY[d][1] * 1e6)
        tl, th = (TB[d][0] * 1e6, TB[d][1] * 1e6)
        dch = mid(DY[d]) * 1e6 - mid(DY[pd]) * 1e6
        tch = mid(TB[d]) * 1e6 - mid(TB[pd]) * 1e6
        hverb = "上涨" if dch + tch > 0 else "下滑" if dch + tch < 0 else "持稳"
        heavy_rows = [("氧化镝", dl, dh, dch), ("氧化铽", tl, th, tch)]
        heavy_text = (f"{d.month}月{d.day}日国内镝铽系稀土价格走势{hverb},近期场内交易情况一般,"
                      + move("氧化铽", mid((tl, th)), tch) + ","
                      + move("氧化镝", mid((dl, dh)), dch)
                      + ";近期下游按需采购为主,新增订单情况一般,后期价格震荡为主。")
        arts.append(dict(nid=nid, day=d, title=f"{d.month}月{d.day}日国内镝铽系稀土价格{hverb}",
                         rows=heavy_rows, text=heavy_text))
    return arts


PPI_ARTS = ppi_articles()


def ppi_url(a):
    return f"https://www.100ppi.com/news/detail-{a['day'].strftime('%Y%m%d')}-{a['nid']}.html"


def ppi_visible(day):
    return [a for a in PPI_ARTS if a["day"] < day][-6:][::-1]  # published the afternoon before


PPI_HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{title}-生意社</title><meta name="keywords" content="稀土,氧化镨钕,氧化镝,氧化铽,价格" />
<link href="//static.100ppi.com/css/news.css" rel="stylesheet" type="text/css" /></head>
<body><div class="top w1200"><a href="https://www.100ppi.com/">生意社首页</a> | <a href="https://www.sunsirs.com/">English</a> | <a href="https://www.100ppi.com/login/">登录</a></div>
<div class="nav w1200"><a href="https://www.100ppi.com/news/">资讯</a><a href="https://www.100ppi.com/price/">价格</a><a href="https://www.100ppi.com/vane/">指数</a></div>"""
PPI_FOOT = """<div class="foot w1200"><p>生意社 版权所有 Copyright &copy; 2026 100ppi.com 浙B2-20080178</p></div></body></html>
"""


def ppi_article_page(a):
    d = a["day"]
    rows = "\n".join(
        f"<tr><td>{n}</td><td>{lo:.0f}-{hi:.0f}</td><td>{(lo + hi) / 2:.0f}</td><td>{c:.0f}</td></tr>"
        for n, lo, hi, c in a["rows"])
    return (PPI_HEAD.format(title=esc(a["title"])) + f"""
<div class="w1200 news-main"><div class="crumb"><a href="https://www.100ppi.com/news/">资讯</a> &gt; <a href="{PPI_LIST}">稀土</a> &gt; 正文</div>
<h1 class="news-title">{esc(a["title"])}</h1>
<div class="news-info">生意社<span class="pub-time">{d.isoformat()} 16:{10 + a["nid"] % 40:02d}</span></div>
<div class="news-detail">
<table class="ndtable" border="1" cellspacing="0"><tr><td>产品</td><td>价格区间(元/吨)</td><td>均价(元/吨)</td><td>涨跌(元/吨)</td></tr>
{rows}
</table>
<p>{esc(a["text"])}</p>
<p>【大宗商品公式定价原理】生意社基准价是基于价格大数据与生意社价格模型产生的交易指导价,又称生意社价格。(文章来源:生意社)</p>
</div>
<div class="share">分享到: <a href="#">微信</a> <a href="#">微博</a></div></div>
""" + PPI_FOOT)


def ppi_listing(day):
    lis = "\n".join(
        f'<li><span class="time">({a["day"].isoformat()})</span><a class="news-link" href="{ppi_url(a)}">{esc(a["title"])}</a></li>'
        for a in ppi_visible(day))
    return (PPI_HEAD.format(title="稀土资讯") + f"""
<div class="w1200 list-main"><h2 class="list-title">氧化镨钕资讯</h2>
<ul class="news-list">
{lis}
</ul>
<div class="pager"><a href="https://www.100ppi.com/news/list-14--2350-2.html">下一页</a></div></div>
""" + PPI_FOOT)


def smm_cn_page(day):
    d = prev_day(day) if day not in PRICE_DAYS else day
    pd = prev_day(d)
    rows = []
    for name, cur, prv in (
        ("氧化镨钕", PRND[d], PRND[pd]),
        ("镨钕金属", prnd_metal(d), prnd_metal(pd)),
        ("氧化镝", tuple(x * 1e6 for x in DY[d]), tuple(x * 1e6 for x in DY[pd])),
        ("氧化铽", tuple(x * 1e6 for x in TB[d]), tuple(x * 1e6 for x in TB[pd])),
    ):
        c = mid(cur) - mid(prv)
        rows.append(f"""<tr class="quote-row"><td class="name">{name}</td><td class="range">{cur[0]:.0f}-{cur[1]:.0f}</td><td class="avg">{mid(cur):.0f}</td><td class="change">{c:+.0f}</td><td class="unit">元/吨</td><td class="date">{d.isoformat()}</td></tr>""")
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>稀土价格_稀土今日价格行情_上海有色网</title>
<meta name="description" content="上海有色网稀土频道提供氧化镨钕、镨钕金属、氧化镝、氧化铽等稀土产品现货价格"></head>
<body><div class="smm-header"><a href="https://www.smm.cn/"><img src="https://static.smm.cn/img/logo.png" alt="上海有色网"></a>
<a href="https://hq.smm.cn/">行情</a> <a href="https://news.smm.cn/">资讯</a> <a href="https://www.smm.cn/login">登录</a></div>
<div class="main"><h1 class="page-title">稀土现货价格</h1>
<table class="quote-table"><thead><tr><th>品名</th><th>价格范围</th><th>均价</th><th>涨跌</th><th>单位</th><th>日期</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<p class="note">注:以上为国内主流出厂含税价格,仅供参考。数据来源:SMM</p>
<div class="ad"><a href="https://www.smm.cn/vip">开通会员查看更多稀土价格</a></div></div>
<div class="footer">上海有色网 版权所有 &copy; 2026 SMM 沪ICP备07018956号</div></body></html>
"""


def ccmn_page(day):
    d = prev_day(day) if day not in PRICE_DAYS else day
    pd = prev_day(d)
    def tb_avg(x):
        v = mid(TB[x]) * 1e6
        return v * 1.019 if x == date(2026, 11, 25) else v  # see the note above
    rows = []
    for name, cur, prv in (
        ("氧化镨钕", mid(PRND[d]), mid(PRND[pd])),
        ("氧化镝", mid(DY[d]) * 1e6, mid(DY[pd]) * 1e6),
        ("氧化铽", round(tb_avg(d), -3), round(tb_avg(pd), -3)),
    ):
        rows.append(f"""<tr class="xt-row"><td class="pm">{name}</td><td class="jj">{cur:.0f}</td><td class="dw">元/吨</td><td class="zd">{cur - prv:+.0f}</td><td class="rq">{d.isoformat()}</td></tr>""")
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>长江有色金属网-价格行情</title></head>
<body><div class="head"><a href="https://www.ccmn.cn/"><img src="https://www.ccmn.cn/images/logo.gif" alt="长江有色金属网"></a></div>
<div class="index_table">
<div class="tab" id="cjxh"><h3>长江现货</h3><table><tr><th>品名</th><th>价格区间</th><th>均价</th><th>涨跌</th><th>单位</th></tr><tr><td>1#铜</td><td>87290-87330</td><td>87310</td><td>+540</td><td>元/吨</td></tr><tr><td>A00铝</td><td>21350-21390</td><td>21370</td><td>-30</td><td>元/吨</td></tr></table></div>
<div class="tab" id="cjzh-xitu"><h3>长江综合·稀土</h3><table class="xitu"><tr><th>品名</th><th>均价</th><th>单位</th><th>涨跌</th><th>日期</th></tr>
{chr(10).join(rows)}
</table></div></div>
<div class="foot">长江有色金属网 版权所有 鄂ICP备05003227号</div></body></html>
"""


# ECB reference rates: stand-ins (the real rates of these days are unknown offline), in the
# ECB's real eurofxref-daily.xml format. A capture at 06:00 UTC holds the previous working
# day's rates (published around 16:00 CET).
ECB_RATES = {
    date(2026, 11, 20): {"USD": "1.1562", "CNY": "8.2377"},
    date(2026, 11, 23): {"USD": "1.1571", "CNY": "8.2420"},
    date(2026, 11, 24): {"USD": "1.1580", "CNY": "8.2489"},
    date(2026, 11, 25): {"USD": "1.1574", "CNY": "8.2441"},
    date(2026, 11, 26): {"USD": "1.1589", "CNY": "8.2537"},
}
#: the ECB's other currencies in its own order (BGN is gone since Bulgaria joined the euro
#: on 1 January 2026); USD and CNY take their places from ECB_RATES
ECB_ORDER = [("USD", None), ("JPY", "178.52"), ("CZK", "24.318"), ("DKK", "7.4612"),
             ("GBP", "0.87215"), ("HUF", "386.45"), ("PLN", "4.2371"), ("RON", "5.0842"),
             ("SEK", "10.9455"), ("CHF", "0.9314"), ("ISK", "146.10"), ("NOK", "11.7420"),
             ("TRY", "49.3411"), ("AUD", "1.7735"), ("BRL", "6.2318"), ("CAD", "1.6147"),
             ("CNY", None), ("HKD", "9.0128"), ("IDR", "19412.55"), ("ILS", "3.7825"),
             ("INR", "102.4415"), ("KRW", "1689.12"), ("MXN", "21.2734"), ("MYR", "4.8163"),
             ("NZD", "2.0318"), ("PHP", "68.114"), ("SGD", "1.5038"), ("THB", "37.512"),
             ("ZAR", "20.0671")]


def ecb_xml(day):
    ref = max(d for d in ECB_RATES if d < day)
    r = ECB_RATES[ref]
    cubes = [(c, r[c] if v is None else v) for c, v in ECB_ORDER]
    body = "\n".join(f"\t\t\t<Cube currency='{c}' rate='{v}'/>" for c, v in cubes)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='{ref.isoformat()}'>
{body}
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>"""


def main():
    for day in DAYS:
        folder = OUT / day.isoformat()
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        resp = []

        def put(url, fname, text, ct, folder=folder, resp=resp):
            (folder / fname).write_text(text, encoding="utf-8")
            resp.append((url, fname, ct))

        def alias(url, fname, ct, resp=resp):
            resp.append((url, fname, ct))

        put(REX_FEED, "rare-earth-exchanges-feed.xml", rex_feed(day), RSS_CT)
        for it in visible(REX, day, 12):
            fn = f"rex-{it['pid']}.html"
            put(rex_url(it), fn, rex_page(it, day), HTML_CT)
            alias(rex_link(it), fn, HTML_CT)
        put(
            MC_REE_FEED,
            "mining-com-rare-earths.xml",
            mc_feed(
                MC_REE,
                day,
                10,
                "rare earths Archives - MINING.COM",
                MC_REE_FEED,
                f"{MC_BASE}/tag/rare-earths/",
                "Mining news &#38; industry analysis",
            ),
            RSS_CT,
        )
        gen = MC_GEN + [
            i for i in MC_REE if i["key"] in ("lynas-agm", "tariff", "energy-fuels", "mp-gm")
        ]
        put(
            MC_FEED,
            "mining-com.xml",
            mc_feed(
                gen,
                day,
                15,
                "MINING.COM",
                MC_FEED,
                f"{MC_BASE}/",
                "Mining news &#38; industry analysis",
            ),
            RSS_CT,
        )
        put(MW_FEED, "mining-weekly-australasia.xml", mw_feed(day), "text/xml; charset=UTF-8")
        put(
            INN_FEED,
            "investing-news-rare-earth.rss",
            inn_feed(day),
            "application/rss+xml; charset=utf-8",
        )
        put(SCMP_FEED, "scmp-lynas.atom", scmp_feed(day), "application/atom+xml; charset=utf-8")
        put(GN_FEED, "google-news-rare-earths.xml", gn_feed(day), "application/xml; charset=utf-8")
        put(DOE_LIST, "doe-newsroom.html", doe_listing(day), HTML_CT)
        for it in visible(DOE, day, 10):
            put(
                f"{DOE_BASE}/articles/{it['slug']}",
                f"doe-{it['slug'][:48]}.html",
                doe_article(it),
                HTML_CT,
            )
        put(SMM_LIST, "smm-rare-earths.html", smm_listing(day), HTML_CT)
        for a in smm_visible(day):
            put(smm_url(a), f"smm-{a['nid']}.html", smm_article_page(a), HTML_CT)
        put(SUNSIRS, "sunsirs-rare-earth.html", sunsirs_page(day), HTML_CT)
        put(CREIA, "creia-price-index.html", creia_page(day), HTML_CT)
        put(PPI_LIST, "ppi-rare-earth-list.html", ppi_listing(day), HTML_CT)
        for a in ppi_visible(day):
            put(ppi_url(a), f"ppi-{a['nid']}.html", ppi_article_page(a), HTML_CT)
        put(SMM_CN, "smm-cn-xitu.html", smm_cn_page(day), HTML_CT)
        put(CCMN, "ccmn-index-table.html", ccmn_page(day), HTML_CT)
        put(ECB_DAILY, "ecb-eurofxref-daily.xml", ecb_xml(day), "text/xml")

        lines = [
            f"# Recorded responses, captured {day.isoformat()} (replayed by `newsletter run --offline`).",
            "# One [[response]] per URL the collector requests; a followed link carrying utm_*",
            "# parameters is recorded under both its raw and its canonical URL.",
            f'captured_at = "{day.isoformat()}T06:00:00Z"',
            "",
        ]
        for url, fn, ct in resp:
            lines += [
                "[[response]]",
                f'url = "{url}"',
                f'file = "{fn}"',
                f'content_type = "{ct}"',
                "status = 200",
                "",
            ]
        (folder / "capture.toml").write_text("\n".join(lines), encoding="utf-8")
        print(day, len(resp), "responses")


if __name__ == "__main__":
    main()
