"""Sphinx extension: fixes so that every page loads without a JavaScript error.

* ``sphinx-thebe`` (added by Jupyter Book) registers its inline configuration
  script twice, which makes the browser throw "Identifier 'THEBE_JS_URL' has
  already been declared" on every page: duplicate scripts are dropped.
* The pydata theme logs "Got invalid theme mode" on a reader's first visit when
  no default colour mode is set: the default is ``auto`` (follow the system).

``tests/test_book_browser.py`` fails on any console error, so a regression of
either shows up there.
"""

from __future__ import annotations

from typing import Any


def _theme_default(app: Any, config: Any) -> None:
    ctx = dict(config.html_context or {})
    ctx.setdefault("default_mode", "auto")
    config.html_context = ctx


def _dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for js in scripts:
        attrs = getattr(js, "attributes", None) or {}
        key = (str(getattr(js, "filename", js) or ""), tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(js)
    scripts[:] = unique


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _theme_default, priority=900)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
