"""Profiler helpers (sciml_lib.profiling): each finds a planted hotspot; py-spy degrades."""

import os
import stat
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from sciml_lib import profiling as pr  # noqa: E402


def _spin(seconds):
    t0 = time.perf_counter()
    x = 0
    while time.perf_counter() - t0 < seconds:
        x += 1
    return x


def _cheap():
    return 1


def _workload():
    for _ in range(3):
        _spin(0.02)
    for _ in range(50):
        _cheap()


def test_cprofile_finds_the_planted_hotspot_and_counts_calls():
    rep = pr.cprofile(_workload, repeat=2)
    assert rep.find("_cheap").ncalls == 100
    assert rep.find("_spin").ncalls == 6
    # the busy loop's own time is in _spin and the clock it calls; neither is the cheap function
    assert "_cheap" not in rep.hotspot(exclude=["perf_counter"]).function
    assert rep.find("_spin").cumtime >= 0.1
    assert rep.total >= rep.find("_spin").cumtime
    assert "_spin" in rep.table(5) + str(rep)
    with pytest.raises(ValueError, match="repeat"):
        pr.cprofile(_workload, repeat=0)
    with pytest.raises(TypeError, match="fn"):
        pr.cprofile(42)
    with pytest.raises(ValueError, match="exclude"):
        rep.hotspot(exclude=[""])


def _two_lines(n):
    a = sum(range(10))  # cheap line
    b = sum(i * i for i in range(n))  # expensive line
    return a + b


def test_line_profile_finds_the_expensive_line():
    pytest.importorskip("line_profiler")
    rep = pr.line_profile(_two_lines, None, 200_000)
    line, hits, t, src = rep.hottest()
    assert "expensive" in src and hits == 1 and t > 0
    assert rep.total >= t and "expensive" in rep.table()
    rep2 = pr.line_profile(_two_lines, lambda: [_two_lines(1000) for _ in range(5)])
    assert all(h == 5 for _, h, _, _ in rep2.lines)
    with pytest.raises(TypeError, match="func"):
        pr.line_profile(len)


def test_parse_collapsed_and_flame_profile_queries():
    text = "main;solve;rhs 6\nmain;solve;save 3\nmain;setup 1\n\nbad line x\n"
    stacks = pr.parse_collapsed(text)
    assert stacks == {("main", "solve", "rhs"): 6, ("main", "solve", "save"): 3,
                      ("main", "setup"): 1}
    fp = pr.FlameProfile(stacks, True, "", "test")
    assert fp.total == 10
    assert fp.fraction("solve") == pytest.approx(0.9)
    assert fp.fraction("nothing") == 0.0
    assert fp.self_time().most_common(1) == [("rhs", 6)]
    sub = fp.restrict("solve")
    assert sub.total == 9 and all(s[0] == "solve" for s in sub.stacks)
    assert pr.FlameProfile().fraction("x") == 0.0


def test_sample_in_process_sees_python_frames():
    fp = pr.sample_in_process(_workload, interval=1e-3)
    assert fp.ok and fp.source == "in-process" and fp.total > 5
    assert fp.fraction("_spin") > 0.5
    with pytest.raises(ValueError, match="interval"):
        pr.sample_in_process(_workload, interval=0)


def _fake_pyspy(tmp_path, message, code=1):
    exe = tmp_path / "py-spy"
    exe.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit {code}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


def test_pyspy_without_permission_degrades_gracefully(tmp_path):
    exe = _fake_pyspy(tmp_path, "Error: Permission Denied (os error 1): Operation not permitted")
    ok, reason = pr.pyspy_available(py_spy=exe)
    assert not ok and "ptrace" in reason
    fp = pr.pyspy_record("x = 1\n", py_spy=exe)
    assert not fp.ok and "ptrace" in fp.reason and fp.total == 0
    fp2 = pr.pyspy_record("x = 1\n", py_spy=_fake_pyspy(tmp_path, "boom", code=3))
    assert not fp2.ok and "boom" in fp2.reason
    fp3 = pr.pyspy_record("x = 1\n", py_spy=str(tmp_path / "missing"))
    assert not fp3.ok and fp3.reason
    ax = pr.plot_flame_graph(fp)  # an empty profile draws its reason instead of failing
    assert fp.reason in [t.get_text() for t in ax.texts]
    plt.close("all")
    with pytest.raises(ValueError, match="rate"):
        pr.pyspy_record("x = 1", rate=0)
    with pytest.raises(TypeError, match="code"):
        pr.pyspy_record(b"x = 1")


def test_pyspy_record_finds_the_busy_function():
    ok, reason = pr.pyspy_available()
    if not ok:
        pytest.skip(f"py-spy cannot sample here: {reason}")
    code = (
        "import time\n"
        "def busy():\n"
        "    t = time.perf_counter()\n"
        "    while time.perf_counter() - t < 0.4:\n"
        "        pass\n"
        "busy()\n"
    )
    fp = pr.pyspy_record(code, rate=200)
    assert fp.ok and fp.total > 10
    assert fp.fraction("busy") > 0.5


def test_plot_flame_graph_draws_one_bar_per_visible_frame():
    fp = pr.FlameProfile({("main", "solve", "rhs"): 6, ("main", "solve", "save"): 3,
                          ("main", "x"): 1})
    fig, ax = plt.subplots()
    pr.plot_flame_graph(fp, ax, min_fraction=0.05)
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == [0.1, 0.3, 0.6, 0.9, 1.0]
    ax2 = pr.plot_flame_graph(fp, min_fraction=0.2)
    assert len(ax2.patches) == 4  # "x" (10 %) is dropped
    with pytest.raises(TypeError, match="profile"):
        pr.plot_flame_graph({"a": 1})
    plt.close("all")


def test_pyspy_path_is_an_executable_or_none():
    path = pr.pyspy_path()
    assert path is None or os.access(path, os.X_OK)


def test_frame_labels_with_and_without_line_numbers():
    with_lines = pr.sample_in_process(_workload, interval=1e-3, lines=True)
    assert any(":" in fr.split(" (")[1] for s in with_lines.stacks for fr in s if " (" in fr)
    assert pr._short("f (a/b.py:12)") == "f:12" and pr._short("f (a/b.py)") == "f"
