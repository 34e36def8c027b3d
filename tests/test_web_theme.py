"""Dark mode is styled from CSS variables: the page in Gradio's dark theme (headless Debian Chromium via Playwright
against the real `newsdesk serve`) paints Newsdesk's own parts light-on-dark, and light-theme colours stay as they were."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_browser import Session, browser  # noqa: F401  # the module-scoped browser fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CSS = Path(__file__).resolve().parents[1] / "app" / "serve" / "web" / "static" / "newsdesk.css"
PAINTED = """() => {
  const get = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
  return {ink: get('.nd-logo', 'color'), paper: get('#nd-chat', 'backgroundColor'), muted: get('.nd-tagline', 'color')};
}"""


def luminance(css_colour: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_colour)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def paint(browser: Any, url: str) -> dict[str, str]:  # noqa: F811
    session = Session(browser, url)
    try:
        page = session.open()
        return dict(page.evaluate(PAINTED))
    finally:
        session.context.close()


def test_colours_are_variables_outside_the_palettes() -> None:
    css = CSS.read_text(encoding="utf-8")
    rules = re.sub(r"(:root|\.dark)\s*\{[^}]*\}", "", css)  # the two palettes are the only place colours are spelled
    assert re.findall(r"#[0-9a-fA-F]{3,6}\b", rules) == []
    light = set(re.findall(r"--nd-[\w-]+(?=:)", re.search(r":root\s*\{[^}]*\}", css).group(0)))  # type: ignore[union-attr]
    dark = set(re.findall(r"--nd-[\w-]+(?=:)", re.search(r"\.dark\s*\{[^}]*\}", css).group(0)))  # type: ignore[union-attr]
    assert light - {"--nd-serif"} == dark  # every colour has its dark counterpart


def test_dark_theme_paints_light_on_dark(browser: Any, web_server: str) -> None:  # noqa: F811
    light = paint(browser, f"{web_server}/?__theme=light")
    dark = paint(browser, f"{web_server}/?__theme=dark")
    assert luminance(light["ink"]) < 0.3 < 0.7 < luminance(light["paper"])
    assert luminance(dark["ink"]) > 0.7 > 0.3 > luminance(dark["paper"])
    assert dark["muted"] != light["muted"]
