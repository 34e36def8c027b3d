"""Writes evals/support_pairs.jsonl: hand-written claims about the sample article, each with a real passage.

Supported claims (verbatim sentences, faithful paraphrases, partial restatements) are written by hand; most
unsupported ones are the same claims with one hand-picked swap (name, number, date, place), plus hand-written
negations, claims paired with the wrong paragraph, and off-topic claims. Every swap is checked to apply.

Run: .venv/bin/python evals/make_support_pairs.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from app.text import build_article

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "app" / "data" / "sample" / "000_2df2c5dbd146e2f9.txt"
OUT = ROOT / "evals" / "support_pairs.jsonl"


def _article_text() -> tuple[list[str], list[str]]:
    raw = SAMPLE.read_text(encoding="utf-8")
    # Sample format: title, date, blank line, then the body (which repeats title and date on its first two lines).
    body = raw.split("\n\n", 1)[1].split("\n", 2)[2]
    article = build_article("sample", body)
    paras = [article.text[p.start : p.end] for p in article.paragraphs]
    sents = [article.text[s.start : s.end] for s in article.sentences]
    return paras, sents


PARAS, SENTS = _article_text()


def P(i: int) -> str:
    return PARAS[i]


def S(fragment: str) -> str:
    """The article sentence containing `fragment` (exactly one)."""
    hits = [s for s in SENTS if fragment in s]
    if len(hits) != 1:
        raise ValueError(f"{fragment!r} matches {len(hits)} sentences")
    return hits[0]


@dataclass
class Seed:
    passage: str
    claim: str
    kind: str  # verbatim | paraphrase
    swaps: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, old, new)
    negations: list[str] = field(default_factory=list)  # hand-written opposite claims


SEEDS: list[Seed] = [
    # --- paragraph 0: Zelenskyy ready for work with Washington; Europeans oppose concessions
    Seed(P(0), S("ready for \"honest\" work"), "verbatim",
         swaps=[("name_swap", "Zelenskyy", "Putin"), ("place_swap", "Washington", "Beijing")]),
    Seed(P(0), "Zelenskyy said he is ready for honest work with Washington on a plan to end the war.", "paraphrase",
         swaps=[("name_swap", "Zelenskyy", "Lukashenko")],
         negations=["Zelenskyy said he is not ready for honest work with Washington on a plan to end the war."]),
    Seed(P(0), "European allies sharply opposed the concessions to Russia envisioned in the plan.", "paraphrase",
         swaps=[("place_swap", "European", "Asian")],
         negations=["European allies strongly supported the concessions to Russia envisioned in the plan."]),
    Seed(P(0), S("At the same time, European allies"), "verbatim", swaps=[("name_swap", "Russia", "China")]),
    # --- paragraph 1: Reuters document; Donbas; army reduction; capitulation
    Seed(P(1), S("As reported by Reuters"), "verbatim",
         swaps=[("name_swap", "Reuters", "Bloomberg"), ("place_swap", "Donbas", "Kherson")]),
    Seed(P(1), "The US plan requires Kyiv to give up the whole Donbas region and substantially shrink its army.",
         "paraphrase", swaps=[("place_swap", "Donbas", "Zaporizhzhia")],
         negations=["The US plan does not require Kyiv to give up the Donbas region."]),
    Seed(P(1), "Ukraine's allies have long viewed these conditions as tantamount to capitulation.", "paraphrase",
         negations=["Ukraine's allies have never viewed these conditions as tantamount to capitulation."]),
    Seed(P(1), S("These conditions have long been viewed"), "verbatim"),
    Seed(P(1), "Reuters obtained a document showing the US plan would have Kyiv cede all of Donbas.", "paraphrase",
         swaps=[("name_swap", "Reuters", "Politico")]),
    # --- paragraph 2: 28 points, 600,000 troops, security guarantees
    Seed(P(2), S("According to the 28-point plan"), "verbatim",
         swaps=[("number_swap", "600,000", "500,000"), ("number_swap", "28-point", "20-point")]),
    Seed(P(2), "Under the plan, Ukraine would have to cap its army at 600,000 troops in return for strong security "
         "guarantees.", "paraphrase", swaps=[("number_swap", "600,000", "800,000")]),
    Seed(P(2), "Ukraine's army would be limited to 600000 troops under the plan.", "paraphrase",
         swaps=[("number_swap", "600000", "400000")]),
    Seed(P(2), "Ukraine's army would be capped at 600 thousand troops.", "paraphrase",
         swaps=[("number_swap", "600 thousand", "250 thousand")]),
    Seed(P(2), "The plan has 28 points.", "paraphrase", swaps=[("number_swap", "28", "20")]),
    Seed(P(2), "The plan consists of twenty-eight points.", "paraphrase",
         swaps=[("number_swap", "twenty-eight", "thirty-two")]),
    Seed(P(2), "Ukraine must limit its army to 600,000 troops.", "paraphrase",
         swaps=[("number_swap", "600,000", "60,000"), ("number_swap", "600,000", "650,000")]),
    Seed(P(8), "The plan was designed to reflect the realities after 5 years of war.", "paraphrase",
         swaps=[("number_swap", "5 years", "7 years"), ("number_swap", "5 years", "10 years")]),
    Seed(P(2), "Ukraine would receive strong security guarantees in exchange for limiting the size of its army.",
         "paraphrase"),
    Seed(P(2), "The plan does not detail the content of the security guarantees.", "paraphrase",
         negations=["The plan spells out the content of the security guarantees in detail."]),
    # --- paragraph 3: concessions; Crimea, Luhansk, Donetsk; withdrawal
    Seed(P(3), S("The document includes a number of concessions"), "verbatim",
         swaps=[("name_swap", "Russia", "Belarus")]),
    Seed(P(3), "The plan says the US will recognize Crimea, Luhansk and Donetsk as de facto Russian.", "paraphrase",
         swaps=[("place_swap", "Crimea", "Odesa"), ("place_swap", "Luhansk", "Mykolaiv"),
                ("name_swap", "the US", "the EU")]),
    Seed(P(3), "Ukrainian forces must withdraw from the part of the Donetsk region they still control.",
         "paraphrase", swaps=[("place_swap", "Donetsk", "Sumy")],
         negations=["Ukrainian forces would not have to withdraw from the part of the Donetsk region they control."]),
    Seed(P(3), S("Specifically, it states"), "verbatim", swaps=[("place_swap", "Crimea", "Transnistria")]),
    # --- paragraph 4: Umerov
    Seed(P(4), "A senior US official told Reuters the plan was developed after discussions with Rustem Umerov.",
         "paraphrase", swaps=[("name_swap", "Rustem Umerov", "Andriy Yermak"),
                              ("name_swap", "Reuters", "the Associated Press")]),
    Seed(P(4), "Umerov agreed to most of the plan after making a few changes and presented it to Zelenskyy.",
         "paraphrase", swaps=[("name_swap", "Zelenskyy", "Trump")],
         negations=["Umerov rejected most of the plan and did not present it to Zelenskyy."]),
    Seed(P(4), S("This plan was developed directly"), "verbatim", swaps=[("name_swap", "Umerov", "Kuleba")]),
    Seed(P(4), "According to a senior US official, Umerov is one of the highest-ranking members of Zelenskyy's "
         "administration.", "paraphrase", swaps=[("name_swap", "Umerov", "Shmyhal")]),
    # --- paragraph 5: Driscoll meeting, Telegram
    Seed(P(5), S("after a meeting in Kyiv with the US Secretary"), "verbatim",
         swaps=[("name_swap", "Daniel Driscoll", "Lloyd Austin"), ("place_swap", "Kyiv", "Lviv"),
                ("name_swap", "Zelenskyy", "Putin")]),
    Seed(P(5), "Zelenskyy wrote on Telegram that Ukrainian and US teams will work on the points of the plan to end "
         "the war.", "paraphrase", swaps=[("name_swap", "Telegram", "Facebook")],
         negations=["Zelenskyy wrote on Telegram that Ukrainian and US teams will not work on the points of the plan."]),
    Seed(P(5), "Zelenskyy said Ukraine is ready for constructive, honest and swift work.", "paraphrase",
         negations=["Zelenskyy said Ukraine is not ready for constructive, honest and swift work."]),
    Seed(P(5), "Zelenskyy met US Army Secretary Daniel Driscoll in Kyiv.", "paraphrase",
         swaps=[("place_swap", "Kyiv", "Warsaw"), ("name_swap", "Daniel Driscoll", "Pete Hegseth")]),
    # --- paragraph 6: President's office, Trump in the coming days
    Seed(P(6), "The President's office did not directly comment on the content of the plan.", "paraphrase",
         negations=["The President's office commented directly on the content of the plan."]),
    Seed(P(6), "Zelenskyy expects to discuss the key points needed for peace with President Trump in the coming days.",
         "paraphrase", swaps=[("name_swap", "Trump", "Biden"), ("date_swap", "in the coming days", "in the coming months"),
                              ("date_swap", "in the coming days", "next year")]),
    Seed(P(6), "Zelenskyy's office said he outlined the fundamental principles that are important for Ukrainians.",
         "paraphrase"),
    Seed(P(6), "Zelenskyy hopes to talk to Trump about the key points within days.", "paraphrase",
         swaps=[("date_swap", "within days", "within weeks"), ("date_swap", "within days", "tomorrow")]),
    # --- paragraph 7: EU ministers in Brussels, Barrot
    Seed(P(7), S("EU foreign ministers, meeting in Brussels"), "verbatim",
         swaps=[("place_swap", "Brussels", "Paris")],
         negations=["EU foreign ministers, meeting in Brussels, made it clear that they would accept terms that "
                    "demand concessions from Kyiv."]),
    Seed(P(7), "EU foreign ministers meeting in Brussels rejected terms demanding concessions from Kyiv.",
         "paraphrase", swaps=[("place_swap", "Brussels", "Luxembourg")]),
    Seed(P(7), "French Foreign Minister Jean-Noël Barrot said peace cannot be capitulation.", "paraphrase",
         swaps=[("name_swap", "Jean-Noël Barrot", "Emmanuel Macron"), ("place_swap", "French", "German")],
         negations=["French Foreign Minister Jean-Noël Barrot said peace can be capitulation."]),
    Seed(P(7), "The reaction from European allies was much harsher than Kyiv's caution.", "paraphrase",
         negations=["The reaction from European allies was much milder than Kyiv's."]),
    Seed(P(7), "Barrot said the Ukrainians want a just and lasting peace that respects everyone's sovereignty.",
         "paraphrase", swaps=[("name_swap", "Barrot", "Kallas")]),
    Seed(P(7), "Barrot said a lasting peace must be one that future aggression cannot call into question.",
         "paraphrase",
         negations=["Barrot said a lasting peace is one that can be questioned by future aggression."]),
    # --- paragraph 8: Leavitt, Rubio, Witkoff, a month, five years
    Seed(P(8), "Karoline Leavitt confirmed that Marco Rubio and Steve Witkoff had worked secretly on the plan for "
         "about a month.", "paraphrase",
         swaps=[("name_swap", "Karoline Leavitt", "Jen Psaki"), ("name_swap", "Marco Rubio", "Antony Blinken"),
                ("name_swap", "Steve Witkoff", "Jared Kushner"), ("date_swap", "about a month", "about a year"),
                ("date_swap", "about a month", "about six months")],
         negations=["Karoline Leavitt denied that Marco Rubio and Steve Witkoff had worked on the plan."]),
    Seed(P(8), "Rubio and Witkoff worked on the plan in secret for roughly a month.", "paraphrase",
         swaps=[("date_swap", "roughly a month", "roughly two weeks")],
         negations=["Rubio and Witkoff worked on the plan openly for roughly a month."]),
    Seed(P(8), "The plan has President Trump's support, according to Leavitt.", "paraphrase",
         swaps=[("name_swap", "Trump", "Vance")],
         negations=["The plan does not have President Trump's support, according to Leavitt."]),
    Seed(P(8), "Leavitt said the plan was designed to reflect the realities after five years of devastating war.",
         "paraphrase", swaps=[("number_swap", "five", "three"), ("date_swap", "five years", "five months")]),
    Seed(P(8), "The plan aims for a win-win scenario in which both sides get more than they give.", "paraphrase"),
    Seed(P(8), S("White House Press Secretary Karoline Leavitt"), "verbatim",
         swaps=[("place_swap", "White House", "Pentagon")]),
    # --- paragraph 9: Moscow, Peskov
    Seed(P(9), S("Kremlin spokesman Dmitry Peskov"), "verbatim",
         swaps=[("name_swap", "Dmitry Peskov", "Sergei Lavrov")],
         negations=["Kremlin spokesman Dmitry Peskov stated that consultations are currently underway."]),
    Seed(P(9), "Peskov said no consultations are underway at the moment.", "paraphrase",
         swaps=[("name_swap", "Peskov", "Lavrov"), ("date_swap", "at the moment", "last week")]),
    Seed(P(9), "Moscow has downplayed the importance of the American initiative.", "paraphrase",
         swaps=[("place_swap", "Moscow", "Minsk")],
         negations=["Moscow has emphasized the importance of the American initiative."]),
    Seed(P(9), "The Kremlin played down the significance of the US initiative.", "paraphrase"),
    Seed(P(9), "Peskov said any peace deal must address the root causes of the conflict.", "paraphrase",
         swaps=[("name_swap", "Peskov", "Zakharova")]),
    Seed(P(9), "Peskov said there are contacts but no process that could be called a consultation.", "paraphrase",
         negations=["Peskov said there is a process that can be called a consultation."]),
    Seed(P(9), S("Moscow, in turn"), "verbatim"),
    # --- paragraph 10: front line, corruption, Gerasimov, Kupiansk
    Seed(P(10), "Ukrainian troops are on the defensive on the front lines.", "paraphrase",
         negations=["Ukrainian troops are on the offensive on the front lines."]),
    Seed(P(10), "Zelenskyy's government has been weakened by a corruption scandal.", "paraphrase",
         swaps=[("name_swap", "Zelenskyy", "Orban")],
         negations=["Zelenskyy's government has been strengthened by a corruption scandal."]),
    Seed(P(10), "Valery Gerasimov reported to Putin the capture of the city of Kupiansk.", "paraphrase",
         swaps=[("place_swap", "Kupiansk", "Kharkiv"), ("name_swap", "Valery Gerasimov", "Sergei Shoigu"),
                ("name_swap", "Putin", "Medvedev")]),
    Seed(P(10), "Russia's top general, Valery Gerasimov, told Putin that Kupiansk had been captured.", "paraphrase",
         swaps=[("place_swap", "Kupiansk", "Pokrovsk")]),
    Seed(P(10), "The Ukrainian side denies that Kupiansk has been captured.", "paraphrase",
         negations=["The Ukrainian side confirmed the capture of Kupiansk."]),
    Seed(P(10), "Russian forces continue their slow advance and are bombing Ukrainian cities and energy "
         "infrastructure.", "paraphrase", swaps=[("place_swap", "Ukrainian cities", "Polish cities")],
         negations=["Russian forces continue their rapid advance and are bombing Ukrainian cities."]),
    Seed(P(10), S("The activation of American diplomacy"), "verbatim",
         swaps=[("place_swap", "Kyiv", "Moscow")],
         negations=["The activation of American diplomacy comes at a favorable time for Kyiv."]),
    Seed(S("The activation of American diplomacy"), "American diplomacy has become active at a bad moment for Kyiv.",
         "paraphrase"),
    Seed(S("On the front lines, Ukrainian troops"), S("On the front lines, Ukrainian troops"), "verbatim"),
]  # fmt: skip

# Claims true of the article, paired with a paragraph that does not support them.
WRONG_PASSAGE: list[tuple[str, str]] = [
    ("Ukraine must limit its army to 600,000 troops.", P(1)),
    ("EU foreign ministers met in Brussels.", P(0)),
    ("Peskov said no consultations are currently underway.", P(7)),
    ("Gerasimov reported the capture of Kupiansk to Putin.", P(9)),
    ("Leavitt confirmed that Rubio and Witkoff worked on the plan.", P(4)),
    ("Zelenskyy met Daniel Driscoll in Kyiv.", P(0)),
    ("Crimea, Luhansk and Donetsk would be recognized as de facto Russian.", P(1)),
    ("Barrot said peace cannot be capitulation.", P(1)),
    ("The plan was developed after discussions with Rustem Umerov.", P(5)),
    ("Russian forces are bombing Ukrainian cities and energy infrastructure.", P(3)),
    ("Ukrainian troops are on the defensive on the front lines.", P(5)),
    ("Zelenskyy wrote on Telegram that the teams will work on the plan.", P(6)),
    ("Zelenskyy's government has been weakened by a corruption scandal.", P(6)),
    ("The plan was designed to find a win-win scenario for both sides.", P(9)),
]

# Written after the checker was tuned on the pairs above, and not tuned on since: free paraphrases (label True)
# and plausible overclaims that add or twist a detail (label False) -- the hallucinations that matter most.
HELD_OUT: list[tuple[str, str, bool, str]] = [
    ("The US proposal would force Ukraine to hand over all of Donbas and make deep cuts to its military.", P(1), True,
     "paraphrase"),
    ("Europe's top diplomats said in Brussels they would refuse any deal forcing Kyiv to make concessions.", P(7), True,
     "paraphrase"),
    ("The Kremlin said there are contacts with the Americans but nothing that amounts to consultations.", P(9), True,
     "paraphrase"),
    ("Russia claims to have taken Kupiansk, which Ukraine denies.", P(10), True, "paraphrase"),
    ("The White House said Trump backs the plan.", P(8), True, "paraphrase"),
    ("After talks with Driscoll, Zelenskyy said Ukraine and Washington would work through the plan's points.", P(5),
     True, "paraphrase"),
    ("The document says the United States would recognize Crimea, Luhansk and Donetsk as de facto Russian.", P(3),
     True, "paraphrase"),
    ("In return for capping its military at 600,000 troops, Ukraine would get strong security guarantees.", P(2), True,
     "paraphrase"),
    ("The US official said Umerov accepted most of the plan after a few edits.", P(4), True, "paraphrase"),
    ("Zelenskyy's office said he expects to go over the key points with Trump in the coming days.", P(6), True,
     "paraphrase"),
    ("Ukraine must disband its army under the 28-point plan.", P(2), False, "overclaim"),
    ("Zelenskyy accepted the US plan in full.", P(0), False, "overclaim"),
    ("EU foreign ministers met in Brussels to approve the plan.", P(7), False, "overclaim"),
    ("Leavitt said Rubio and Witkoff drafted the plan together with Russian officials.", P(8), False, "overclaim"),
    ("Peskov said formal consultations with the US will begin next week.", P(9), False, "overclaim"),
    ("Ukrainian troops recaptured Kupiansk.", P(10), False, "overclaim"),
    ("Reuters reported that the plan requires Ukraine to hold new elections.", P(1), False, "overclaim"),
    ("Zelenskyy said the plan is unacceptable.", P(5), False, "overclaim"),
    ("The document says Ukraine will recognize Crimea as Russian.", P(3), False, "overclaim"),
    ("The President's office published the full text of the plan.", P(6), False, "overclaim"),
    ("The plan was designed to give Russia more than Ukraine.", P(8), False, "overclaim"),
    ("Umerov rejected the plan and refused to present it to Zelenskyy.", P(4), False, "negation"),
]  # fmt: skip

UNRELATED: list[tuple[str, str]] = [
    ("The Federal Reserve raised interest rates by a quarter point.", P(2)),
    ("Apple unveiled a new iPhone with a faster processor.", P(0)),
    ("Heavy rain caused flooding across southern Spain.", P(10)),
    ("The World Health Organization declared the outbreak over.", P(9)),
    ("Manchester United won the match 3-1 on Saturday.", P(5)),
    ("Oil prices fell sharply after OPEC agreed to raise output.", P(8)),
    ("Scientists discovered water ice near the Moon's south pole.", P(3)),
    ("The company reported record quarterly profits.", P(1)),
    ("Voters went to the polls in a tightly contested election.", P(6)),
    ("The ministers discussed trade and climate policy at the summit.", P(7)),
    ("Ukraine's army will receive new tanks from Germany.", P(2)),
]


def build() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    counts: dict[str, int] = {}

    def add(kind: str, claim: str, passage: str, label: bool, seed: int | None) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        row: dict[str, object] = {"id": f"{kind}-{counts[kind]:02d}", "claim": claim, "passage": passage,
                                  "label": label, "kind": kind}  # fmt: skip
        if seed is not None:
            row["seed"] = seed
        rows.append(row)

    for n, seed in enumerate(SEEDS):
        if seed.kind == "verbatim" and seed.claim not in seed.passage:
            raise ValueError(f"seed {n}: verbatim claim is not in its passage")
        add(seed.kind, seed.claim, seed.passage, True, n)
        for kind, old, new in seed.swaps:
            if old not in seed.claim:
                raise ValueError(f"seed {n}: {old!r} not in claim {seed.claim!r}")
            add(kind, seed.claim.replace(old, new), seed.passage, False, n)
        for claim in seed.negations:
            add("negation", claim, seed.passage, False, n)
    for claim, passage in WRONG_PASSAGE:
        add("wrong_passage", claim, passage, False, None)
    for claim, passage in UNRELATED:
        add("unrelated", claim, passage, False, None)
    for claim, passage, label, kind in HELD_OUT:
        add(kind, claim, passage, label, None)
        rows[-1]["held_out"] = True
    return rows


def main() -> None:
    rows = build()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[str(r["kind"])] = kinds.get(str(r["kind"]), 0) + 1
    print(f"wrote {len(rows)} pairs to {OUT}: {kinds}")


if __name__ == "__main__":
    main()
