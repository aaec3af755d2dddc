"""Which characters show nothing: what "blank" means for a post, and where a CSV cell really starts.

``str.isspace`` knows whitespace but not the invisible format characters (zero-width space and
joiners, the byte-order mark, word joiner, soft hyphen, tag characters) nor the fillers and
selectors that render as nothing. A post made only of those looks empty to a reader and gives a
model nothing to judge, so it is blank; and a spreadsheet formula hidden behind them still runs.
Both checks use this one definition so they cannot disagree about what is visible.
"""

from __future__ import annotations

import unicodedata

# Invisible, yet not in the format category: a combining joiner, Hangul and Khmer fillers, the blank
# Braille cell. Variation selectors are handled as ranges below.
_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_SELECTOR_RANGES = ((0x180B, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def is_invisible(char: str) -> bool:
    """True for whitespace, control and format characters, fillers and variation selectors."""
    if char.isspace() or char in _FILLERS or unicodedata.category(char) in ("Cc", "Cf"):
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _SELECTOR_RANGES)


def is_blank(text: str) -> bool:
    """True when nothing in ``text`` would be visible (the empty string included)."""
    return all(is_invisible(char) for char in text)


def first_visible(text: str) -> str:
    """The first character a reader (or a spreadsheet) would see, or "" when there is none."""
    return next((char for char in text if not is_invisible(char)), "")
