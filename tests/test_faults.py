"""Faults during a batch, concurrent runs and hostile input: nothing half-written, nothing lost,
nothing executed that should only be shown. Each test drives the real command line."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from bs4 import BeautifulSoup

from tests import support
from tests.support import ROOT, counts, notebooks_with, thads
from tests.support.batches import RECORD

pytestmark = pytest.mark.slow   # real kernels, batches or a browser: make test, not make check


def start(*args):
    """Start the command line in its own process group, as a terminal would run it."""
    return support.start(*args, session=True)


def assert_nothing_half_written(out: Path) -> None:
    assert not [p for p in (out / ".work").rglob("*") if p.is_file()] if (out / ".work").exists() else True
    for folder in out.glob("*-M*/*"):
        names = {p.name for p in folder.iterdir()}
        if "report.html" in names:
            assert {"report.ipynb", "summary.json", "inputs.json"} <= names, names
            page = (folder / "report.html").read_text("utf-8")
            assert page.rstrip().endswith("</html>")
            json.loads((folder / "summary.json").read_text("utf-8"))
            nbformat.read(folder / "report.ipynb", as_version=4)
        else:
            assert names <= {"report.failed.ipynb", "report.failed.log"}, names
    index = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser")
    for link in index.find_all("a", href=True):
        assert (out / link["href"]).is_file(), link["href"]


@pytest.mark.parametrize("fault, words", [
    ('if province == "92":\n    raise RuntimeError("lỗi cố ý trong ô")', "RuntimeError: lỗi cố ý trong ô"),
    ('import os\nif province == "92":\n    os.kill(os.getpid(), 9)', "kernel dừng đột ngột"),
    ('import time\nif province == "92":\n    time.sleep(600)', "quá thời gian cho phép (8 giây)"),
], ids=["cell-raises", "kernel-dies", "cell-hangs"])
def test_a_faulty_report_fails_alone_and_the_next_one_is_made(tmp_path, fault, words):
    out = tmp_path / "out"
    started = time.monotonic()
    done = thads("run", "--period", "2026-M12", "--province", "92", "96", "--format", "html", "--jobs", "1",
                 "--timeout", "8", "--notebooks", str(notebooks_with(tmp_path, fault)), "--out", str(out))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert counts(out) == (1, 0, 1)
    assert words in " ".join(done.stderr.split())
    assert (out / "2026-M12" / "92" / "report.failed.ipynb").is_file()
    assert (out / "2026-M12" / "96" / "report.html").is_file()          # same worker, next report: made
    assert_nothing_half_written(out)
    assert time.monotonic() - started < 240


def descendants(pid: int) -> list[psutil.Process]:
    """Every process started under `pid`: workers, their kernels, the manager."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def all_ended(processes: list[psutil.Process], within: float = 20) -> list[str]:
    """The processes still running `within` seconds from now (none, when the batch cleaned up)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.2)
    return [" ".join(p.cmdline()[:3]) for p in alive]


@pytest.mark.parametrize("name, code, says", [("SIGINT", 130, "Ctrl-C"), ("SIGTERM", 143, "SIGTERM"),
                                              ("SIGHUP", 129, None)])
def test_a_signal_stops_the_batch_cleanly_and_the_next_run_does_only_what_is_missing(tmp_path, name, code, says):
    """Ctrl-C, SIGTERM and a closed terminal (SIGHUP) stop a batch alike: the report in progress is abandoned,
    the good reports stay whole, every worker and kernel ends, the index lists what was made."""
    out, hold, running = tmp_path / "out", tmp_path / "hold", tmp_path / "running"
    # Report 96 waits in a cell while the file `hold` exists, once it has said so in `running`.
    slow = notebooks_with(tmp_path, f"import os, time\nif province == '96' and os.path.exists({str(hold)!r}):\n"
                                    f"    open({str(running)!r}, 'w').close()\n    time.sleep(120)")
    hold.touch()
    first = thads("run", "--period", "2026-M12", "--province", "04", "--format", "html", "--out", str(out),
                  "--notebooks", str(slow))
    assert first.returncode == 0, first.stderr
    good = {p.name: p.read_bytes() for p in (out / "2026-M12" / "04").iterdir()}

    batch = start("run", "--period", "2026-M12", "--province", "92", "96", "08", "--format", "html", "--jobs", "1",
                  "--out", str(out), "--notebooks", str(slow))
    deadline = time.monotonic() + 120
    while not running.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert running.exists() and (out / "2026-M12" / "92" / "report.html").exists()   # 92 made, 96 running
    started = descendants(batch.pid)
    assert any("ipykernel" in " ".join(p.cmdline()) for p in started)
    os.killpg(batch.pid, getattr(signal, name))
    _, err = batch.communicate(timeout=120)
    assert batch.returncode == code and "Traceback" not in err
    if says:
        assert f"Đã dừng theo yêu cầu ({says})" in err and "Chưa làm vì đã dừng: 2." in err
    assert all_ended(started) == []
    assert_nothing_half_written(out)
    assert {p.name: p.read_bytes() for p in (out / "2026-M12" / "04").iterdir()} == good
    links = BeautifulSoup((out / "index.html").read_text("utf-8"), "html.parser").find_all("a")
    assert {a["href"] for a in links} >= {"2026-M12/04/report.html", "2026-M12/92/report.html"}

    if name != "SIGINT":
        return           # what a stopped batch leaves is checked above; the rerun after it once, for Ctrl-C
    hold.unlink()
    again = thads("run", "--period", "2026-M12", "--province", "04", "92", "96", "08", "--format", "html",
                  "--out", str(out), "--notebooks", str(slow))
    assert again.returncode == 0, again.stderr
    made, skipped, failed = counts(out)
    assert (made, skipped, failed) == (2, 2, 0)          # 04 and 92 were whole: only 96 and 08 are redone
    assert_nothing_half_written(out)


def test_a_second_ctrl_c_ends_everything_at_once(tmp_path):
    """A report that does not stop when its kernel is interrupted: the second Ctrl-C ends every process of
    the batch at once, kernels included; no third is needed and nothing is left running."""
    out, ready = tmp_path / "out", tmp_path / "ready"
    ready.mkdir()
    stubborn = notebooks_with(tmp_path, "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                        f"open({str(ready)!r} + '/' + str(province), 'w').close()\ntime.sleep(300)")
    batch = start("run", "--period", "2026-M12", "--province", "04", "92", "--format", "html", "--jobs", "2",
                  "--out", str(out), "--notebooks", str(stubborn))
    deadline = time.monotonic() + 120
    while len(list(ready.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(list(ready.iterdir())) == 2                 # both reports are in their stubborn cell
    started = descendants(batch.pid)
    os.killpg(batch.pid, signal.SIGINT)
    time.sleep(1.5)
    assert batch.poll() is None                            # still stopping: the kernels ignore the interrupt
    second = time.monotonic()
    os.killpg(batch.pid, signal.SIGINT)
    _, err = batch.communicate(timeout=60)
    assert time.monotonic() - second < 20 and batch.returncode == 130 and "Traceback" not in err
    assert all_ended(started) == []
    assert_nothing_half_written(out)


def test_a_report_made_alone_stops_cleanly_on_ctrl_c_and_ends_its_kernel(tmp_path):
    """One report is made in the command's own process (no worker): Ctrl-C interrupts its kernel, the good report
    made before stays whole, nothing half-written is left, every process the command started ends, exit 130."""
    out, running = tmp_path / "out", tmp_path / "running"
    slow = notebooks_with(tmp_path, f"import os, time\nif os.path.exists({str(tmp_path / 'hold')!r}):\n"
                                    f"    open({str(running)!r}, 'w').close()\n    time.sleep(120)")
    first = thads("run", "--period", "2026-M12", "--province", "92", "--format", "html", "--out", str(out),
                  "--notebooks", str(slow))
    assert first.returncode == 0, first.stderr
    good = {p.name: p.read_bytes() for p in (out / "2026-M12" / "92").iterdir()}
    (tmp_path / "hold").touch()
    alone = start("run", "--period", "2026-M12", "--province", "92", "--format", "html", "--force", "--out", str(out),
                  "--notebooks", str(slow))
    deadline = time.monotonic() + 120
    while not running.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert running.exists()
    started = descendants(alone.pid)
    assert not any("spawn_main" in " ".join(p.cmdline()) for p in started)       # no worker: made here
    os.killpg(alone.pid, signal.SIGINT)
    _, err = alone.communicate(timeout=60)
    assert alone.returncode == 130 and "Traceback" not in err and "Đã dừng theo yêu cầu (Ctrl-C)" in err
    assert all_ended(started) == []
    assert_nothing_half_written(out)
    assert {p.name: p.read_bytes() for p in (out / "2026-M12" / "92").iterdir()} == good


def test_a_worker_that_dies_fails_only_its_report(tmp_path):
    """A worker killed while it makes a report (as the out-of-memory killer would): that report fails with a
    message pointing to a log that exists; a new worker makes the next one; the dead worker's kernel ends."""
    out = tmp_path / "out"
    slow = notebooks_with(tmp_path, "import time\ntime.sleep(3)")
    batch = start("run", "--period", "2026-M12", "--province", "04", "92", "08", "--format", "html", "--jobs", "1",
                  "--out", str(out), "--notebooks", str(slow))
    deadline = time.monotonic() + 120
    while not (out / "2026-M12" / "04" / "report.html").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)                                       # 92 is being made
    # The worker: the process the batch spawned that talks to the report's kernel (over TCP, as Jupyter's clients do;
    # the batch's other spawned process, multiprocessing's manager, does not). Its kernel: a process of IPython's,
    # forked from the batch's template on Linux, else started by the worker.
    spawned = [p for p in descendants(batch.pid) if "spawn_main" in " ".join(p.cmdline())]
    workers = [p for p in spawned if p.net_connections(kind="tcp")]
    assert len(workers) == 1
    kernels = [p for p in descendants(batch.pid) if "ipykernel" in " ".join(p.cmdline())
               and "ipykernel" in " ".join(p.parent().cmdline())] or workers[0].children()
    assert kernels
    workers[0].kill()
    _, err = batch.communicate(timeout=300)
    assert batch.returncode == 1 and "Traceback" not in err
    assert counts(out) == (2, 0, 1)
    log = out / "2026-M12" / "92" / "report.failed.log"
    assert "Lỗi 2026-M12 92 Cần Thơ: tiến trình làm báo cáo dừng đột ngột" in err and f"(xem {log})" in err
    assert log.is_file() and "dừng đột ngột" in log.read_text("utf-8")
    assert (out / "2026-M12" / "08" / "report.html").is_file()
    assert all_ended(kernels) == []
    assert_nothing_half_written(out)


@pytest.fixture
def small_disk(tmp_path):
    """A real 4 MB file system (tmpfs), mounted for the test: needs root, skipped with a message elsewhere."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"tmpfs cannot be mounted here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def contents(out: Path) -> dict[str, bytes]:
    """Every file under `out` with its bytes, but what a batch keeps for itself and every run may write anew: the
    record of the last batch and the working folder (.work/)."""
    return {path: p.read_bytes() for p in out.rglob("*")
            if p.is_file() and (path := p.relative_to(out).as_posix()) != RECORD and not path.startswith((".work/", ".thads/"))}


def good_report_on(disk: Path, data: Path) -> tuple[Path, dict]:
    out = disk / "out"
    made = thads("run", "--period", "2024-M11", "--province", "93", "--format", "html", "--data", str(data),
                 "--out", str(out))
    assert made.returncode == 0, made.stderr
    return out, contents(out)


def test_a_full_disk_fails_clearly_and_loses_nothing(small_disk, hau_giang_2024):
    out, before = good_report_on(small_disk, hau_giang_2024)
    free = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * max(0, free.f_bavail * free.f_frsize - 150_000))
    done = thads("run", "--period", "2024-M11", "--province", "93", "--format", "html", "--data",
                 str(hau_giang_2024), "--out", str(out), "--force")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "ổ đĩa đã đầy" in done.stderr
    after = contents(out)
    assert {k: v for k, v in after.items() if k in before} == before        # the good report whole
    leftovers = [k for k in after if k not in before and not k.startswith(("2024-M11/93/report.failed",))]
    assert leftovers == [] and not list(out.glob(".*.tmp"))                  # no half-written file anywhere


def test_a_read_only_output_folder_is_refused_clearly(small_disk, hau_giang_2024):
    out, before = good_report_on(small_disk, hau_giang_2024)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    done = thads("run", "--period", "2024-M11", "--province", "93", "--format", "html", "--data",
                 str(hau_giang_2024), "--out", str(out), "--force")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "ổ đĩa chỉ cho đọc" in done.stderr
    assert contents(out) == before


def test_a_second_run_on_the_same_outputs_is_refused_clearly(tmp_path):
    out = tmp_path / "out"
    slow = notebooks_with(tmp_path, "import time\ntime.sleep(6)")
    first = start("run", "--period", "2026-M12", "--province", "04", "--format", "html", "--out", str(out),
                  "--notebooks", str(slow))
    deadline = time.monotonic() + 60
    while not ((out / ".lock.pid").exists() and (out / ".lock.pid").read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    second = thads("run", "--period", "2026-M12", "--province", "04", "--format", "html", "--out", str(out))
    assert second.returncode == 1 and "Traceback" not in second.stderr
    assert f"PID {first.pid}" in second.stderr and "đang được một lần chạy khác sử dụng" in second.stderr
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert_nothing_half_written(out)


def test_analysts_notes_are_shown_as_text_never_run(tmp_path):
    notes = tmp_path / "notes" / "2026-M12"
    notes.mkdir(parents=True)
    (notes / "92.md").write_text(
        "## Ý kiến chỉ đạo\n\n<script>alert('x')</script> và <img src=x onerror=alert(1)> "
        "[bấm vào đây](javascript:alert(2)) <style>body{display:none}</style>\n", "utf-8")
    out = tmp_path / "out"
    done = thads("run", "--period", "2026-M12", "--province", "92", "--notes", str(tmp_path / "notes"),
                 "--out", str(out))
    assert done.returncode == 0, done.stderr
    page = (out / "2026-M12" / "92" / "report.html").read_text("utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("script") is None
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert not soup.find_all(href=re.compile("^javascript:", re.I))
    assert len(soup.find_all("style")) == 1                      # the template's own, not the note's
    note = soup.find("div", class_="analyst-note").get_text()
    assert "<script>alert('x')</script>" in note and "<img src=x onerror=alert(1)>" in note
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "connect-src" not in csp


@pytest.mark.parametrize("args", [
    ["--period", "2024-M11", "--province", "../../etc/passwd"],
    ["--period", "../2024-M11", "--province", "93"],
    ["--period", "2024-M11", "--province", "93'; import os; os.system('touch /tmp/thads-pwned'); '"],
    ["--period", "2024-M11\"); print(1); (\"", "--province", "93"],
    ["--period", "2024-M11", "--province", "<script>alert(1)</script>"],
    ["--period", "2024-M11", "--province", "93", "--date", "2024-09-26'; x='"],
], ids=["province-path", "period-path", "province-code", "period-code", "province-html", "date-code"])
def test_hostile_options_are_refused_before_anything_runs(tmp_path, args):
    out = tmp_path / "out"
    done = thads("run", *args, "--out", str(out), timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr and done.stderr.startswith("Lỗi")
    assert not out.exists() and not Path("/tmp/thads-pwned").exists()


def test_a_data_folder_whose_path_has_quotes_is_passed_to_the_notebook_safely(tmp_path, hau_giang_2024):
    data = tmp_path / "dữ liệu \"x\" 'y' $(touch z)"
    shutil.copytree(hau_giang_2024, data)
    out = tmp_path / "out"
    done = thads("run", "--period", "2024-M11", "--province", "93", "--format", "html", "--data", str(data),
                 "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "11.410 việc" in (out / "2024-M11" / "93" / "report.html").read_text("utf-8")
    assert not (ROOT / "z").exists() and not (ROOT / "notebooks" / "z").exists()
