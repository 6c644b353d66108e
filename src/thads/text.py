"""Small text helpers shared by several modules: slugs and accent-free names."""

from __future__ import annotations

import re
import unicodedata


def strip_accents(text: str) -> str:
    """'Hậu Giang' -> 'Hau Giang' (đ/Đ become d/D)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str) -> str:
    """'Bà Rịa - Vũng Tàu' -> 'ba-ria-vung-tau'."""
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")
