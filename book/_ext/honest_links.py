"""Sphinx extension: the book's outside links come from ``repository.url`` alone.

With an empty ``repository.url`` in ``_config.yml`` (the default of this course)
the book shows no repository, issues, Binder, Colab or JupyterHub buttons. With a
real public GitHub URL, it turns on the repository and issues buttons and the
Binder and Colab launch buttons. A placeholder host (``example.org``,
``example.com``, ...) is an error, so no made-up link is ever published.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.errors import ConfigError

PLACEHOLDER = re.compile(r"(^|[/.@])(example\.(org|com|net)|localhost)([/:]|$)", re.I)


def configure(app: Any, config: Any) -> None:
    opts = dict(config.html_theme_options or {})
    url = (opts.get("repository_url") or "").strip()
    launch = dict(opts.get("launch_buttons") or {})
    for key in ("binderhub_url", "colab_url", "jupyterhub_url", "deepnote_url"):
        value = (launch.get(key) or "").strip()
        if value and PLACEHOLDER.search(value):
            raise ConfigError(f"launch_buttons.{key} is a placeholder URL ({value}); "
                              "give a real one or leave it empty")
    if url and PLACEHOLDER.search(url):
        raise ConfigError(f"repository.url is a placeholder URL ({url}); "
                          "give the real repository or leave it empty")
    if not url:
        opts.update(use_repository_button=False, use_issues_button=False,
                    use_edit_page_button=False)
        opts.pop("repository_url", None)
        launch = {k: v for k, v in launch.items() if not k.endswith("_url")}
    else:
        opts.update(use_repository_button=True, use_issues_button=True)
        if "github.com" in url:
            launch.setdefault("binderhub_url", "https://mybinder.org")
            launch["binderhub_url"] = launch["binderhub_url"] or "https://mybinder.org"
            launch["colab_url"] = launch.get("colab_url") or "https://colab.research.google.com"
    opts["launch_buttons"] = launch
    config.html_theme_options = opts


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", configure, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
