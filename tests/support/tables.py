"""Editing a CSV file of a data folder in tests: a header and rows of strings, to break and write back."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

STATS = "stats/2024.csv"
TEXT_COLUMNS = ("don_vi", "tinh")


class Csv:
    """One CSV file of a data folder as a header and rows of strings."""

    def __init__(self, folder: Path, name: str = STATS):
        self.folder, self.name = folder, name
        with open(folder / name, encoding="utf-8", newline="") as f:
            self.header, *self.rows = list(csv.reader(f))

    def index(self, **keys) -> int:
        found = [i for i, row in enumerate(self.rows)
                 if all(row[self.header.index(c)] == str(v) for c, v in keys.items())]
        assert len(found) == 1, (keys, found)
        return found[0]

    def line(self, **keys) -> int:
        """The line of that row once written: the header on line 1, no blank lines."""
        return self.index(**keys) + 2

    def get(self, column: str, **keys) -> str:
        return self.rows[self.index(**keys)][self.header.index(column)]

    def set(self, column: str, value: object, **keys) -> None:
        self.rows[self.index(**keys)][self.header.index(column)] = str(value)

    def drop(self, column: str) -> None:
        i = self.header.index(column)
        for row in [self.header, *self.rows]:
            del row[i]

    def total(self, column: str, **keys) -> int:
        """Sum of a column over the rows matching `keys` (every office of a month, say)."""
        return sum(int(row[self.header.index(column)].replace(".", "")) for row in self.rows
                   if all(row[self.header.index(c)] == str(v) for c, v in keys.items()))

    def text(self, delimiter: str = ",", newline: str = "\n") -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows([self.header, *self.rows])
        return buffer.getvalue()

    def write(self, name: str | None = None, **options) -> None:
        (self.folder / (name or self.name)).write_text(self.text(**options), encoding="utf-8", newline="")

    def typed_rows(self) -> list[list[object]]:
        """Numbers as int (codes stay text), as Excel holds them."""
        text = {self.header.index(c) for c in TEXT_COLUMNS if c in self.header}
        return [[int(v) if i not in text and isinstance(v, str) and v.isdigit() else v for i, v in enumerate(row)]
                for row in self.rows]


TONES = "\u0300\u0301\u0303\u0309\u0323"   # grave, acute, tilde, hook above, dot below


def cp1258(text: str) -> bytes:
    """`text` in Windows-1258: vowels with their shape precomposed, tones as combining marks after them."""
    out = []
    for char in text:
        try:
            char.encode("cp1258")
            out.append(char)
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES)))
            out.append("".join(c for c in parts if c in TONES))
    data = "".join(out).encode("cp1258")
    assert unicodedata.normalize("NFC", data.decode("cp1258")) == unicodedata.normalize("NFC", text)
    return data
