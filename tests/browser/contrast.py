"""Text contrast as the browser renders it: the WCAG 2 ratio of every visible text.

`low_contrast(page, minimum)` runs contrast.js (one function) in the page: for every
element that shows text (its own text nodes, a form control's value, an empty field's
placeholder) it takes the computed text colour and composites the background the text really
sits on (each ancestor's background colour with its alpha, down to the first opaque one; a
gradient counts as each of its colour stops, the worst one wins; ancestors' opacity fades the
text into it), then the WCAG relative-luminance ratio. Disabled controls are exempt, as WCAG
exempts inactive components; text that is not rendered (display none, visibility hidden,
zero size, clipped to 1 px like .sr-only) is skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONTRAST_JS = (Path(__file__).with_name("contrast.js")).read_text()


def low_contrast(page: Any, minimum: float = 4.5) -> list[dict[str, Any]]:
    """Every visible text on `page` whose contrast against its background is below `minimum`."""
    return page.evaluate(CONTRAST_JS, minimum)
