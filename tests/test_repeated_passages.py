"""Trial 16 D1: an article repeating one passage hundreds of times must not starve retrieval for the whole library.

Identical vectors collapse Chroma's HNSW graph, so the dense side returned only the copies and every question was
declined by the relevance floor. A repeated passage is now indexed once (app.chunks.repeats), copies already in an
index count as one dense candidate (app.store.chroma), and passages found by BM25 only are scored densely before the
floor judges them (app.retrieve.hybrid). Real parts: embedded Chroma and MiniLM.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from app.chunks.repeats import without_repeats
from app.ingest.loaders import load_text
from app.models import Chunk
from app.services import Newsdesk
from app.settings import Settings
from app.store.chroma import ChromaStore
from app.store.ingest import Ingestor

ARTICLES = {
    "storm.md": (
        "# Storm Imelda floods the Calder valley\n\n"
        "Storm Imelda dropped 142 millimetres of rain on the Calder valley on Tuesday, the Met Office said. "
        "The river peaked at 4.3 metres in Hebden Mill, and 1,250 homes were flooded there.\n\n"
        "Power was cut to 9,400 homes for two days while engineers repaired a flooded substation."
    ),
    "recall.md": (
        "# Brightline recalls air fryers\n\n"
        "Brightline Appliances is recalling 48,000 Crisp 5 air fryers after reports of overheating. "
        "Owners can return the fryer for a full refund of 89 pounds, the company said.\n\n"
        "Priya Raman, Brightline's chief executive, said safety came before everything."
    ),
    "election.md": (
        "# Lowmoor elects a new mayor\n\n"
        "Gwen Arliss won the Lowmoor mayoral election with 12,706 votes on Thursday. "
        "Turnout was 41 per cent, down from 46 per cent four years ago.\n\n"
        "The count at Lowmoor Town Hall took nine hours."
    ),
}
QUESTIONS = [  # (question, words of the answer, the article that says it)
    ("How much rain did Storm Imelda drop on the Calder valley?", "142 millimetres", "storm.md"),
    ("How many air fryers is Brightline recalling?", "48,000", "recall.md"),
    ("Who won the Lowmoor mayoral election?", "Gwen Arliss", "election.md"),
]
REPEATED = "The Quarry road was resurfaced. "
COPIES = 800  # chunks of one passage in the index: HNSW returned none of the other passages from a few hundred on


def _write(folder: Path, repeats: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    spam = folder / "hugeline.txt"
    spam.write_text("Huge line story\n\n" + REPEATED * repeats, encoding="utf-8")
    return [*paths, spam]


def _assert_answered(desk: Newsdesk, titles: dict[str, str]) -> None:
    for question, words, source in QUESTIONS:
        answer = desk.ask(question)
        assert not answer.abstained, (question, answer.answer)
        assert words in answer.answer, (question, answer.answer)
        assert {c.article_id for c in answer.citations} == {titles[source]}, (question, answer.citations)


def _chunk(article_id: str, n: int, text: str, start: int) -> Chunk:
    return Chunk(
        id=f"{article_id}:{n}", article_id=article_id, n=n, text=text, start=start, end=start + len(text), tokens=3
    )


def test_without_repeats_keeps_the_first_of_each_text_per_article() -> None:
    chunks = [
        _chunk("a", 0, "One two.", 0),
        _chunk("a", 1, "One  two.", 10),  # the same after whitespace folding
        _chunk("a", 2, "Three.", 20),
        _chunk("a", 3, "One\ntwo.", 30),
        _chunk("b", 0, "One two.", 0),  # another article's passage is its own
    ]
    kept, dropped = without_repeats(chunks)
    assert dropped == 2
    assert [(c.id, c.n, c.text, c.start) for c in kept] == [
        ("a:0", 0, "One two.", 0),
        ("a:1", 1, "Three.", 20),
        ("b:0", 0, "One two.", 0),
    ]
    assert without_repeats(kept) == (kept, 0)


def test_ingest_indexes_a_repeated_passage_once_and_reports_it(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    ingestor = Ingestor(ChromaStore(settings, DeterministicFakeEmbedding(size=16)), settings)
    article = load_text("Huge line story\n\n" + REPEATED * 2000, title="Huge line story")
    all_chunks = ingestor.chunker(article)
    report = ingestor.ingest_articles([article])
    [info] = report.added
    stored = [p for p in ingestor.store.get_chunks([f"{article.id}:{n}" for n in range(len(all_chunks))])]
    assert len(all_chunks) > 50 and 1 <= info.chunks == len(stored) == report.chunks <= 3
    assert all(article.text[p.start : p.end] == p.text for p in stored)  # a citation's offsets stay exact
    [note] = report.notes
    assert note.input == "Huge line story"
    assert note.note.startswith(f"{len(all_chunks) - info.chunks:,} repeated passages not indexed")
    # the record keeps the whole text: quotes and the library read the article as it was given
    assert (ingestor.store.get_article(article.id) or article).text == article.text


def test_copies_of_one_vector_count_as_one_dense_candidate(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    embeddings = DeterministicFakeEmbedding(size=16)
    store = ChromaStore(settings, embeddings)
    spam = load_text("Huge line story\n\n" + REPEATED * 40, title="Huge")
    other = load_text("Storm Imelda dropped rain on the valley. " * 2, title="Storm")
    copies = [_chunk(spam.id, n, REPEATED.strip(), n * len(REPEATED)) for n in range(40)]
    vector = embeddings.embed_query(REPEATED.strip())
    store.add_articles([(spam, copies, [vector] * 40), (other, [_chunk(other.id, 0, other.text[:40], 0)], None)])
    hits = store.dense_ids(vector, 10)
    assert [cid.split(":")[0] for cid, _ in hits] == [spam.id, other.id]


def test_reindex_drops_the_copies_an_older_index_holds(tmp_path: Path) -> None:
    desk = Newsdesk(Settings(index_dir=tmp_path / "index"), embeddings=DeterministicFakeEmbedding(size=16))
    spam = load_text("Huge line story\n\n" + REPEATED * 400, title="Huge")
    chunks = desk.ingestor.chunker(spam)  # as an ingest stored them before repeats were dropped
    desk.store.add_articles([(spam, chunks, None)])
    assert desk.store.count_chunks() == len(chunks) > 10
    assert desk.reindex() == 1
    assert desk.store.count_chunks() == len(without_repeats(chunks)[0]) <= 3
    assert [a.chunks for a in desk.articles()] == [desk.store.count_chunks()]


@pytest.fixture(scope="module")
def starved_desk(tmp_path_factory: pytest.TempPathFactory, embeddings) -> tuple[Newsdesk, dict[str, str]]:  # type: ignore[no-untyped-def]
    """An index built before repeats were indexed once: the three articles, and 800 copies of one passage's vector."""
    folder = tmp_path_factory.mktemp("starved")
    settings = Settings(_env_file=None, index_dir=folder / "index")  # type: ignore[call-arg]
    desk = Newsdesk(settings, embeddings=embeddings)
    *paths, _ = _write(folder / "arts", 0)
    report = desk.ingest([str(p) for p in paths])
    titles = {f"{a.source}.md": a.id for a in report.added}
    spam = load_text("Huge line story\n\n" + REPEATED * COPIES, title="Huge line story")
    copies = [_chunk(spam.id, n, REPEATED.strip(), n * len(REPEATED)) for n in range(COPIES)]
    desk.store.add_articles([(spam, copies, [embeddings.embed_query(REPEATED.strip())] * COPIES)])
    return desk, titles


def test_an_index_holding_copies_still_answers(starved_desk: tuple[Newsdesk, dict[str, str]]) -> None:
    desk, titles = starved_desk
    assert set(titles) == set(ARTICLES)
    _assert_answered(desk, titles)  # main: "The indexed articles don't say enough to answer ..." for all three
    [top] = desk.search(QUESTIONS[0][0], k=1)
    assert top.article_id == titles["storm.md"] and top.dense_score is not None and top.dense_score > 0.3
    # the relevance floor still declines what no article is about
    assert desk.ask("Who won the 1998 Wimbledon ladies' final?").abstained


@pytest.mark.slow  # without the fix it embeds 800 copies (minutes on 2 cores); with it, 2
def test_a_repetitive_article_does_not_silence_the_library(tmp_path: Path, embeddings) -> None:  # type: ignore[no-untyped-def]
    desk = Newsdesk(Settings(_env_file=None, index_dir=tmp_path / "index"), embeddings=embeddings)  # type: ignore[call-arg]
    paths = _write(tmp_path / "arts", 25 * COPIES)  # 20,000 repeats of the sentence: 800 chunks before the fix
    report = desk.ingest([str(p) for p in paths])
    assert len(report.added) == 4 and not report.errors
    spam = next(a for a in report.added if a.title == "Huge line story")
    titles = {f"{a.source}.md": a.id for a in report.added if a.id != spam.id}
    _assert_answered(desk, titles)  # main: all three declined, the dense side returning only the copies
    assert spam.chunks <= 3
    [note] = report.notes
    assert note.input.endswith("hugeline.txt") and "repeated passages not indexed" in note.note
