"""The batch's kernel template (thads.forks, thads.kernel.template): what it is started with, what it rehearses, and
that one template serves every worker of a batch."""

import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from thads import forks, pool
from thads.periods import Period

ROOT = Path(__file__).resolve().parents[1]


def test_a_kernel_command_is_split_into_its_interpreter_and_ipykernels_arguments():
    assert forks.launcher(["/v/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{c}"]) == (
        ["/v/bin/python", "-Xfrozen_modules=off"], ["-f", "{c}"])
    assert forks.launcher(["/usr/bin/R", "--slave", "-e", "IRkernel::main()"]) is None     # not forked


def test_the_template_gets_the_environment_jupyter_client_gives_a_kernel_of_the_spec():
    spec = {"language": "python", "env": {"EXTRA": "${HOME}/x", "PLAIN": "1"}}
    env = forks.kernel_environment(spec, {"HOME": "/home/a", "PYTHONEXECUTABLE": "/bad", "PATH": "/bin"})
    assert env == {"HOME": "/home/a", "PATH": "/bin", "EXTRA": "/home/a/x", "PLAIN": "1"}
    address = forks.Address("/s", 1, ("/v/bin/python",), tuple(sorted(env.items())))
    assert address.serves(["/v/bin/python"], env) and not address.serves(["/v/bin/python"], {**env, "PLAIN": "2"})


def job(kind: str, period: str, code: str, formats=("html",), as_of=None):
    return SimpleNamespace(kind=kind, period=Period.parse(period), subject=SimpleNamespace(code=code), as_of=as_of,
                           formats=formats)


def test_a_batch_rehearses_its_first_report_of_each_kind_and_period_up_to_three():
    jobs = [job("province", "2026-M12", "01"), job("province", "2026-M12", "04"),
            job("province", "2026-M11", "01", ("html", "docx")), job("national", "2026-M12", "VN"),
            job("province", "2026-M12", "01", as_of=date(2025, 7, 1))]
    chosen = forks.rehearsals(jobs, ROOT / "parameters" / "notes", ROOT)
    assert [(r["kind"], r["period"], r["subject"]) for r in chosen] == [
        ("province", "2026-M12", "01"), ("province", "2026-M11", "01"), ("national", "2026-M12", "VN")]
    assert all(r["word"] for r in chosen)            # one report makes Word: the charts are rehearsed as PNG too
    assert {r["project"] for r in chosen} == {str(ROOT)}     # with the project's settings (its wording)


def test_a_worker_tells_the_batch_every_step_but_only_one_cell_in_a_while(monkeypatch):
    clock = iter([100.0, 100.1, 100.2, 100.5, 100.6, 100.7, 100.8])         # seconds, one for each step below
    monkeypatch.setattr(pool.time, "monotonic", lambda: next(clock))
    told = []
    tell = pool._Told(SimpleNamespace(put=told.append), 7)
    report = job("province", "2026-M12", "92")
    report.place = "92"
    for stage in ("bắt đầu", "chạy notebook", "ô 1/30", "ô 2/30", "ô 3/30", "HTML", "PDF"):
        tell(report, stage)
    assert [stage for *_, stage in told] == ["bắt đầu", "chạy notebook", "ô 2/30", "HTML", "PDF"]
    assert {(pid, period, place) for pid, period, place, _ in told} == {(7, "2026-M12", "92")}


@pytest.mark.slow
def test_one_template_forks_kernels_for_every_worker_that_connects_and_ends_with_its_owner(tmp_path):
    """Two connections (two workers) each get a kernel of their own from the one template: distinct children of
    it. The kernels here are asked only for IPython's version, so each ends at once."""
    python = [sys.executable]
    template = forks.Template(python, {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, ROOT / "data")
    try:
        template.begin([])               # told nothing of the data first: it reads the folder itself
        first, second = forks.Connection(template.address), forks.Connection(template.address)
        kernels = [first.fork(["--version"]), second.fork(["--version"]), first.fork(["--version"])]
        pids = [kernel.pid for kernel in kernels]
        assert all(pids) and len(set(pids)) == 3
        assert all(kernel.wait(timeout=60) is not None for kernel in kernels)
        first.close()
        second.close()
    finally:
        template.close()
    assert template.process.poll() is not None and not Path(template.folder).exists()
    assert not psutil.pid_exists(template.pid) or psutil.Process(template.pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.slow
def test_where_no_template_can_start_each_report_gets_a_kernel_started_for_it(tmp_path, monkeypatch):
    """A template that cannot start (its socket cannot be made, say) does not fail the report: the engine starts a
    kernel of its own for it, and for every report after it."""
    from thads import batch, dataset, project, run

    def refused():
        raise OSError(98, "no socket here")

    monkeypatch.setattr(forks, "_listening", refused)
    where = project.find(ROOT)
    job = batch.plan(dataset.load(where.data).units,
                     [batch.Request((Period.parse("2026-M12"),), ("92",), ("html",))], where.notebooks)[0]
    runner = run.Runner(where.data, tmp_path / "out", where.notes, project_root=where.root)
    try:
        outcome = runner.run(job)
    finally:
        runner.close()
    assert outcome.status == "ok", outcome.message
    log = Path(outcome.log).read_text("utf-8")
    assert "mới cho báo cáo này" in log and "tách từ tiến trình mẫu" not in log and not runner.engine.fork
