"""Rendered HTML for the tests: a small parser of tags and script blocks, and the one check
that a page holds no inline code (the strict CSP would block it in a browser)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any


class Page(HTMLParser):
    """Collects every start tag with its attributes, plus the text of <script> blocks."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def by_id(self, element_id: str) -> tuple[str, dict[str, str | None]]:
        """The tag and attributes of the element with this id (fails when absent)."""
        for tag, attrs in self.tags:
            if attrs.get("id") == element_id:
                return tag, attrs
        raise AssertionError(f"no element with id {element_id!r}")

    def selected(self, select_id: str) -> list[str]:
        """Values of the selected <option>s of one <select> (by document order)."""
        values, inside = [], False
        for tag, attrs in self.tags:
            if tag == "select":
                inside = attrs.get("id") == select_id
            elif tag == "option" and inside and "selected" in attrs:
                values.append(attrs.get("value") or "")
        return values

    def config(self) -> dict[str, Any]:
        """The page's JSON configuration block."""
        for attrs, text in self.scripts:
            if attrs.get("id") == "livedash-config":
                return json.loads(text)
        raise AssertionError("no livedash-config block")


def assert_no_inline_code(doc: Page) -> None:
    """No inline script, style element, style attribute or on* handler (CSP forbids them)."""
    for tag, attrs in doc.tags:
        assert tag != "style", "inline <style> element"
        assert "style" not in attrs, f"style= attribute on <{tag}>"
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"handler attribute {handlers} on <{tag}>"
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:")
    for attrs, text in doc.scripts:
        if attrs.get("src"):
            assert not text.strip(), "a <script src> with inline code"
        else:
            assert attrs.get("type") == "application/json", "inline executable <script>"
