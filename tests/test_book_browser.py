"""The built book as a reader sees it: headless Chromium, offline, every page.

Run by ``make test-book`` after ``make book`` (``.ci/run`` does both). Every page
listed in ``_toc.yml`` (plus the search page) is loaded from ``_build/html`` with
all network requests blocked, and must show no JavaScript error, render every
equation and image, render its widget explorers, and link only to files and
anchors that exist. Screenshots of the front page and one lecture go to
``_build/screenshots/``.

A last test opens a lecture in JupyterLab (started from the venv on a free loopback
port): the Markdown must be rendered by jupyterlab-myst (no raw ``{cite`` roles) and a
code cell must execute in the course's kernel.

Where no Chromium can be found the tests skip with the reason; with
``SCIML_REQUIRE_BROWSER=1`` (set by ``make test-book``) they fail instead.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import time

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import browser_check  # noqa: E402

HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
REQUIRED = os.environ.get("SCIML_REQUIRE_BROWSER") == "1"

pytestmark = pytest.mark.browser


def _skip_or_fail(reason: str) -> None:
    if REQUIRED:
        pytest.fail(reason + " (SCIML_REQUIRE_BROWSER=1: the browser test must run)")
    pytest.skip(reason)


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.fixture(scope="module")
def browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        _skip_or_fail("Playwright is not installed")
    if browser_check.find_chromium() is None:
        _skip_or_fail("no Chromium executable (install Debian's `chromium` package)")
    b = browser_check.BookBrowser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def built_book() -> pathlib.Path:
    if not (HTML / "index.html").exists():
        _skip_or_fail("the book is not built: run `make book` first")
    return HTML


def test_every_page_renders_offline(browser, built_book):
    """Math, images, widgets, links and scripts on 100% of the pages in _toc.yml."""
    t0 = time.perf_counter()
    pages = toc_pages()
    cache: dict = {}
    reports = []
    for f in pages:
        page = built_book / (f + ".html")
        assert page.exists(), f"{f} is in _toc.yml but was not built"
        shot = None
        if f == "book/intro":
            shot = SHOTS / "front_page.png"
        elif f == "lectures/07_odes":
            shot = SHOTS / "lecture_07.png"
        reports.append(browser.check_page(built_book, page, screenshot=shot, link_cache=cache))
    bad = {r.page: r.problems for r in reports if r.problems}
    n_math = sum(r.n_math for r in reports)
    n_img = sum(r.n_images for r in reports)
    n_wid = sum(r.n_widgets for r in reports)
    print(f"\n{len(reports)} pages ({len(pages)} in _toc.yml), {n_math} equations, {n_img} images, "
          f"{n_wid} widget views checked in {time.perf_counter() - t0:.1f} s; "
          f"screenshots in {SHOTS}")
    assert not bad, "\n".join(f"{p}:\n  " + "\n  ".join(v[:10]) for p, v in bad.items())
    assert n_math > 100, "suspiciously few equations: is MathJax's output being found?"
    assert n_img > 20
    assert (SHOTS / "front_page.png").stat().st_size > 10_000


def test_search_finds_runge_kutta(browser, built_book):
    assert browser.search(built_book, "Runge-Kutta") > 0


def test_no_placeholder_urls_in_the_site(built_book):
    pattern = re.compile(r"example\.(org|com)|jupyterhub\.example|\bTODO\b")
    hits = []
    for p in built_book.rglob("*.html"):
        text = p.read_text(encoding="utf-8", errors="replace")
        for m in pattern.finditer(text):
            hits.append(f"{p.relative_to(built_book)}: {text[max(0, m.start() - 40):m.end() + 20]!r}")
    assert not hits, "\n".join(hits[:20])


def test_status_page_lists_every_notebook(built_book):
    text = (built_book / "book" / "status.html").read_text(encoding="utf-8")
    notebooks = [f for f in toc_pages() if f.startswith("lectures/")]
    missing = [f for f in notebooks if f not in text]
    assert not missing, f"status page misses {missing}"
    for label in ("CPU", "Cores", "Python", "NumPy", "Numba", "JAX", "GPU"):
        assert f"<p>{label}</p>" in text, label


def _mini_book(root: pathlib.Path, page: str) -> pathlib.Path:
    """A throw-away book using the project's asset configuration and one Markdown page."""
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    sph = cfg["sphinx"]["config"]
    mini = {
        "title": "mini",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "sphinx": {"config": {k: sph[k] for k in ("html_static_path", "mathjax_path")},
                   "local_extensions": {"page_fixes": str(ROOT / "book" / "_ext")}},
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "book").mkdir(exist_ok=True)
    (root / "book" / "vendor").symlink_to(ROOT / "book" / "vendor")
    (root / "_config.yml").write_text(yaml.safe_dump(mini))
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (root / "intro.md").write_text("# Mini\n\nGood math: $u' = f(u, p, t)$ and\n\n"
                                   "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n")
    (root / "page.md").write_text(page)
    r = subprocess.run([str(pathlib.Path(sys.executable).parent / "jupyter-book"), "build",
                        str(root), "--builder", "html"], capture_output=True, text=True,
                       timeout=600)
    assert (root / "_build" / "html" / "intro.html").exists(), r.stdout[-3000:] + r.stderr[-3000:]
    return root / "_build" / "html"


def test_the_check_fails_on_a_broken_equation_and_image(browser, tmp_path):
    """Negative test: the checker is able to fail."""
    html = _mini_book(tmp_path / "mini", "# Broken\n\nBad math: $\\frac{1}{$ here.\n\n"
                      "<img src=\"nowhere.png\" alt=\"missing\">\n\n[dead](missing_page.html)\n")
    good = browser.check_page(html, html / "intro.html")
    assert good.problems == [] and good.n_math == 2, good.problems
    bad = browser.check_page(html, html / "page.html")
    text = "\n".join(bad.problems)
    assert "MathJax error" in text or "equation not rendered" in text, text
    assert "image did not load" in text, text
    assert "link to missing" in text, text


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab from the venv on a free loopback port, every cell rendered (no windowing)."""
    import json
    import signal
    import urllib.request

    port, token = _free_port(), "sciml-book-test"
    settings = tmp_path_factory.mktemp("lab-settings")
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # never write the executed notebook back into the repository
    docmanager = settings / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTER_RUNTIME_DIR=str(tmp_path_factory.mktemp("lab-runtime")))
    jupyter = str(pathlib.Path(sys.executable).parent / "jupyter")
    proc = subprocess.Popen(
        [jupyter, "lab", "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         "--ServerApp.port_retries=0", "--allow-root"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("JupyterLab exited: " + proc.stderr.read().decode()[-3000:])
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield url, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_jupyterlab_renders_myst_and_runs_a_cell(browser, jupyterlab):
    """A lecture opened in JupyterLab: citations rendered by jupyterlab-myst, a cell executes."""
    url, token = jupyterlab
    ctx = browser.browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")) else r.abort())
    page = ctx.new_page()
    try:
        page.goto(f"{url}/lab/tree/lectures/07_odes.ipynb?token={token}", timeout=120000)
        page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=120000)
        page.wait_for_function(
            "document.querySelectorAll('.jp-Notebook .jp-MarkdownCell .jp-RenderedMarkdown,"
            " .jp-Notebook .jp-MarkdownCell .myst').length > 10", timeout=120000)
        page.wait_for_timeout(2000)
        text = page.locator(".jp-Notebook").inner_text()
        assert "{cite" not in text, "raw MyST roles in JupyterLab: " + text[text.find("{cite"):][:80]
        assert "Lecture 07" in text
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "jupyterlab_lecture_07.png"))
        # run the first code cell (the set-up imports of sciml_lib) and wait for its prompt
        first = page.locator(".jp-Notebook .jp-CodeCell").first
        first.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_function(
            "(() => { const p = document.querySelector('.jp-Notebook .jp-CodeCell "
            ".jp-InputArea-prompt'); return p && /\\[\\d+\\]/.test(p.textContent); })()",
            timeout=180000)
        out = first.locator(".jp-OutputArea").inner_text()
        assert "Error" not in out and "Traceback" not in out, out[:2000]
    finally:
        ctx.close()
