"""A report's folder: where its files live, what its last good run recorded (inputs.json), whether it is current,
the clerk's rule, and the commit of a finished report's own files.

Every path that writes a report's files goes through `ReportFolder`: `thads run` (`commit`), `thads export` and
`jupyter nbconvert --to thads_*` (`export`). The clerk's rule: a file of a format whose `keeps_edits` is set
(report.docx) that was changed after it was written (its checksum is not the recorded one) is never replaced; the
new file goes beside it (report.new.docx, report.new-2.docx, ...). A commit touches only the report's own files,
never the folder as a whole: other reports (an office's, inside a province's folder) may live there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from thads import files, formats
from thads.errors import ThadsError

RECORD = "inputs.json"                       # what `thads run` keeps in a report folder, beside the files it made
FAILED = ("report.failed.ipynb", "report.failed.log")
_KEPT_COPY = re.compile(r"report(\.new(-\d+)?)?\.(\w+)")      # the names `ReportFolder.place` gives a file


def record_place(inputs: dict, name: str, file: str) -> None:
    """Record in `inputs` (inputs.json) the file format `name` was written to, when the clerk's rule may move it."""
    inputs.setdefault("files", {})[name] = file
    if name == "docx":
        inputs["docx"] = file


def _format_of(file: str) -> str:
    """The format of one of a report's files: report.docx -> docx."""
    return next((f.name for f in formats.registry().values() if f.file == file), file.rsplit(".", 1)[-1])


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class ReportFolder:
    """The folder of one report (`<out>/<period>/<place>`)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ReportFolder({str(self.path)!r})"

    def recorded(self) -> dict:
        """What the last good run recorded in inputs.json ({} when nothing, unreadable or damaged: values of the wrong
        kind would fail every later run). Without it, a file under the clerk's rule is taken as edited and kept."""
        try:
            made = json.loads((self.path / RECORD).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(made, dict):
            return {}
        listed, written, placed = made.get("formats", []), made.get("written", {}), made.get("files", {})
        docx = made.get("docx", "report.docx")
        if (not isinstance(listed, list) or not isinstance(written, dict) or not isinstance(placed, dict)
                or not all(isinstance(k, str) and isinstance(v, str) for k, v in [*written.items(), *placed.items()])
                or not all(_KEPT_COPY.fullmatch(v) for v in [*placed.values(), docx if isinstance(docx, str) else ""])):
            return {}
        return made

    def file_of(self, made: dict, name: str) -> str:
        """The file a format `name` was last written to (report.new.docx when the clerk's rule put it there): inputs.json
        names it under `files` (and a Word file under `docx` too, as reports made before other formats kept edits)."""
        wanted = formats.get(name)
        placed = made.get("files", {}).get(name) or (made.get("docx") if name == "docx" else None)
        return placed or wanted.file

    def is_current(self, fingerprint: str, wanted: tuple[str, ...], changed=lambda recorded: False) -> bool:
        """Whether the report is there with all its files, made from the inputs `fingerprint` sums up, and the
        templates it used unchanged (`changed`, given what inputs.json recorded of them)."""
        made = self.recorded()
        names = ["report.ipynb", "summary.json", *(self.file_of(made, f) for f in wanted)]
        return (bool(made) and made.get("fingerprint") == fingerprint
                and all((self.path / n).is_file() for n in names) and not changed(made.get("templates")))

    def place(self, name: str, written: dict[str, str]) -> str:
        """The file name a new file of format `name` gets: its own (report.docx), unless the format keeps a clerk's
        edits and the file there was changed after it was written (checksum not in `written`); then beside it."""
        wanted = formats.get(name)
        if not wanted.keeps_edits:
            return wanted.file
        stem, suffix = wanted.file.rsplit(".", 1)
        for number in range(1, 1000):
            candidate = wanted.file if number == 1 else f"{stem}.new.{suffix}" if number == 2 \
                else f"{stem}.new-{number - 1}.{suffix}"
            path = self.path / candidate
            if not path.exists() or written.get(candidate) == sha256(path):
                return candidate
        raise ThadsError(f"{self.path}: quá nhiều bản {wanted.file} đã sửa; hãy dọn bớt các tệp {stem}.new-*.{suffix}.")

    def commit(self, work: Path, names: list[str], places: dict[str, str], inputs: dict,
               before: dict[str, str] | None = None) -> list[str]:
        """Move a finished report's files from `work` into the folder (`places`: each file's name there), then write
        `inputs` as inputs.json last, and remove the failed attempt's files: the report is then in place. Returns
        what to tell the user.

        A file that cannot replace its old self (open in Word or a PDF reader on Windows) goes beside it
        (`files.put_in_place`); the folder then mixes two runs and is not current. A kept copy's checksum is recorded
        under the name it got; copies the tool wrote earlier and nobody edited are removed once the new file is in
        place elsewhere. `before`: the checksums the last run recorded (`written` of its inputs.json)."""
        before = before or {}
        files.make_folder(self.path)
        for name in [*places.values(), RECORD]:
            files.no_link(self.path / name)
        messages = []
        for name in names:
            placed, message = files.put_in_place(work / name, self.path / places[name])
            if message:
                if places[name] in inputs["written"]:          # a file under the clerk's rule: its checksum moves
                    checksum = inputs["written"].pop(places[name])
                    if places[name] in before:
                        inputs["written"][places[name]] = before[places[name]]
                    inputs["written"][placed.name] = checksum
                    record_place(inputs, _format_of(name), placed.name)
                places[name], inputs["fingerprint"] = placed.name, ""
                messages.append(message)
        self._drop_unedited_copies(inputs, names)
        for stale in FAILED:
            (self.path / stale).unlink(missing_ok=True)
        (work / RECORD).write_text(json.dumps(inputs, ensure_ascii=False), "utf-8")
        os.replace(work / RECORD, self.path / RECORD)
        return messages

    def _drop_unedited_copies(self, inputs: dict, names: list[str]) -> None:
        kept = {*inputs.get("files", {}).values(), inputs.get("docx", "report.docx"), *names}
        for name, checksum in list(inputs["written"].items()):
            path = self.path / name
            if (name not in kept and ".new" in name and _KEPT_COPY.fullmatch(name) and path.is_file()
                    and not path.is_symlink() and sha256(path) == checksum):
                path.unlink()
                del inputs["written"][name]

    def export(self, name: str, content: bytes | str, stem: str = "report") -> Path:
        """Write a file exported by hand (`thads export`, nbconvert) into the folder, under the clerk's rule, and
        record it: the folder now mixes a hand export with `thads run`'s files, so the report is no longer current
        and the next `thads run` makes it again (keeping the clerk's edits). Outside a report folder the file is
        written as `stem` with the format's suffix."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        made = self.recorded() if (self.path / RECORD).exists() else None
        if made is None:
            return files.write_whole(files.make_folder(self.path) / f"{stem}{formats.get(name).suffix}", data)
        written = dict(made.get("written", {}))
        target = self.place(name, written)
        files.no_link(self.path / target)
        path = files.write_whole(self.path / target, data)
        if formats.get(name).keeps_edits:
            written[target] = hashlib.sha256(data).hexdigest()
            record_place(made, name, target)
        made.update(written=written, fingerprint="")
        files.write_whole(self.path / RECORD, json.dumps(made, ensure_ascii=False))
        return path

    def is_report(self) -> bool:
        """Whether `thads run` made a report here (the folder holds inputs.json)."""
        return (self.path / RECORD).exists()

    def keep_failed(self, work: Path, started_cells: list, message: str) -> Path | None:
        """A failed attempt keeps its executed notebook as report.failed.ipynb, beside the good report: papermill's
        (the notebook of a cell that raised), else one of the cells that had started (a dead or killed kernel leaves
        none). Never an empty or cut one: papermill's is kept only when it reads as a notebook (a full disk cuts it
        short), and one written here is written whole or not at all. Outputs too long for a report are folded as
        the exports fold them (`outputs.limited`)."""
        import nbformat

        from thads.outputs import limited

        executed, kept = work / "report.ipynb", self.path / FAILED[0]
        try:
            notebook = json.loads(executed.read_bytes())
            whole = isinstance(notebook, dict) and isinstance(notebook.get("cells"), list)
        except (OSError, ValueError):
            whole = False
        if not whole:
            if not started_cells:
                return None
            notebook = nbformat.v4.new_notebook(cells=[*started_cells, nbformat.v4.new_markdown_cell(
                f"**Báo cáo không hoàn thành:** {message}.")])
        shown, _ = limited(notebook)
        files.make_folder(self.path)
        files.no_link(kept)
        if whole and shown is notebook:
            os.replace(executed, kept)
        else:
            files.write_whole(kept, json.dumps(shown, ensure_ascii=False, indent=1) + "\n")
        return kept

    def keep_log(self, work: Path, lines: list[str], made: bool) -> Path | None:
        """report.log for a report made; a failed attempt keeps its own report.failed.log, so that the good report's
        log stays as it was."""
        if not lines or not work.is_dir():
            return None
        name = "report.log" if made else FAILED[1]
        (work / name).write_text("\n".join(lines) + "\n", "utf-8")
        files.make_folder(self.path)
        files.no_link(self.path / name)
        os.replace(work / name, self.path / name)
        return self.path / name
