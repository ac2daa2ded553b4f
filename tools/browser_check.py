"""Open a built book in headless Chromium, offline, and check what a reader sees.

Used by ``tests/test_book_browser.py`` (``make test-book``). For every page it
loads the HTML from ``file://`` with every non-file request aborted (so the
check sees exactly what a reader without network sees) and reports:

* JavaScript errors (console errors and uncaught exceptions) and any attempt to
  reach the network;
* equations that MathJax did not render (a ``.math`` element without an
  ``mjx-container``, a MathJax error node, or raw ``\\(``/``$$`` left in the text);
* images that did not load (``naturalWidth == 0``);
* ipywidgets views that were not rendered by the embed manager;
* internal links whose target file or anchor does not exist.

Chromium is Debian's ``/usr/bin/chromium`` (or ``$CHROMIUM``), driven with
Playwright's Python API; Playwright never downloads a browser here.
"""

from __future__ import annotations

import html.parser
import os
import pathlib
import shutil
import time
import urllib.parse
from dataclasses import dataclass, field

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--allow-file-access-from-files",
]


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None."""
    env = os.environ.get("CHROMIUM")
    if env and pathlib.Path(env).is_file():
        return env
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What one page looked like to the browser."""

    page: str
    problems: list[str] = field(default_factory=list)
    n_math: int = 0
    n_images: int = 0
    n_widgets: int = 0
    seconds: float = 0.0


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if d.get("id"):
            self.ids.add(d["id"] or "")
        if tag == "a" and d.get("href"):
            self.hrefs.append(d["href"] or "")


def _parse(path: pathlib.Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def broken_internal_links(html_root: pathlib.Path, page: pathlib.Path,
                          cache: dict[pathlib.Path, _Links] | None = None) -> list[str]:
    """Internal links of ``page`` whose file or ``#anchor`` does not exist."""
    cache = {} if cache is None else cache
    if page not in cache:
        cache[page] = _parse(page)
    bad = []
    for href in cache[page].hrefs:
        parts = urllib.parse.urlsplit(href)
        if parts.scheme or href.startswith(("//", "mailto:", "javascript:")):
            continue
        target = page if not parts.path else (page.parent / urllib.parse.unquote(parts.path))
        target = pathlib.Path(os.path.normpath(target))
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            bad.append(f"link to missing file: {href}")
            continue
        if parts.fragment and target.suffix == ".html":
            if target not in cache:
                cache[target] = _parse(target)
            if urllib.parse.unquote(parts.fragment) not in cache[target].ids:
                bad.append(f"link to missing anchor: {href}")
    return bad


_PAGE_JS = r"""
async () => {
  const out = {math: 0, unrendered: [], merror: 0, raw: [], images: 0, badimg: [],
               views: 0, rendered_views: 0};
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) { out.unrendered.push('startup: ' + e); }
  }
  const maths = document.querySelectorAll('.math');
  out.math = maths.length;
  maths.forEach((el) => {
    if (!el.querySelector('mjx-container')) out.unrendered.push(el.textContent.slice(0, 60));
  });
  out.merror = document.querySelectorAll('mjx-merror, [data-mjx-error]').length;
  const main = document.querySelector('main') || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const p = node.parentElement;
    if (!p || p.closest('pre, code, script, style, .highlight, mjx-container, .cell_output'))
      continue;
    const t = node.textContent;
    if (t.includes('\\(') || t.includes('$$') || t.includes('\\[')) out.raw.push(t.slice(0, 60));
  }
  const imgs = Array.from(main.querySelectorAll('img'));
  out.images = imgs.length;
  for (const img of imgs) {
    if (!img.complete) await new Promise((r) => { img.onload = r; img.onerror = r;
                                                  setTimeout(r, 5000); });
    if (!(img.naturalWidth > 0)) out.badimg.push(img.getAttribute('src'));
  }
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  out.views = views.length;
  if (views.length) {
    const t0 = Date.now();
    while (Date.now() - t0 < 15000) {
      out.rendered_views = document.querySelectorAll('.jupyter-widgets, .widget-subarea').length;
      if (out.rendered_views > 0 && document.querySelectorAll('.jupyter-widgets').length >= 1)
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return out;
}
"""


class BookBrowser:
    """A headless Chromium that loads pages from disk with the network blocked."""

    def __init__(self, executable: str | None = None) -> None:
        from playwright.sync_api import sync_playwright

        exe = executable or find_chromium()
        if exe is None:
            raise RuntimeError("no Chromium found (install Debian's `chromium` package)")
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.network_attempts: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.network_attempts.append(url)
            route.abort()

    def check_page(self, html_root: pathlib.Path, page: pathlib.Path,
                   screenshot: pathlib.Path | None = None,
                   link_cache: dict | None = None) -> PageReport:
        """Load one page and return what was wrong with it."""
        rep = PageReport(page=str(page.relative_to(html_root)))
        t0 = time.perf_counter()
        tab = self.context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(f"{m.text} [{(m.location or {}).get('url', '')}]")
               if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        before = len(self.network_attempts)
        try:
            tab.goto(page.resolve().as_uri(), wait_until="load", timeout=60000)
            res = tab.evaluate(_PAGE_JS)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(screenshot), full_page=False)
        finally:
            tab.close()
        rep.n_math, rep.n_images, rep.n_widgets = res["math"], res["images"], res["views"]
        rep.problems += [f"JavaScript error: {e}" for e in errors]
        rep.problems += [f"network request: {u}" for u in self.network_attempts[before:]]
        rep.problems += [f"equation not rendered: {t!r}" for t in res["unrendered"]]
        if res["merror"]:
            rep.problems.append(f"{res['merror']} MathJax error(s) in equations")
        rep.problems += [f"raw LaTeX in text: {t!r}" for t in res["raw"]]
        rep.problems += [f"image did not load: {s}" for s in res["badimg"]]
        if res["views"] and res["rendered_views"] == 0:
            rep.problems.append(f"{res['views']} widget view(s) not rendered")
        rep.problems += broken_internal_links(html_root, page, link_cache)
        rep.seconds = time.perf_counter() - t0
        return rep

    def search(self, html_root: pathlib.Path, query: str) -> int:
        """Number of results of the book's search page for ``query``."""
        tab = self.context.new_page()
        try:
            url = (html_root / "search.html").resolve().as_uri() + "?q=" + urllib.parse.quote(query)
            tab.goto(url, wait_until="load", timeout=60000)
            t0 = time.time()
            n = 0
            while time.time() - t0 < 30:
                n = tab.locator("#search-results li, ul.search li").count()
                if n:
                    break
                tab.wait_for_timeout(200)
            return n
        finally:
            tab.close()

    def close(self) -> None:
        self.context.close()
        self.browser.close()
        self._pw.stop()
