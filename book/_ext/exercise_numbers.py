"""Number sphinx-exercise exercises per lecture: "Exercise 7.1", "Exercise 7.2", ...

Sphinx numbers enumerable nodes with one counter for the whole book unless the toctree is
numbered; this extension rewrites the numbers of the ``exercise`` type after Sphinx has
assigned them, to (lecture number, position in the page), the lecture number being the
leading digits of the file name (``lectures/07_odes`` -> 7). Other pages keep their numbers
restarted at 1 per page.
"""

from __future__ import annotations

import re


def renumber_exercises(app, env):
    changed = []
    for docname, types in env.toc_fignumbers.items():
        numbers = types.get("exercise")
        if not numbers:
            continue
        m = re.match(r"(?:.*/)?(\d+)_", docname)
        prefix = (int(m.group(1)),) if m else ()
        # the order of appearance in the page is the order of the old numbers
        for k, node_id in enumerate(sorted(numbers, key=numbers.get), 1):
            numbers[node_id] = (*prefix, k)
        changed.append(docname)
    return changed


def setup(app):
    # after Sphinx's TocTreeCollector (priority 500) has assigned the figure numbers
    app.connect("env-get-updated", renumber_exercises, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
