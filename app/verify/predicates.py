"""Predicate-level comparison of a claim with its best source sentence(s) (issue 20): who did what to whom, with what
polarity, modality and attribution, read from spaCy's dependency parse (app.nlp).

Each verb of the claim is aligned with the source verb of the same lemma or of the same concept in the contrast lexicon
(app.verify.contrasts) whose arguments overlap most. An aligned pair that disagrees is a contradiction, reported in words:
- contrary verb ("welcomed" vs "would not accept"), or negation added/dropped on the same verb;
- roles reversed (A attacked B vs B attacked A; passive agents count as subjects) or another subject;
- modality changed (done vs planned/expected vs possible);
- attribution moved to another speaker, or a hedge dropped ("reportedly", "denied that", "according to");
and, over the sentence, a quantifier changed on the same noun (all / most / some / few / none).
Unaligned verbs are left to the lexical and embedding checks: this module only ever adds reasons to reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from app.verify.analysis import similar_stem, stem
from app.verify.contrasts import (
    CAPITALS,
    COMMITTING,
    CONCEPTS,
    DOCUMENTS,
    FUTURE_MODALS,
    HEDGE_WORDS,
    HEDGING,
    NEGATING_GOVERNORS,
    OBLIGATION_MODALS,
    PHRASAL,
    PLANNING,
    POSSIBLE_MODALS,
    QUANTIFIERS,
    SPEECH,
    STANCE,
)
from app.verify.lexicon import ALIASES, TITLE_WORDS

if TYPE_CHECKING:
    from app.nlp import Doc, Token

_SUBJ = {"nsubj", "csubj", "expl"}
_OBJ = {"dobj", "nsubjpass", "attr", "oprd", "dative"}
_ARG_MODS = {"compound", "poss", "flat", "appos", "nmod"}
_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you", "who", "which", "that", "this", "these", "those"})
_PRONOUN_ROLE = frozenset({"-PRON-"})
_DEFINITE = frozenset({"the", "this", "that", "its", "their", "his", "her", "our"})
_PERSONAL = frozenset({"he", "she", "they"})
_PARTY_ENTS = frozenset({"NORP", "GPE", "ORG"})  # nationality, country or body adjectives that name a party
_QUANT_HEADS = frozenset({"one", "all", "some", "most", "none", "each", "many", "several", "few", "both", "neither"})
_UP = {"xcomp", "ccomp", "acl", "advcl", "pcomp", "conj", "relcl", "prep", "pobj", "dobj", "acomp"}
_MOOD_UP = {"xcomp", "acomp", "pcomp", "conj", "prep"}  # modality is inherited from a governing verb through these
_MODALITY_WORDS = {
    "done": "done",
    "planned": "planned or expected",
    "would": "conditional",
    "possible": "possible",
    "open": "decided",
}


@dataclass(frozen=True)
class Frame:
    """One verb of a sentence with its arguments and what frames it."""

    lemma: str  # canonical lemma (phrasal verbs read as the one-word verb)
    phrase: str  # the verb as written, with its auxiliaries and negation ("would not accept")
    subj: frozenset[str]  # content lemmas of the (logical) subject; empty when unknown (a pronoun)
    subj_named: bool  # the subject is a proper name ("Corvane Foods")
    subj_definite: bool  # ... or a definite description that may refer to one ("the company", "its owner")
    obj: frozenset[str]
    negated: bool
    modality: str  # done | planned | would | possible | open (no tense: decided, a gerund, a stance)
    past: bool  # the verb (or its auxiliary) is in the past tense: "closed", "has closed"
    speaker: frozenset[str]  # who the statement is attributed to ('' = nobody)
    hedged: str  # the hedge over it in the source ("reportedly", "denied"), '' when asserted
    attributed: bool  # under any speech/report verb or hedge
    speech: bool  # the verb itself attributes a statement


@lru_cache(maxsize=1)
def _concepts_of() -> dict[str, tuple[tuple[str, int], ...]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for concept, (pos, neg) in CONCEPTS.items():
        for lemma in pos:
            out.setdefault(lemma, []).append((concept, 1))
        for lemma in neg:
            out.setdefault(lemma, []).append((concept, -1))
    return {k: tuple(v) for k, v in out.items()}


def _lemma(tok: Token) -> str:
    base = tok.lemma_.lower()
    for child in tok.children:
        if child.dep_ == "prt" and (base, child.lower_) in PHRASAL:
            return PHRASAL[(base, child.lower_)]
    return base


def _arg(tok: Token) -> frozenset[str]:
    """Content lemmas naming an argument: its head, compounds, possessors; through 'one of the X' to X."""
    if tok.lower_ in _QUANT_HEADS:
        for prep in tok.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                for pobj in prep.children:
                    if pobj.dep_ == "pobj":
                        return _arg(pobj)
    if tok.dep_ == "relcl" or tok.lower_ in {"who", "which", "that"}:
        head = tok.head.head if tok.head.dep_ == "relcl" else tok.head
        return _arg(head) if head.pos_ in {"NOUN", "PROPN"} else frozenset()
    if tok.lower_ in _PERSONAL and tok.dep_ in _SUBJ:
        return _antecedent(tok)
    if tok.lower_ in _PRONOUNS or tok.pos_ == "PRON":
        return frozenset()
    words = {tok.lemma_.lower(), tok.lower_}  # both: the lemmatizer misreads some nouns ("glacier" -> "glaci")
    for child in tok.children:
        if (
            (child.dep_ in _ARG_MODS and child.pos_ in {"NOUN", "PROPN", "ADJ"})
            or (child.dep_ == "conj" and child.pos_ in {"NOUN", "PROPN"})
            or (child.dep_ == "amod" and child.ent_type_ in _PARTY_ENTS)  # "Russian officials"
        ):
            words |= _arg(child)
        elif child.dep_ == "prep" and child.lower_ == "of" and tok.lower_ in TITLE_WORDS:
            # a title names whom its holder speaks for: "the Chief of the Russian General Staff"
            words |= frozenset().union(*(_arg(p) for p in child.children if p.dep_ == "pobj"))
    return frozenset(w for w in words if w.isalpha() and w not in _PRONOUNS)


def _antecedent(pronoun: Token) -> frozenset[str]:
    """A subject pronoun's referent, read as the nearest governing verb's own (non-pronoun) subject:
    "Zelenskyy has stated that he is ready" -> Zelenskyy; unknown (empty) when there is none."""
    tok = pronoun.head
    for _ in range(6):
        if tok.head is tok:
            return frozenset()
        tok = tok.head
        for child in tok.children:
            if child.dep_ in _SUBJ and child.lower_ not in _PRONOUNS and child.pos_ != "PRON":
                return _arg(child)
    return frozenset()


def _args(verb: Token) -> tuple[frozenset[str], frozenset[str]]:
    subj: frozenset[str] = frozenset()
    obj: frozenset[str] = frozenset()
    for child in verb.children:
        if child.dep_ in _SUBJ:
            subj |= _arg(child)
        elif child.dep_ in _OBJ:
            obj |= _arg(child)
        elif child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    subj |= _arg(pobj)
    has_subject = any(c.dep_ in _SUBJ | {"nsubjpass", "agent"} for c in verb.children)  # a pronoun counts
    if not has_subject and verb.dep_ in {"xcomp", "conj"} and verb.head.pos_ in {"VERB", "AUX", "ADJ"}:
        head = verb.head
        raised = [c for c in head.children if c.dep_ in {"nsubjpass", "dobj"}] if verb.dep_ == "xcomp" else []
        # "leaders agreed to share" -> leaders share; "X is expected to report" / "they asked X to report" -> X reports
        subj = _arg(raised[0]) if raised else _args(head)[0]
    if verb.dep_ == "relcl" and not has_subject:
        subj = _arg(verb.head)
    elif verb.dep_ == "relcl" and not obj and not any(c.dep_ == "nsubjpass" for c in verb.children):
        obj = _arg(verb.head)  # "the document it has obtained"
    if verb.dep_ == "acl" and not has_subject:
        if verb.tag_ == "VBG":
            subj = _arg(verb.head)  # "ministers, meeting in Brussels"
        elif verb.tag_ == "VBN" and not obj:
            obj = _arg(verb.head)  # "the plan proposed by the US"
    return subj, obj


def _negated(verb: Token) -> bool:
    neg = any(c.dep_ == "neg" for c in verb.children)
    args = [c for c in verb.children if c.dep_ in _SUBJ | _OBJ]
    for child in args:  # "no runner was hurt", "exposed no data"
        # ... but "there are contacts but nothing more" asserts the contacts: another argument in the same role
        # keeps the verb affirmative, the "none" is said of its own conjunct only
        if _quantifier(child) == "none" and not any(a is not child and a.dep_ == child.dep_ for a in args):
            neg = not neg
    head = verb.head
    if verb.dep_ in {"xcomp", "pcomp"} and head is not verb:
        if verb.dep_ == "xcomp" and head.lemma_.lower() in NEGATING_GOVERNORS:
            neg = not neg
        if head.dep_ == "prep" and head.lower_ in {"against", "without"}:
            neg = not neg
        if head.lemma_.lower() in NEGATING_GOVERNORS | {"succeed"} or head.dep_ == "prep":
            neg = neg != _negated(head.head if head.dep_ == "prep" else head)
    return neg


def _modality(verb: Token) -> str:
    if verb.tag_ == "VBG" and verb.dep_ in {"pcomp", "advcl"} and verb.head.lemma_.lower() not in PLANNING:
        return "open"  # a gerund has no tense: "in exchange for limiting", "without detailing"
    tok = verb
    for _ in range(4):
        for child in tok.children:
            if (
                child.dep_ == "aux"
                and child.lower_ == "would"
                and _concepts_of().get(_lemma(verb))
                and all(c in STANCE for c, _ in _concepts_of()[_lemma(verb)])
            ):
                return "open"  # "would not accept" states a stance now, as "rejected" does
            if child.dep_ == "aux" and child.lower_ == "would":
                return "would"  # conditional: a plan's terms ("would require") as much as a future in the past
            if child.dep_ == "aux" and child.lower_ in FUTURE_MODALS | OBLIGATION_MODALS:
                return "planned"
            if child.dep_ == "aux" and child.lower_ in POSSIBLE_MODALS:
                return "possible"
        head = tok.head
        if head is tok or tok.dep_ not in _MOOD_UP | {"xcomp", "acl", "ccomp"}:
            break
        if tok.dep_ == "xcomp" and head.lemma_.lower() in {"have", "need"}:
            return "planned"  # "has to address" = "must address"
        if head.lemma_.lower() in PLANNING and (
            (head.pos_ != "NOUN" and tok.dep_ in {"xcomp", "pcomp", "prep", "ccomp"})
            or (tok.dep_ == "acl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children))
        ):
            return "planned"  # "plans to visit", "is expected to approve", "the plan to cap"
        if tok.dep_ == "xcomp" and head.lemma_.lower() in COMMITTING:
            return "open"  # "agreed to share", "voted to ban": decided, neither done nor merely planned
        if tok.dep_ not in _MOOD_UP:
            break
        tok = head
    return "done"


def _past(verb: Token) -> bool:
    auxes = [c for c in verb.children if c.dep_ in {"aux", "auxpass"}]
    if any(a.lower_ in {"has", "have", "had", "was", "were", "did"} for a in auxes):
        return True
    return verb.tag_ == "VBD" and not auxes


def _frame_context(verb: Token) -> tuple[frozenset[str], str, bool]:
    """(speaker, hedge, attributed): who says it, the hedge over it, whether anything attributes it."""
    speaker: frozenset[str] = frozenset()
    hedge = ""
    attributed = False
    tok = verb
    for _ in range(8):
        for child in tok.children:
            if child.dep_ == "advmod" and child.lower_ in HEDGE_WORDS:
                hedge, attributed = hedge or child.lower_, True
            if child.dep_ == "prep" and child.lower_ == "according":
                attributed = True
                source = next((sub for sub in child.subtree if sub.dep_ == "pobj"), None)
                if source is not None and not speaker:
                    speaker = _arg(source)
                # "according to the plan" states what a text says; "according to officials" hedges
                if source is not None and source.pos_ != "PRON" and source.lemma_.lower() not in DOCUMENTS:
                    hedge = hedge or "according to"
        if tok is not verb:
            lemma = tok.lemma_.lower()
            passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in tok.children) and not any(
                c.dep_ == "agent" for c in tok.children
            )  # "is said to" hedges; "as reported by Reuters" attributes
            if lemma in SPEECH or lemma in HEDGING:
                attributed = True
                if not speaker and not passive:
                    speaker = _args(tok)[0]
                if lemma in HEDGING or passive:
                    hedge = hedge or tok.text
        if tok.head is tok or tok.dep_ not in _UP:
            break
        tok = tok.head
    return speaker, hedge, attributed


def _phrase(verb: Token) -> str:
    parts = [c for c in verb.children if c.dep_ in {"aux", "auxpass", "neg", "prt"}] + [verb]
    return " ".join(t.text for t in sorted(parts, key=lambda t: t.i))


def frames(doc: Doc) -> list[Frame]:
    out: list[Frame] = []
    for tok in doc:
        if tok.pos_ == "ADJ" and tok.dep_ == "acomp" and tok.lemma_.lower() in _concepts_of():
            out.append(_adjective_frame(tok))
            continue
        if tok.pos_ != "VERB" or tok.dep_ in {"amod", "compound", "aux", "auxpass"}:
            continue
        subj, obj = _args(tok)
        subjects = [c for c in tok.children if c.dep_ in _SUBJ]
        named = any(
            c.pos_ == "PROPN" or any(g.pos_ == "PROPN" and g.dep_ in _ARG_MODS for g in c.children) for c in subjects
        )
        definite = any(
            c.pos_ == "NOUN" and any(g.dep_ in {"det", "poss"} and g.lower_ in _DEFINITE for g in c.children)
            for c in subjects
        )
        speaker, hedge, attributed = _frame_context(tok)
        lemma = _lemma(tok)
        out.append(
            Frame(
                lemma=lemma,
                phrase=_phrase(tok),
                subj=subj,
                subj_named=named,
                subj_definite=definite,
                obj=obj,
                negated=_negated(tok),
                modality=_modality(tok),
                past=_past(tok),
                speaker=speaker,
                hedged=hedge,
                attributed=attributed,
                speech=lemma in SPEECH,
            )
        )
    return out


def _adjective_frame(adj: Token) -> Frame:
    """'he is ready for work', 'they are opposed to the plan': the adjective is the predicate, read like a verb."""
    verb = adj.head
    subj, _ = _args(verb)
    obj = frozenset().union(
        *(_arg(p) for prep in adj.children if prep.dep_ == "prep" for p in prep.children if p.dep_ == "pobj")
    )
    speaker, hedge, attributed = _frame_context(verb)
    neg = any(c.dep_ == "neg" for c in (*verb.children, *adj.children))
    return Frame(
        lemma=adj.lemma_.lower(),
        phrase=" ".join(
            t.text
            for t in sorted([*[c for c in verb.children if c.dep_ in {"aux", "neg"}], verb, adj], key=lambda t: t.i)
        ),
        subj=subj,
        subj_named=False,
        subj_definite=False,
        obj=obj,
        negated=neg,
        modality=_modality(verb),
        past=_past(verb),
        speaker=speaker,
        hedged=hedge,
        attributed=attributed,
        speech=False,
    )


def _quantifier(tok: Token) -> str | None:
    if tok.lower_ in {"nobody", "nothing"}:
        return "none"
    if tok.lower_ in QUANTIFIERS and any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children):
        return QUANTIFIERS[tok.lower_]
    for child in tok.children:
        if child.dep_ in {"det", "predet", "amod", "nummod"} and child.lower_ in QUANTIFIERS:
            if child.lower_ in {"few", "little"} and any(c.lower_ == "a" for c in (*child.children, *tok.children)):
                return "some"  # "a few" visitors = some
            return QUANTIFIERS[child.lower_]
    return None


def quantifiers(doc: Doc) -> dict[str, str]:
    """Noun lemma -> the quantifier class said of it ('all' polling stations, 'none of the' clubs)."""
    out: dict[str, str] = {}
    for tok in doc:
        q = _quantifier(tok)
        if q is None:
            continue
        if tok.lower_ in QUANTIFIERS:
            for sub in tok.subtree:
                if sub.dep_ == "pobj" and sub.head.lower_ == "of":
                    out.setdefault(sub.lemma_.lower(), q)
                    break
        elif tok.pos_ in {"NOUN", "PROPN"}:
            out.setdefault(tok.lemma_.lower(), q)
    return out


def _sign(f: Frame, concept: str) -> int:
    base = next(s for c, s in _concepts_of().get(f.lemma, ()) if c == concept)
    return -base if f.negated else base


def _relation(c: Frame, s: Frame) -> str | None:
    """'same' (one lemma), a shared concept name, or None when the two verbs are unrelated."""
    if c.lemma == s.lemma:
        return "same"
    cc = {k for k, _ in _concepts_of().get(c.lemma, ())}
    sc = {k for k, _ in _concepts_of().get(s.lemma, ())}
    shared = sorted(cc & sc)
    return shared[0] if shared else None


def _overlap(c: Frame, s: Frame) -> int:
    return len((c.subj | c.obj) & (s.subj | s.obj))


def _align(c: Frame, source: list[Frame]) -> tuple[Frame, str] | None:
    best: tuple[int, int, Frame, str] | None = None
    for s in source:
        rel = _relation(c, s)
        if rel is None:
            continue
        key = (_overlap(c, s), int(rel == "same"))
        if best is None or key > best[:2]:
            best = (key[0], key[1], s, rel)
    if best is None:
        return None
    # Two verbs of a shared concept but no shared argument are about different things.
    if best[3] != "same" and best[0] == 0 and (best[2].subj or best[2].obj) and (c.subj or c.obj):
        return None
    return best[2], best[3]


def _modality_differs(c: Frame, s: Frame) -> bool:
    pair = {c.modality, s.modality}
    if len(pair) == 1 or "open" in pair or pair == {"would", "planned"}:
        return False
    if pair == {"would", "done"}:  # "would require" / "requires" describe a proposal; "closed" / "would close" do not
        return (c if c.modality == "done" else s).past
    return True


@lru_cache(maxsize=1)
def _party_names() -> dict[str, str]:
    """Name (one or more words) -> one canonical name per party: the support checker's aliases ("US" / "United
    States" / "American") and capitals standing for their countries ("Kyiv" / "Ukraine")."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for key, phrases in ALIASES.items():
        for phrase in phrases:
            parent[find(phrase)] = find(key)
    for capital, country in CAPITALS:
        parent[find(capital)] = find(country)
    return {name: find(name) for name in parent}


@lru_cache(maxsize=4096)
def _parties(words: frozenset[str]) -> frozenset[str]:
    return frozenset(canon for name, canon in _party_names().items() if all(w in words for w in name.split()))


def _same_party(a: frozenset[str], b: frozenset[str]) -> bool:
    """Do two arguments name one party? A shared word, one entity named two ways (alias, capital for country), or
    one stem ("Russia" / "Russian")."""
    if a & b or _parties(a) & _parties(b):
        return True
    return any(similar_stem(stem(x), stem(y)) for x in a for y in b)


def _may_corefer(c: Frame, s: Frame) -> bool:
    """A name on one side and a definite description on the other ("Corvane Foods" / "the company") may be one party."""
    return (c.subj_named and s.subj_definite) or (s.subj_named and c.subj_definite)


def _words(ws: frozenset[str]) -> str:
    return " ".join(sorted(ws)) or "?"


def _compare(c: Frame, s: Frame, rel: str) -> list[str]:
    issues: list[str] = []
    reversed_roles = (
        _same_party(c.subj, s.obj) and not _same_party(c.subj, s.subj) and (not c.obj or _same_party(c.obj, s.subj))
    )
    if rel != "same":
        if _sign(c, rel) != _sign(s, rel):
            if reversed_roles:
                return []  # a converse ("A beat B" / "B lost to A") says the same thing
            return [f"contrary verb: '{c.phrase}' vs '{s.phrase}'"]
    elif c.negated != s.negated:
        issues.append(f"negation {'added' if c.negated else 'dropped'}: '{c.phrase}' vs '{s.phrase}'")
    if reversed_roles:
        issues.append(f"roles reversed: '{_words(c.subj)}' {c.phrase} '{_words(c.obj)}' but the passage has "
                      f"'{_words(s.subj)}' {s.phrase} '{_words(s.obj)}'")  # fmt: skip
    elif c.subj and s.subj and c.obj & s.obj and not _same_party(c.subj, s.subj | s.obj) and not _may_corefer(c, s):
        issues.append(f"another subject: '{_words(c.subj)}' {c.phrase} but the passage has '{_words(s.subj)}'")
    if _modality_differs(c, s):
        issues.append(
            f"modality: '{c.phrase}' ({_MODALITY_WORDS[c.modality]}) vs '{s.phrase}' ({_MODALITY_WORDS[s.modality]})"
        )
    if c.speech and rel == "same" and c.subj and s.subj and not _same_party(c.subj, s.subj) and not _may_corefer(c, s):
        issues.append(f"attribution: '{_words(c.subj)}' {c.phrase} but the passage has '{_words(s.subj)}'")
    elif c.speaker and s.speaker and not _same_party(c.speaker, s.speaker):
        issues.append(f"attribution: said by '{_words(c.speaker)}' but the passage has '{_words(s.speaker)}'")
    elif s.hedged and not c.attributed and not c.speech:
        issues.append(f"hedge dropped: the passage only reports '{s.phrase}' ({s.hedged})")
    return issues


def contradictions(claim: str, source: str) -> list[str]:
    """Reasons, in words, why `claim` says something other than `source` at the level of its predicates ([] = none
    found). Verbs of the claim with no counterpart in the source are not judged here."""
    from app.nlp import parse

    cdoc, sdoc = parse(claim), parse(source)
    src = frames(sdoc)
    issues: list[str] = []
    for c in frames(cdoc):
        aligned = _align(c, src)
        if aligned is not None:
            issues += [i for i in _compare(c, *aligned) if i not in issues]
    cq, sq = quantifiers(cdoc), quantifiers(sdoc)
    for noun, q in cq.items():
        if noun in sq and sq[noun] != q:
            issues.append(f"quantifier: '{q}' {noun} vs '{sq[noun]}' in the passage")
    return issues
