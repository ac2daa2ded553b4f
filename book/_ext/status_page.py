"""Sphinx extension behind the book's status page (``book/status.md``).

The directive ``sciml-status`` becomes, once every notebook has been executed,
two tables: the machine the book was built on (CPU model, cores, Python and the
versions of the numerical stack, GPU or none) and one row per executed notebook
with its run time, whether it was executed in this build or taken from the
execution cache, and its status. The per-notebook data are those that myst-nb
records while executing (``exec_data``).
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import posixpath
import shutil
import subprocess
import time
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

_BUILD_START = time.time()
_KEY = "has_sciml_status"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpu() -> str:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "none"
    try:
        out = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20)
        names = [ln.strip() for ln in out.stdout.splitlines() if ln.strip()]
        return ", ".join(names) if names else "none"
    except (OSError, subprocess.SubprocessError):
        return "none"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> list[tuple[str, str]]:
    """(label, value) rows describing the build machine."""
    return [
        ("Built", _dt.datetime.fromtimestamp(_BUILD_START).strftime("%Y-%m-%d %H:%M")),
        ("CPU", _cpu_model()),
        ("Cores", str(os.cpu_count())),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Python", platform.python_version()),
        *[(name, _version(name.lower())) for name in ("NumPy", "SciPy", "Numba", "JAX")],
        ("GPU", _gpu()),
    ]


class StatusNode(nodes.General, nodes.Element):
    """Placeholder replaced by the tables once every notebook has run."""


class StatusDirective(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        from myst_nb.sphinx_ import NbMetadataCollector

        NbMetadataCollector.set_doc_data(self.env, self.env.docname, _KEY, True)
        return [StatusNode()]


def _table(header: list[str], rows: list[list[Any]]) -> nodes.table:
    table = nodes.table(classes=["colwidths-auto", "sciml-status"])
    tgroup = nodes.tgroup(cols=len(header))
    table += tgroup
    for _ in header:
        tgroup += nodes.colspec(colwidth=1)
    thead = nodes.thead()
    tgroup += thead
    row = nodes.row()
    thead += row
    for h in header:
        row += nodes.entry("", nodes.paragraph(text=h))
    tbody = nodes.tbody()
    tgroup += tbody
    for cells in rows:
        row = nodes.row()
        tbody += row
        for c in cells:
            para = c if isinstance(c, nodes.paragraph) else nodes.paragraph(text=str(c))
            row += nodes.entry("", para)
    return table


class StatusTransform(SphinxPostTransform):
    default_priority = 8  # before references are resolved

    def run(self, **kwargs: Any) -> None:
        from myst_nb.sphinx_ import NbMetadataCollector

        for node in list(self.document.findall(StatusNode)):
            data = NbMetadataCollector.get_doc_data(self.env)
            rows = []
            for docname in sorted(data):
                ex = data[docname].get("exec_data")
                if not ex:
                    continue
                link = pending_xref(refdoc=self.env.docname, reftype="doc", refdomain="std",
                                    reftarget=posixpath.relpath(
                                        docname, posixpath.dirname(self.env.docname)),
                                    refexplicit=True, refwarn=True, classes=["xref", "doc"])
                link += nodes.inline(text=docname)
                para = nodes.paragraph()
                para += link
                mtime = ex.get("mtime") or 0.0
                state = "executed in this build" if mtime >= _BUILD_START - 5 else "from cache"
                runtime = ex.get("runtime")
                rows.append([para, "-" if runtime is None else f"{runtime:.1f}", state,
                             _dt.datetime.fromtimestamp(mtime).strftime("%Y-%m-%d %H:%M")
                             if mtime else "-",
                             "ok" if ex.get("succeeded") else "failed"])
            section = [
                nodes.rubric(text="Machine"),
                _table(["", "value"], [[k, v] for k, v in machine_info()]),
                nodes.rubric(text="Notebooks"),
                _table(["notebook", "run time (s)", "cache state", "executed at", "status"],
                       rows),
            ]
            node.replace_self(section)


def _always_rewrite(app: Any, env: Any) -> list[str]:
    """The status page is rewritten in every build, even when nothing else changed."""
    from myst_nb.sphinx_ import NbMetadataCollector

    return [d for d, v in NbMetadataCollector.get_doc_data(env).items() if v.get(_KEY)]


def setup(app: Any) -> dict[str, Any]:
    app.add_node(StatusNode)
    app.connect("env-updated", _always_rewrite)
    app.add_directive("sciml-status", StatusDirective)
    app.add_post_transform(StatusTransform)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
