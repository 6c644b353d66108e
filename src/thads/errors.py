"""User-facing errors: each carries a Vietnamese message and never needs a traceback."""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass


def visible(text: object) -> str:
    """Text for a terminal with its control and escape characters shown, not obeyed: a cell of a data file
    quoted in a message cannot clear the screen, move the cursor or fake a line ('\\x1b', '\\r')."""
    out = []
    for char in str(text):
        if char == "\n" or (unicodedata.category(char) not in ("Cc", "Cf") and char not in "\u2028\u2029"):
            out.append(char)
        else:
            out.append(repr(char)[1:-1] if ord(char) < 0x10000 and repr(char)[1] == "\\" else f"\\u{ord(char):04x}")
    return "".join(out)


class ThadsError(Exception):
    """An error the user can fix; its message is shown as is, in Vietnamese."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a data folder: where it is and what was expected."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", dòng {self.row}"
        if self.column:
            where += f", cột {self.column}"
        return visible(f"{where}: {self.message}").replace("\n", " ")


class DataError(ThadsError):
    """A data folder that breaks the data contract; lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"Dữ liệu có {len(self.problems)} lỗi:"] + [f"  - {p}" for p in self.problems[:200]]
        if len(self.problems) > 200:
            lines.append(f"  ... và {len(self.problems) - 200} lỗi khác")
        super().__init__("\n".join(lines))


class OverTime(ThadsError):
    """The report's time limit passed while it was being exported (`check_time`)."""

    def __init__(self, stage: str):
        super().__init__(stage)
        self.stage = stage


def check_time(deadline: float | None, stage: str) -> None:
    """Raise OverTime when `deadline` (time.monotonic()) has passed: the time limit covers a report's export too."""
    if deadline is not None and time.monotonic() > deadline:
        raise OverTime(stage)
