"""Pure formatting of the web app: answers, sources with highlighted quotes, briefings, library and eval tables."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from app.models import (
    Actor,
    Answer,
    AnswerCheck,
    AnswerSentence,
    ArticleInfo,
    Briefing,
    BriefingPoint,
    Citation,
    IngestDuplicate,
    IngestError,
    IngestNote,
    IngestReport,
    Span,
    Timings,
)
from app.serve.web import format as fmt
from app.serve.web import format_eval as fmt_eval
from app.text import build_article

TEXT = (
    "Harbour strike ends\n"
    "Dock workers in Tallinn ended a five-day strike on Tuesday. The port authority agreed to a 7 percent pay rise.\n"
    "Union leader Mari Kask called it *a fair deal* for [all] workers."
)
ARTICLE = build_article("Harbour strike ends", TEXT, source="Baltic Wire", published=datetime(2025, 11, 21, 10, 22))


def cite(n: int, quote: str, article=ARTICLE) -> Citation:  # type: ignore[no-untyped-def]
    start = article.text.index(quote)
    return Citation(n=n, article_id=article.id, title=article.title, source=article.source, published=article.published,
                    chunk_id=f"{article.id}:0", quote=quote, start=start, end=start + len(quote))  # fmt: skip


def answer(**kw) -> Answer:  # type: ignore[no-untyped-def]
    base = dict(question="How did the strike end?", answer="", backend="extractive", model="none")
    return Answer(**{**base, **kw})


# ---- escaping ------------------------------------------------------------------
def test_esc_neutralizes_html_markdown_and_latex() -> None:
    out = fmt.esc('<script>alert("x")</script> *bold* _it_ [1](http://e) $$x$$ `c` a & b')
    assert "<" not in out and ">" not in out and '"' not in out
    for ch in "*_[]$`":
        assert ch not in out
    assert "&amp;" in out


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://example.org/a?b=1", True), ("http://x.y", True), ("javascript:alert(1)", False), ("data:text/html,x", False),
     ('https://x.y/"onmouseover=1', False), (None, False)],
)  # fmt: skip
def test_safe_url_only_allows_plain_http(url: str | None, ok: bool) -> None:
    assert (fmt.safe_url(url) is not None) is ok


def test_format_and_parse_dates() -> None:
    assert fmt.format_date(datetime(2025, 11, 1)) == "1 Nov 2025"
    assert fmt.format_date(None) == ""
    assert fmt.parse_date("2025-11-21", field="From") == datetime(2025, 11, 21)
    assert fmt.parse_date("2025-11-21", field="Until", end_of_day=True) == datetime(2025, 11, 21, 23, 59, 59, 999999)
    assert fmt.parse_date("2025-11-21 00:00:00", end_of_day=True) == datetime(2025, 11, 21, 23, 59, 59, 999999)
    assert fmt.parse_date("2025-11-21T08:00", end_of_day=True) == datetime(2025, 11, 21, 8, 0)
    assert fmt.parse_date("", field="From") is None and fmt.parse_date(None) is None
    assert fmt.parse_date(0.0).year == 1970  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="Until: 'next week' is not a date"):
        fmt.parse_date("next week", field="Until")


# ---- answers -------------------------------------------------------------------
def test_answer_html_links_citations_and_flags_unsupported_sentences() -> None:
    a = answer(
        answer="Dock workers ended the strike [1]. It was sunny [2].",
        sentences=[
            AnswerSentence(text="Dock workers ended the strike.", citations=[1], supported=True, score=0.9),
            AnswerSentence(
                text="It was <sunny>.", citations=[2], supported=False, score=0.1, reason="no passage says so"
            ),
        ],
        citations=[
            cite(1, "Dock workers in Tallinn ended a five-day strike on Tuesday."),
            cite(2, "The port authority"),
        ],
        timings=Timings(total_ms=1530),
    )
    out = fmt.answer_html(a, "a3")
    assert out.count('class="nd-cite"') == 2
    assert 'href="#nd-src-a3-1"' in out and 'data-nd-n="2"' in out
    unverified = re.search(r'<span class="nd-sent nd-unverified" title="Not verified: ([^"]+)">([^<]+)</span>', out)
    assert unverified and unverified.group(1) == "no passage says so" and "&#60;sunny&#62;" in unverified.group(2)
    assert ">unverified</span>" in out
    assert "1/2 sentences verified" in out and "nd-warn" in out
    assert "2 passages from 1 article" in out and "1.5 s" in out


def test_abstention_reads_clearly_without_citations() -> None:
    a = answer(answer="The indexed articles don't say who won the election.", abstained=True)
    out = fmt.answer_html(a, "a1")
    assert "nd-abstain" in out and "Not in the indexed articles" in out
    assert "nd-cite" not in out and "sentences verified" not in out
    panel = fmt.sources_panel(a, {}, "a1")
    assert "the articles don&#39;t cover this question" in panel


def test_answer_that_answers_shows_both_verdicts_apart() -> None:
    quote = "Dock workers in Tallinn ended a five-day strike on Tuesday."
    a = answer(answer=f"{quote} [1]", sentences=[AnswerSentence(text=quote, citations=[1], supported=True, score=0.9)],
               citations=[cite(1, quote)], check=AnswerCheck(answers_question=True, answer_type="date", found="Tuesday"))  # fmt: skip
    meta = fmt.answer_meta(a)
    assert '<span class="nd-ok">1/1 sentences verified</span>' in meta
    assert re.search(r'<span class="nd-ok nd-check" title="date: Tuesday">✓ Answers the question</span>', meta)


def test_declined_answer_with_its_closest_passage_never_looks_verified() -> None:
    quote = "Dock workers in Tallinn ended a five-day strike on Tuesday."
    check = AnswerCheck(
        answers_question=False, answer_type="date", anchors=["2021"], reason="it is about 2019, not 2021"
    )
    a = answer(
        question="When did the 2021 strike end?",
        answer=f"The indexed articles don't say when the 2021 strike ended. The closest passage is about 2019, not 2021: “{quote}” [1]",
        sentences=[AnswerSentence(text=quote, citations=[1], supported=True, score=0.9)],
        citations=[cite(1, quote)], abstained=True, check=check,
    )  # fmt: skip
    out = fmt.answer_html(a, "a1")
    assert "nd-abstain" in out and 'href="#nd-src-a1-1"' in out
    assert "Does not answer: it is about 2019, not 2021" in out
    assert "nd-ok" not in out and "verified" not in out  # neither green nor "n/m sentences verified"
    panel = fmt.sources_panel(a, {ARTICLE.id: ARTICLE}, "a1")
    assert "does not answer the question: it is about 2019, not 2021" in panel and 'id="nd-src-a1-1"' in panel


def test_failed_check_turns_the_sentence_count_amber_even_when_every_sentence_is_supported() -> None:
    quote = "Dock workers in Tallinn ended a five-day strike on Tuesday."
    a = answer(answer=f"{quote} [1]", sentences=[AnswerSentence(text=quote, citations=[1], supported=True)],
               citations=[cite(1, quote)], check=AnswerCheck(answers_question=False, answer_type="person", reason=""))  # fmt: skip
    meta = fmt.answer_meta(a)
    assert '<span class="nd-warn">1/1 sentences verified</span>' in meta and "nd-ok" not in meta
    assert "Does not answer: no supported sentence answers what was asked" in meta


def test_no_check_no_badge() -> None:
    assert "nd-check" not in fmt.answer_meta(
        answer(answer="x [1]", sentences=[AnswerSentence(text="x", supported=True)])
    )


def test_answer_without_sentence_breakdown_links_markers() -> None:
    out = fmt.answer_html(answer(answer="The strike ended [1][2]."), "a1")
    assert out.count('class="nd-cite"') == 2


def test_rewritten_follow_up_is_shown() -> None:
    a = answer(
        question="And the pay?", standalone_question="What pay rise did the port authority agree to?", answer="x"
    )
    assert "Understood as: What pay rise" in fmt.answer_html(a, "a1")


def test_streaming_html_shows_progress_then_text() -> None:
    assert "Searching" in fmt.streaming_html("")
    out = fmt.streaming_html("Dock workers [1")
    assert "Dock workers" in out and "nd-caret" in out


# ---- sources -------------------------------------------------------------------
def test_source_card_highlights_exact_quote_inside_its_paragraph() -> None:
    quote = "The port authority agreed to a 7 percent pay rise."
    card = fmt.source_card(cite(2, quote), ARTICLE, "a1", sentences=["They got a raise."])
    assert 'id="nd-src-a1-2"' in card
    assert re.search(r"<mark>(.*?)</mark>", card).group(1) == quote  # type: ignore[union-attr]
    # The rest of the paragraph surrounds it; other paragraphs do not.
    assert "Dock workers in Tallinn ended a five-day strike on Tuesday. <mark>" in card
    assert "Mari Kask" not in card
    assert "Harbour strike ends" in card and "Baltic Wire · 21 Nov 2025" in card
    assert "They got a raise." in card


def test_source_card_escapes_markdown_in_article_text() -> None:
    card = fmt.source_card(cite(1, "a fair deal"), ARTICLE, "a1")
    assert "&#42;<mark>a fair deal</mark>&#42; for &#91;all&#93; workers" in card


def test_source_card_falls_back_to_quote_when_article_is_gone_or_changed() -> None:
    c = cite(1, "The port authority")
    assert "<mark>The port authority</mark>" in fmt.source_card(c, None, "a1")
    changed = c.model_copy(update={"start": 0, "end": len(c.quote)})
    assert fmt.source_card(changed, ARTICLE, "a1").count("<mark>") == 1
    assert "<mark>The port authority</mark></blockquote>" in fmt.source_card(changed, ARTICLE, "a1")


def test_long_paragraph_is_trimmed_around_the_quote_at_word_boundaries() -> None:
    words = " ".join(f"word{i}" for i in range(600))
    article = build_article("Long", words)
    quote = "word300 word301 word302"
    start = article.text.index(quote)
    lo, hi = fmt.context_span(article.text, article.paragraphs, start, start + len(quote))
    assert lo < start and hi > start + len(quote)
    assert hi - lo <= fmt.MAX_CONTEXT_CHARS
    assert article.text[lo - 1] == " " and article.text[hi] == " "
    html = fmt.highlighted_context(article.text, article.paragraphs, start, start + len(quote))
    assert html.startswith("… ") and html.endswith(" …")


def test_context_spans_several_paragraphs_when_the_quote_does() -> None:
    text = "First para here.\nSecond para there."
    lo, hi = fmt.context_span(text, [Span(start=0, end=16), Span(start=17, end=35)], 6, 24)
    assert (lo, hi) == (0, 35)
    assert "<br>" in fmt.highlighted_context(text, [], 6, 24)


def test_sources_panel_lists_each_citation_with_the_sentences_it_supports() -> None:
    c1, c2 = cite(1, "ended a five-day strike"), cite(2, "7 percent pay rise")
    a = answer(
        answer="x",
        citations=[c1, c2],
        sentences=[AnswerSentence(text="The strike ended.", citations=[1], supported=True)],
    )
    panel = fmt.sources_panel(a, {ARTICLE.id: ARTICLE}, "a5")
    assert panel.count('class="nd-source"') == 2
    assert "nd-src-a5-1" in panel and "nd-src-a5-2" in panel
    assert "How did the strike end?" in panel and "The strike ended." in panel
    assert "Click a numbered citation" in fmt.sources_panel(None, {}, "x")


# ---- briefings -----------------------------------------------------------------
def test_briefing_html_renders_sections_citations_and_sources() -> None:
    c1 = cite(1, "ended a five-day strike")
    ok = BriefingPoint(text="The strike is over.", citations=[1], supported=True)
    bad = BriefingPoint(text="Ships queued for weeks.", citations=[1], supported=False)
    b = Briefing(
        headline="Tallinn <port> strike ends", summary=ok, key_points=[ok, bad], actors=[Actor(name="Mari Kask", points=[ok])],
        facts=[ok], open_questions=["Will it last?"], citations=[c1], backend="extractive", model="none",
        sources=[ArticleInfo(id=ARTICLE.id, title=ARTICLE.title)], generated_ms=2500, cached=True,
    )  # fmt: skip
    out = fmt.briefing_html(b, {ARTICLE.id: ARTICLE})
    assert "<h2>Tallinn &#60;port&#62; strike ends</h2>" in out
    for section in ("Key points", "Who’s who", "Facts and figures", "Open questions", "Sources"):
        assert section in out
    assert "Disputed" not in out
    assert out.count('href="#nd-src-brief-1"') == 5
    assert 'id="nd-src-brief-1"' in out and "<mark>ended a five-day strike</mark>" in out
    assert "4/5 points verified" in out and "cached" in out and "1 article" in out
    assert "Ships queued for weeks.</span>" in out and ">unverified</span>" in out


def test_declined_draft_is_listed_with_the_checkers_reason() -> None:
    """Issue 20: a declined answer still says what the engine wrote and why the check rejected it (no scores)."""
    why = "contrary verb: 'kept' vs 'relinquished'"
    s = AnswerSentence(text="The port kept its <fees>.", citations=[1], reason=f"{why} (content words 50%, score 0.20)")
    a = answer(answer="The indexed articles don't say enough.", sentences=[s], abstained=True)
    out = fmt.answer_html(a, "a1")
    assert 'class="nd-rejected"' in out and "The port kept its &#60;fees&#62;." in out
    assert f'<span class="nd-why">{fmt.esc(why)}</span>' in out and "content words" not in out
    supported = answer(answer="x", sentences=[s.model_copy(update={"supported": True})], abstained=True)
    assert "nd-rejected" not in fmt.answer_html(supported, "a1")


def test_briefing_sentences_are_flagged_with_their_own_reason() -> None:
    c1 = cite(1, "ended a five-day strike")
    ok = BriefingPoint(text="The strike is over.", citations=[1], supported=True, reason="supported")
    why = "negation added: 'did not end' vs 'ended'"
    bad = BriefingPoint(text="The strike did not end.", citations=[1], reason=f"{why} (content words 80%, score 0.30)")
    summary = BriefingPoint(text=f"{ok.text} {bad.text}", citations=[1], reason="1 of 2 summary sentences supported",
                            parts=[ok, bad])  # fmt: skip
    b = Briefing(headline="Strike", summary=summary, key_points=[bad], citations=[c1], backend="openai", model="m")
    out = fmt.briefing_html(b, {ARTICLE.id: ARTICLE})
    # the summary's flipped sentence and the key point, each on its text and its flag
    assert out.count(f'title="Not verified: {fmt.esc(why)}"') == 2 and out.count(f'title="{fmt.esc(why)}"') == 2
    assert "summary sentences supported" not in out and "content words" not in out
    assert "The strike is over.<span" in out  # the supported summary sentence is not flagged


# ---- library -------------------------------------------------------------------
def test_library_rows_newest_first_then_undated() -> None:
    infos = [
        ArticleInfo(id="a", title="Old", published=datetime(2024, 1, 1), chunks=3),
        ArticleInfo(id="b", title="Undated", chunks=1),
        ArticleInfo(id="c", title="New", source="Wire", published=datetime(2025, 6, 2), chunks=7),
    ]
    rows = fmt.library_rows(infos)
    assert [r[0] for r in rows] == ["New", "Old", "Undated"]
    assert rows[0] == ["New", "Wire", "2 Jun 2025", 7, "c"]
    assert len(fmt.LIBRARY_HEADERS) == len(rows[0])
    assert fmt.article_choices(infos)[0] == ("New (2 Jun 2025)", "c")
    assert fmt.library_summary(infos) == "3 articles · 11 passages indexed"
    assert "Answering with <strong>extractive (offline)</strong>" in fmt.status_line("extractive (offline)", infos)


def test_ingest_report_html_and_warnings() -> None:
    info = ArticleInfo(id="a", title="Harbour <b>", chunks=4)
    report = IngestReport(
        added=[info], unchanged=[info], errors=[IngestError(input="bad.pdf", error="not a PDF")], chunks=4, seconds=1.25
    )
    report.duplicates.append(IngestDuplicate(input="u", title="Copy", url="https://b.example/x", duplicate_of="a"))
    report.skipped.append(IngestNote(input="empty.html", note="'Empty' has no text to index"))
    out = fmt.ingest_html(report)
    assert "1 added, 0 replaced, 1 unchanged, 1 duplicate, 1 skipped, 1 failed; 4 passages in 1.2 s" in out
    assert "Harbour &#60;b&#62;" in out and "Already indexed" in out and "bad.pdf: not a PDF" in out
    assert "Duplicate</span> https://b.example/x: same text as a" in out and "Skipped</span> empty.html" in out
    assert fmt.ingest_warnings(report) == ["bad.pdf: not a PDF"]
    merged = fmt.merge_reports([report, IngestReport(added=[info], chunks=2, seconds=0.5)])
    assert (len(merged.added), merged.chunks, merged.seconds, len(merged.errors)) == (2, 6, 1.75, 1)


# ---- evaluation ----------------------------------------------------------------
def test_eval_table_puts_metrics_in_rows_and_backends_in_columns() -> None:
    report = {
        "run_seconds": 12.34,
        "datasets": [{"name": "sample_qa", "items": 40}],
        "retrieval": {"k": 6, "evidence_recall_at_k": {"value": 0.9, "n": 30}, "mrr": {"value": 0.75, "n": 30}},
        "backends": {
            "extractive": {
                "model": "none",
                "answer_accuracy": {"value": 0.5, "n": 30},
                "faithfulness": None,
                "latency_p50_ms": 120.4,
            },
            "llamacpp": {
                "model": "smol",
                "answer_accuracy": {"value": None, "n": 0},
                "faithfulness": None,
                "latency_p50_ms": 2400.0,
            },
        },
        "judge": {"accuracy": 0.875},
        "warnings": ["evidence quote not found"],
    }
    headers, rows = fmt_eval.eval_table(report)
    assert headers == ["Metric", "extractive (none)", "llamacpp (smol)"]
    table = {r[0]: r[1:] for r in rows}
    assert table["Evidence recall@k (retrieval)"] == ["0.900 (30)", "0.900 (30)"]
    assert table["Answer accuracy"] == ["0.500 (30)", "n/a"]
    assert table["Latency p50"] == ["120 ms", "2,400 ms"]
    assert "Faithfulness (LLM judge)" not in table and "Citation precision" not in table
    summary = fmt_eval.eval_summary_html(report)
    assert (
        "sample&#95;qa (40 items)" in summary and "12.3 s" in summary and "0.875" in summary and "1 warning" in summary
    )


def test_feeds_html_lists_each_feed_with_its_last_refresh_and_error() -> None:
    from datetime import datetime

    from app.models import FeedInfo
    from app.serve.web.format_feeds import feeds_html

    assert "No feeds followed" in feeds_html([])
    out = feeds_html([
        FeedInfo(url="https://a.example/rss", title="A <news>", every_seconds=3600, last_status="ok", last_added=3,
                 last_refresh=datetime(2026, 12, 1, 9, 30)),
        FeedInfo(url="https://b.example/atom", last_status="error", last_error="timed out after 15s"),
    ])  # fmt: skip
    assert "A &#60;news&#62;" in out and "every 1 h · last refresh 2026-12-01 09:30 UTC" in out and "3 new" in out
    assert "https://b.example/atom" in out and "timed out after 15s" in out and "never" in out
