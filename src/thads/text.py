"""Small text helpers shared by several modules: slugs and accent-free names."""

from __future__ import annotations

import re
import unicodedata

from thads.errors import visible


def strip_accents(text: str) -> str:
    """'Hậu Giang' -> 'Hau Giang' (đ/Đ become d/D)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str) -> str:
    """'Bà Rịa - Vũng Tàu' -> 'ba-ria-vung-tau'."""
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")


_TONED = {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ"}
_ON_FIRST = {"o": "òóỏõọ", "u": "ùúủũụ"}
_OLD_STYLE = re.compile(r"(?<![qQ])([oOuU])([àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ])(?![^\W\d_])")


def modern_tones(text: str) -> str:
    """Official spelling of names, the tone on the first vowel of a final oa, oe, uy:
    'Hoà Bình' -> 'Hòa Bình', 'Vị Thuỷ' -> 'Vị Thủy', 'Thanh Hoá' -> 'Thanh Hóa' ('Quý' and 'Hoàng' stay)."""
    def move(match: re.Match) -> str:
        first, second = match[1], match[2]
        bare, tone = next((base, marks.index(second.lower())) for base, marks in _TONED.items()
                          if second.lower() in marks)
        if (first.lower(), bare) not in {("o", "a"), ("o", "e"), ("u", "y")}:
            return match[0]
        toned = _ON_FIRST[first.lower()][tone]
        return (toned.upper() if first.isupper() else toned) + (bare.upper() if second.isupper() else bare)

    return _OLD_STYLE.sub(move, text)


# Characters a Word file (XML 1.0) cannot hold: control characters but tab and line ends, and the like.
CONTROL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def control_message(text: str) -> str | None:
    """What `thads validate` says of a text holding characters a Word file cannot hold; None when it holds none."""
    found = list(dict.fromkeys(visible(c) for c in CONTROL.findall(text)))
    if not found:
        return None
    return (f"có ký tự điều khiển {', '.join(found)} (thường do chép từ phần mềm khác): tệp Word không chứa được "
            "ký tự này, báo cáo sẽ bỏ nó đi; hãy xóa nó")
