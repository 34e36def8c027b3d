"""The no-LLM answer engine: picks the one or two passage sentences that best answer the question.

Every sentence of the retrieved passages is scored (vectorised with numpy) by dense similarity to the question,
idf-weighted overlap of stemmed content words, the share of the question's names it mentions, and how well it fits
the answer type the question asks for (who -> a person, where -> a place, when -> a time, how many -> a number,
what did X say -> X with a speech verb or a quote). The output is plain text with [n] markers, so it goes through the
same citation verification as LLM output; "" means abstain.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import Stemmer

from app.answer.patterns import (
    CONNECTIVES,
    LEADING_PREPOSITIONAL,
    NUMBER_WORDS,
    PLACE,
    PRONOUN_START,
    QUESTION_WORDS,
    QUOTES,
    SPEECH_QUESTION,
    SPEECH_VERBS,
    STOPWORDS,
    TERMINAL,
    TIME,
    TIME_WEAK,
    TITLE_WORDS,
    TOKEN,
    WORD,
    AnswerType,
)
from app.chunks import entities
from app.chunks.span_vectors import SpanVectors, decode
from app.injection import looks_like_instruction
from app.models import Passage
from app.retrieve.constraints import REASON_CUES, TermRule, anchor_fit, fit, passage_scope, same_article
from app.retrieve.measures import TIME_SPAN, asks_extent, has_length
from app.retrieve.question import QuestionAnalysis, analyse
from app.settings import Settings
from app.text import split_sentences, strip_span

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

# Score = weights · (dense, lexical, type fit), scaled by name coverage. Calibrated on tests/data/qa_questions.jsonl.
W_DENSE, W_LEXICAL = 0.6, 0.4  # relevance
TYPE_FLOOR = 0.4  # relevance kept by a sentence that lacks the asked-for answer type
COVER_FLOOR = 0.5  # ... and by one that names none of the question's names
WINDOW_DISCOUNT = 0.85  # a sentence read together with the one before it (quotes, "he said")
CLAUSE_DISCOUNT = 0.9  # a comma-separated clause of a long sentence, read alone
SECOND_SENTENCE_RATIO = 0.9  # a neighbouring second sentence must score this close to the best
ANCHOR_CANDIDATES = 40  # sentences, best first, searched for one that meets the question's anchors (year, edition...)
ANCHOR_SCORE_RATIO = 0.2  # ... scoring at least half the best: further down they are about something else
SELECTION_TERM_RULES: tuple[TermRule, ...] = (
    "all",
    "any",
    "nouns",
    "none",
)  # prefer sentences using the question's own words
_CACHE_LIMIT = 20_000

_ANALYSED_TYPES = {
    "person": AnswerType.PERSON,
    "place": AnswerType.PLACE,
    "date": AnswerType.TIME,
    "number": AnswerType.NUMBER,
    "money": AnswerType.NUMBER,
    "reason": AnswerType.REASON,
}
"""The question analysis' answer types (app.retrieve.question) as the scorer's."""
_VALUE_TYPES = frozenset({AnswerType.NUMBER, AnswerType.TIME})


@dataclass(frozen=True)
class QuestionProfile:
    """What a question asks for."""

    text: str
    answer_type: str
    terms: tuple[str, ...]  # stemmed content words
    names: tuple[str, ...]  # stemmed capitalised words (entities the answer must be about)
    speaker: tuple[str, ...] = ()  # stemmed words naming who spoke, for 'what did X say'
    focus: str = ""  # stemmed noun of 'which X' / 'what X' questions


@dataclass(frozen=True)
class Candidate:
    """A sentence of a passage; offsets are local to the passage text."""

    passage: int  # 0-based index into the passages
    start: int
    end: int
    text: str
    context: str  # preceding sentences of the same paragraph in the passage (for 'he said' sentences)
    context_last: str = ""  # the sentence just before, in the same paragraph
    prev: int | None = None  # index of the previous candidate in the same paragraph of the passage
    next: int | None = None
    window_start: int = -1  # where context_last starts in the passage (-1: no sentence before it)


@dataclass(frozen=True)
class Pick:
    """A chosen answer sentence: passage index (0-based), local span of the (trimmed) text, and its score."""

    passage: int
    start: int
    end: int
    text: str
    score: float


@dataclass
class Scored:
    candidates: list[Candidate]
    scores: np.ndarray  # ranks the sentences
    confidence: np.ndarray  # how sure a sentence answers at all (compared with settings.abstain_threshold)
    features: dict[str, np.ndarray] = field(default_factory=dict)


def words(text: str) -> list[str]:
    return [w.removesuffix("'s").removesuffix("’s") for w in WORD.findall(text)]


class ExtractiveEngine:
    """Answers by selecting passage sentences. `answer()` returns text with [n] markers, or "" to abstain."""

    def __init__(self, embeddings: Embeddings, settings: Settings | None = None) -> None:
        self.embeddings = embeddings
        self.settings = settings or Settings()
        self._vectors: dict[str, np.ndarray] = {}

    @cached_property
    def _stemmer(self) -> Stemmer.Stemmer:
        return Stemmer.Stemmer("english")

    # ---- analysis --------------------------------------------------------------------------------
    def stems(self, text: str) -> list[str]:
        """Stemmed content words; hyphenated words also count as their parts ("28-point" -> 28-point, 28, point)."""
        toks: list[str] = []
        for w in words(text):
            w = w.lower()
            toks.append(w)
            if "-" in w:
                toks.extend(w.split("-"))
        return self._stemmer.stemWords([t for t in toks if t not in STOPWORDS and len(t) > 1])

    def profile(self, question: str) -> QuestionProfile:
        """The regex profile, its answer type replaced by the question analysis' where that one is sure (the model
        reads 'what share of voters' as a number, the regex as 'which X')."""
        prof = self._regex_profile(question)
        if not self.settings.answer_check:
            return prof
        mapped = _ANALYSED_TYPES.get(analyse(question).answer_type)
        if mapped is None or prof.answer_type in {AnswerType.SPEECH, AnswerType.DURATION}:
            return prof
        if mapped not in _VALUE_TYPES | {AnswerType.REASON}:  # 'what caused X' asks for a reason, as 'why' does
            return (
                prof  # names and places: the regex scorer's own reading ('which area' -> a name by 'area') does better
            )
        return replace(prof, answer_type=mapped)

    def _regex_profile(self, question: str) -> QuestionProfile:
        q = question.strip()
        low = q.lower()
        names = [w for w in words(q) if w[:1].isupper() and w.lower() not in STOPWORDS | QUESTION_WORDS]
        speaker: list[str] = []
        m = SPEECH_QUESTION.search(q)
        if m:
            atype = AnswerType.SPEECH
            speaker = self.stems(m.group("who") or m.group("who2") or "")
        elif re.match(r"^\s*(?:who|whom|whose)\b", low) or re.search(r"\bwith whom\b|\bby whom\b", low):
            atype = AnswerType.PERSON
        elif re.match(r"^\s*where\b", low) or re.search(
            r"\b(?:which|what) (?:city|country|region|place|town|capital|venue)\b", low
        ):
            atype = AnswerType.PLACE
        elif re.match(r"^\s*how long\b", low):
            atype = AnswerType.DURATION
        elif re.match(r"^\s*when\b", low) or re.search(r"\bwhat (?:time|date|day|year|month)\b", low):
            atype = AnswerType.TIME
        elif re.match(r"^\s*how (?:many|much|big|large|old|far|high|tall|small)\b", low) or re.search(
            r"\bwhat (?:is|was|are|were) the (?:number|population|size|price|cost|amount|total|share|percentage|rate)\b",
            low,
        ):
            atype = AnswerType.NUMBER
        elif re.match(r"^\s*why\b", low):
            atype = AnswerType.REASON
        elif re.match(r"^\s*(?:which|what)\s+\w+", low) and not re.match(
            r"^\s*what (?:is|are|was|were|did|does|do|has|have|had|must|will|would|should|can)\b", low
        ):
            atype = AnswerType.ENTITY
        else:
            atype = AnswerType.OTHER
        terms = tuple(dict.fromkeys(self.stems(q)))
        name_stems = tuple(dict.fromkeys(self._stemmer.stemWords([n.lower() for n in names])))
        fm = re.match(r"^\s*(?:which|what)\s+(\w+)(?:\s+(\w+))?", low)
        focus = ""
        if fm and fm.group(1) not in STOPWORDS:
            # 'which news agency obtained' -> agency: the second word when the first reads as a modifier
            head = (
                fm.group(2)
                if fm.group(2)
                and fm.group(2) not in STOPWORDS
                and fm.group(2) + "s" != fm.group(1)
                and not re.search(r"(?:ed|s)$", fm.group(2))
                else fm.group(1)
            )
            focus = self._stemmer.stemWord(head)
        return QuestionProfile(q, atype, terms, name_stems, tuple(speaker), focus)

    # ---- candidates ------------------------------------------------------------------------------
    def candidates(self, passages: Sequence[Passage]) -> list[Candidate]:
        """Sentences of the passages, each article sentence once (the first, best-ranked passage that holds it)."""
        seen: set[tuple[str, int]] = set()
        out: list[Candidate] = []
        for pi, p in enumerate(passages):
            prev_idx: int | None = None
            prev_start = prev_end = None
            context: list[str] = []
            for span in split_sentences(p.text):
                text = p.text[span.start : span.end]
                same_para = prev_end is not None and "\n" not in p.text[prev_end : span.start]
                if not same_para:
                    context, prev_idx = [], None
                key = (p.article_id, p.start + span.start)
                usable = key not in seen and self._usable(text)
                seen.add(key)
                if usable:
                    cand = Candidate(
                        pi,
                        span.start,
                        span.end,
                        text,
                        " ".join(context[-2:]),
                        context[-1] if context else "",
                        prev=prev_idx,
                        window_start=prev_start if context and prev_start is not None else -1,
                    )
                    if prev_idx is not None and out[prev_idx].passage == pi:
                        out[prev_idx] = _with_next(out[prev_idx], len(out))
                    out.append(cand)
                    prev_idx = len(out) - 1
                else:
                    prev_idx = None
                context.append(text)
                prev_start, prev_end = span.start, span.end
        return out

    @staticmethod
    def _usable(text: str) -> bool:
        """Real sentences only: headlines, datelines and page furniture lack terminal punctuation; injections are data."""
        return len(words(text)) >= 4 and bool(TERMINAL.search(text.strip())) and not looks_like_instruction(text)

    # ---- scoring ---------------------------------------------------------------------------------
    def _vectors_for(self, passages: Sequence[Passage], wanted: list[tuple[int, int, int, str]]) -> np.ndarray:
        """Unit vectors of passage spans (passage, start, end, text): pooled from the chunk's stored span vectors
        (app.chunks.span_vectors) where it has them, else embedded now (in one batch, cached by text)."""
        stored: dict[int, SpanVectors | None] = {}
        out: list[np.ndarray | None] = []
        for pi, start, end, _ in wanted:
            if pi not in stored:
                blob = passages[pi].span_vectors
                stored[pi] = decode(blob) if blob else None
            sv = stored[pi]
            out.append(sv.vector(start, end) if sv is not None else None)
        missing = [text for (_, _, _, text), v in zip(wanted, out, strict=True) if v is None]
        embedded = iter(self._embed(missing) if missing else ())
        vectors = [v if v is not None else next(embedded) for v in out]
        return np.stack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)

    def _embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > _CACHE_LIMIT:
                self._vectors.clear()
            vecs = np.asarray(self.embeddings.embed_documents(missing), dtype=np.float32)
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            self._vectors.update(zip(missing, vecs, strict=True))
        return np.stack([self._vectors[t] for t in texts])

    def _cover(
        self, prof: QuestionProfile, cands: list[Candidate], sent_stems: list[set[str]], passages: Sequence[Passage]
    ) -> np.ndarray:
        """Share of the question's names a sentence mentions (idf-weighted; partial credit via 'he said' or its passage)."""
        if not prof.names:
            return np.ones(len(cands), dtype=np.float32)
        passage_stems = [set(self.stems(p.text)) for p in passages]
        ctx_stems = [set(self.stems(c.context)) for c in cands]
        credit = np.zeros((len(cands), len(prof.names)), dtype=np.float32)
        for i, c in enumerate(cands):
            for j, name in enumerate(prof.names):
                if name in sent_stems[i]:
                    credit[i, j] = 1.0
                elif name in ctx_stems[i] and PRONOUN_START.search(c.text):
                    credit[i, j] = 0.75
                elif name in passage_stems[c.passage]:
                    credit[i, j] = 0.4
        df = np.array([sum(name in s for s in sent_stems) for name in prof.names], dtype=np.float32)
        idf = np.log1p(len(cands) / (1.0 + df))
        return (credit @ idf / idf.sum()).astype(np.float32)

    def _type_fit(self, prof: QuestionProfile, cand: Candidate) -> float:
        """How well a sentence offers the kind of answer asked for, in [0, 1]; 1 for questions without a type."""
        text, atype = cand.text, prof.answer_type
        if atype == AnswerType.PERSON:
            return 1.0 if self._new_person(prof, text) else 0.0
        if atype == AnswerType.PLACE:
            if any(self._is_new(prof, m.group(1)) for m in PLACE.finditer(text)):
                return 1.0
            return 1.0 if self._new_name_near_focus(prof, text) else 0.0
        if atype == AnswerType.TIME:
            return 1.0 if TIME.search(text) else (0.5 if TIME_WEAK.search(text) else 0.0)
        if atype == AnswerType.DURATION:
            return 1.0 if TIME_SPAN.search(text) or (asks_extent(prof.text) and has_length(text)) else 0.0
        if atype == AnswerType.NUMBER:
            return self._number_fit(prof, text)
        if atype == AnswerType.SPEECH:
            spoken = bool(SPEECH_VERBS.search(text) or QUOTES.search(text))
            about = self._mentions(prof.speaker, text) or (
                bool(PRONOUN_START.search(text)) and self._mentions(prof.speaker, cand.context)
            )
            return 0.5 * spoken + 0.5 * about
        if atype == AnswerType.REASON:
            return 1.0 if REASON_CUES.search(text) else 0.3
        if atype == AnswerType.ENTITY:
            if self._new_name_near_focus(prof, text):
                return 1.0
            toks = words(text)[1:]
            return 0.8 if any(w[:1].isupper() and self._is_new(prof, w) for w in toks) else 0.3
        return 1.0

    def _number_fit(self, prof: QuestionProfile, text: str) -> float:
        """1 for a new number next to a word of the question ('600,000 troops'), less for a lone number."""
        toks = TOKEN.findall(text)
        stems = [self._stemmer.stemWord(t.lower()) for t in toks]
        best = 0.0
        for i, t in enumerate(toks):
            digit = t[:1].isdigit()
            if not (digit or re.fullmatch(NUMBER_WORDS, t, re.I)) or not self._is_new(prof, t):
                continue
            if t.lower() == "one" and i + 1 < len(toks) and toks[i + 1].lower() == "of":
                continue  # "one of the ..." is not a count
            near = any(s in prof.terms for s in stems[max(0, i - 3) : i + 4] if s != stems[i])
            best = max(best, 1.0 if near else (0.7 if digit else 0.5))
        return best

    def _new_name_near_focus(self, prof: QuestionProfile, text: str) -> bool:
        """A capitalised word the question lacks, right next to the noun it asks about ('the Donbas region')."""
        if not prof.focus:
            return False
        toks = TOKEN.findall(text)
        for i, t in enumerate(toks):
            if self._stemmer.stemWord(t.lower()) != prof.focus:
                continue
            near = toks[max(0, i - 2) : i] + toks[i + 1 : i + 3]
            if any(w[:1].isupper() and w.lower() not in STOPWORDS and self._is_new(prof, w) for w in near):
                return True
        return False

    def _is_new(self, prof: QuestionProfile, token: str) -> bool:
        """True when a word or number of a sentence is not already in the question."""
        if re.fullmatch(r"[\d,.%]+", token):
            return token not in prof.text
        stems = self.stems(token)
        return bool(stems) and not any(s in prof.terms for s in stems)

    def _new_person(self, prof: QuestionProfile, text: str) -> bool:
        """A name (after a title, or two capitalised words) that the question does not already contain."""
        toks = words(text)
        for i, w in enumerate(toks):
            if not w[:1].isupper() or w.lower() in TITLE_WORDS or w.lower() in STOPWORDS or w.isupper():
                continue
            before = toks[i - 1] if i else ""
            after = toks[i + 1] if i + 1 < len(toks) else ""
            titled = before.lower() in TITLE_WORDS and before[:1].isupper()
            paired = (after[:1].isupper() and after.lower() not in TITLE_WORDS and not after.isupper()) or (
                before[:1].isupper() and before.lower() not in TITLE_WORDS and i > 1 and not before.isupper()
            )
            if (titled or paired) and self._is_new(prof, w):
                return True
        return False

    def _mentions(self, stems: Sequence[str], text: str) -> bool:
        if not stems:
            return False
        have = set(self.stems(text))
        return all(s in have for s in stems if s not in {"the"})

    def score(self, question: str, passages: Sequence[Passage]) -> Scored:
        """Every candidate sentence with its score (higher is better) and the features behind it."""
        cands = self.candidates(passages)
        if not cands:
            return Scored([], np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32))
        prof = self.profile(question)
        qvec = np.asarray(self.embeddings.embed_query(question), dtype=np.float32)
        qvec /= max(float(np.linalg.norm(qvec)), 1e-12)
        n = len(cands)
        texts = [p.text for p in passages]
        windows = [
            (c.passage, c.window_start if c.window_start >= 0 else c.start, c.end, f"{c.context_last} {c.text}".strip())
            for c in cands
        ]
        clauses = [(i, c.start + a, c.start + b) for i, c in enumerate(cands) for a, b in _clause_spans(c.text)]
        wanted = (
            [(c.passage, c.start, c.end, c.text) for c in cands]
            + windows
            + [(cands[i].passage, a, b, texts[cands[i].passage][a:b]) for i, a, b in clauses]
        )
        sims = self._vectors_for(passages, wanted) @ qvec
        dense = np.maximum(sims[:n], WINDOW_DISCOUNT * sims[n : 2 * n])
        if clauses:
            by_clause = np.zeros(n, dtype=np.float32)
            np.maximum.at(by_clause, np.array([i for i, _, _ in clauses]), sims[2 * n :])
            dense = np.maximum(dense, CLAUSE_DISCOUNT * by_clause)

        # idf over the candidate sentences. Question terms found in no sentence cannot rank one sentence above another,
        # but they do lower the confidence that any sentence answers (a question about what the passages never mention).
        sent_stems = [set(self.stems(c.text)) for c in cands]
        win_stems = [s | set(self.stems(c.context_last)) for s, c in zip(sent_stems, cands, strict=True)]
        terms = list(prof.terms)
        if terms:
            present = np.array([[t in s for t in terms] for s in sent_stems], dtype=np.float32)  # (n, t)
            present_win = np.array([[t in s for t in terms] for s in win_stems], dtype=np.float32)
            df = present.sum(axis=0)
            idf = np.log1p(len(cands) / (1.0 + df))
            matched = np.maximum(present @ idf, WINDOW_DISCOUNT * (present_win @ idf))
            lexical = matched / idf.sum()
            lexical_rank = matched / max(float(idf[df > 0].sum()), 1e-6)
        else:
            lexical = lexical_rank = np.zeros(len(cands), dtype=np.float32)

        cover = self._cover(prof, cands, sent_stems, passages)
        type_fit = np.array([self._type_fit(prof, c) for c in cands], dtype=np.float32)
        factor = (TYPE_FLOOR + (1 - TYPE_FLOOR) * type_fit) * (COVER_FLOOR + (1 - COVER_FLOOR) * cover)
        scores = (W_DENSE * dense + W_LEXICAL * lexical_rank) * factor
        confidence = (W_DENSE * dense + W_LEXICAL * lexical) * factor
        feats = {"dense": dense, "lexical": lexical, "type": type_fit, "cover": cover}
        return Scored(cands, scores.astype(np.float32), confidence.astype(np.float32), feats)

    # ---- selection -------------------------------------------------------------------------------
    def select(self, question: str, passages: Sequence[Passage]) -> list[Pick]:
        """The best sentence, plus a second one when it completes or adds to it; [] to abstain."""
        scored = self.score(question, passages)
        if not scored.candidates:
            return []
        best = self._anchored_best(question, scored, passages)
        # Whether anything answers at all is judged on the best-scoring sentence; the pick may be a lower one that
        # meets the question's anchors (its own fit is judged by the answer-level check).
        top = float(scored.confidence[int(np.argmax(scored.scores))])
        log.debug("extractive best %.3f: %s", top, scored.candidates[best].text)
        if top < self.settings.abstain_threshold:
            return []
        chosen = [best]
        prof = self.profile(question)
        second = self._second(prof, scored, best)
        if second is not None:
            chosen.append(second)
        picks = []
        for i in sorted(chosen, key=lambda j: (scored.candidates[j].passage, scored.candidates[j].start)):
            c = scored.candidates[i]
            start = c.start + self._trim(prof, c.text) if i == best else c.start
            picks.append(
                Pick(c.passage, start, c.end, passages[c.passage].text[start : c.end], float(scored.scores[i]))
            )
        return picks

    def _anchored_best(self, question: str, scored: Scored, passages: Sequence[Passage]) -> int:
        """The best-scoring sentence that answers what was asked: first one that meets every anchor and every term of
        the question (its main verb, the asked noun), else one that meets the anchors and some term; the best overall
        when none near the top does (the answer-level check then declines)."""
        order = [int(i) for i in np.argsort(-scored.scores)]
        if not self.settings.answer_check:
            return order[0]
        analysis = analyse(question)
        if not analysis.anchors and analysis.answer_type == "other":
            return order[0]
        floor = ANCHOR_SCORE_RATIO * float(scored.scores[order[0]])
        near = [i for i in order[:ANCHOR_CANDIDATES] if float(scored.scores[i]) >= floor]
        if self.profile(question).answer_type in _VALUE_TYPES | {AnswerType.DURATION}:
            # only the best sentence's confidence says something answers: a lower pick must hold the asked value itself
            near = [i for i in near if float(scored.features["type"][i]) > 0]
        for rule in SELECTION_TERM_RULES:
            for i in near:
                if self._fits(analysis, scored.candidates[i], passages, rule):
                    return i
        return order[0]

    @staticmethod
    def _fits(analysis: QuestionAnalysis, c: Candidate, passages: Sequence[Passage], terms: TermRule) -> bool:
        p = passages[c.passage]
        scope = passage_scope(
            p.text, c.start, c.end, title=p.title, published=p.published, article=same_article(p, passages)
        )
        if not anchor_fit(analysis, c.text, scope, terms=terms).ok:
            return False  # settled without the parse-reading rules of `fit`
        stored = entities.decode(p.entities, p.text)
        if stored is None:  # an index from before entities were stored: anchors only (no model call here)
            return True
        return fit(analysis, c.text, scope, entities=entities.within(stored, c.start, c.end), terms=terms).ok

    def _second(self, prof: QuestionProfile, scored: Scored, best: int) -> int | None:
        """A neighbour that completes the best sentence's quotation, continues what the speaker said, or scores close."""
        cands, scores, fit = scored.candidates, scored.scores, scored.features["type"]
        b = cands[best]
        if len(QUOTES.findall(b.text)) % 2 == 1:  # an unbalanced quotation runs into a neighbour
            neighbour = b.next if b.text.lstrip()[:1] in '"“' else b.prev
            if neighbour is not None:
                return neighbour
        if prof.answer_type == AnswerType.SPEECH and b.next is not None:
            nxt = cands[b.next]
            if fit[b.next] >= 1.0 and (nxt.text.lstrip()[:1] in '"“' or PRONOUN_START.search(nxt.text)):
                return b.next
        for n in (b.next, b.prev):
            if n is not None and scores[n] >= SECOND_SENTENCE_RATIO * scores[best] and fit[n] >= fit[best]:
                return n
        return None

    def _trim(self, prof: QuestionProfile, text: str) -> int:
        """Characters of a leading clause that does not answer (a connective, or a scene-setting phrase)."""
        m = CONNECTIVES.match(text)
        if not m:
            m = LEADING_PREPOSITIONAL.match(text)
            if m and (
                prof.answer_type in {AnswerType.PLACE, AnswerType.TIME} or set(prof.terms) & set(self.stems(m.group(0)))
            ):
                m = None
        if not m:
            return 0
        rest = text[m.end() :]
        if len(words(rest)) < 5 or not rest[:1].isalpha():
            return 0
        return m.end()

    def answer(self, question: str, passages: Sequence[Passage]) -> str:
        """Text with [n] markers (n = 1-based position in `passages`), or "" when nothing answers well enough."""
        parts = []
        for p in self.select(question, passages):
            text = p.text[:1].upper() + p.text[1:]
            parts.append(f"{text} [{p.passage + 1}]")
        return " ".join(parts)


_CLAUSE_BREAK = re.compile(r"[,;—]\s+")
_CLAUSE_STRIP = ' "“”'


def _clause_spans(text: str) -> list[tuple[int, int]]:
    """Comma/semicolon-separated parts of a long sentence, each of at least four words (none for short sentences),
    as [start, end) spans into `text` with surrounding spaces and quotes left out."""
    if len(words(text)) < 14:
        return []
    spans, pos = [], 0
    for m in [*_CLAUSE_BREAK.finditer(text), None]:
        a, b = strip_span(text, pos, m.start() if m else len(text), _CLAUSE_STRIP)
        pos = m.end() if m else pos
        if len(words(text[a:b])) >= 4:
            spans.append((a, b))
    return spans


def _with_next(c: Candidate, nxt: int) -> Candidate:
    return replace(c, next=nxt)
