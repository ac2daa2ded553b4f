r"""Computational graphs drawn with matplotlib: boxes for the nodes, arrows for the edges.

Lecture 10 draws the Wengert list of a function as a directed acyclic graph
:cite:p:`griewank2008evaluating,baydin2018automatic`: one node per intermediate value
:math:`v_i`, one edge :math:`v_j \to v_i` when :math:`v_i` is computed from
:math:`v_j`, labelled with the local partial :math:`\partial v_i/\partial v_j`. The
reverse pass runs along the same edges *backwards*: the adjoint of a node is the sum
over its out-edges of (adjoint of the child) times (local partial). :func:`draw_graph`
draws such a graph, forward (``reverse=False``) or with every arrow flipped
(``reverse=True``) to show the direction in which the adjoints flow.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> from sciml_lib.plotting_graphs import draw_graph
>>> fig, ax = plt.subplots()
>>> art = draw_graph(ax, {"x": (0, 0), "y": (1, 0)}, [("x", "y")])
>>> len(art["edges"])
1
>>> plt.close(fig)
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["draw_graph"]


def _check(nodes: Any, edges: Any) -> None:
    if not isinstance(nodes, Mapping) or len(nodes) == 0:
        raise ValueError("nodes must be a non-empty mapping name -> (x, y)")
    for name, pos in nodes.items():
        if len(pos) != 2:
            raise ValueError(f"nodes[{name!r}] must be an (x, y) pair, got {pos!r}")
    for e in edges:
        if len(e) != 2:
            raise ValueError(f"edges must hold (tail, head) pairs, got {e!r}")
        for end in e:
            if end not in nodes:
                raise ValueError(f"edges refer to the unknown node {end!r}")


def draw_graph(
    ax: Any,
    nodes: Mapping[str, tuple[float, float]],
    edges: Sequence[tuple[str, str]],
    *,
    labels: Mapping[str, str] | None = None,
    edge_labels: Mapping[tuple[str, str], str] | None = None,
    node_colors: Mapping[str, str] | None = None,
    reverse: bool = False,
    fontsize: float = 11.0,
    title: str | None = None,
) -> dict[str, Any]:
    r"""Draw a directed graph of boxed nodes and arrows on ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; its axis lines and ticks are switched off.
    nodes : mapping
        ``name -> (x, y)``: the centre of each node's box in data coordinates.
    edges : sequence of (str, str)
        ``(tail, head)`` pairs: an arrow from ``tail`` to ``head`` (the forward
        data flow).
    labels : mapping, optional
        Text in each box (default: the node's name). Math text such as
        ``"$\\bar z$"`` is allowed.
    edge_labels : mapping, optional
        ``(tail, head) -> text`` written at the middle of the edge, e.g. the
        local partial derivative.
    node_colors : mapping, optional
        Face colour of each box (default a light grey).
    reverse : bool
        Draw every arrow from ``head`` to ``tail``: the direction of the reverse
        (adjoint) pass.
    fontsize : float
        Font size of the node and edge labels.
    title : str, optional
        Axes title.

    Returns
    -------
    dict
        ``{"nodes": {name: Text}, "edges": [Annotation, ...], "edge_labels": [Text, ...]}``;
        ``edges`` are in the order given, each with ``xy`` the arrow's head and
        ``xyann`` its tail.

    Raises
    ------
    ValueError
        If ``nodes`` is empty or malformed, or an edge names a node not in ``nodes``.
    """
    _check(nodes, edges)
    labels = dict(labels or {})
    edge_labels = dict(edge_labels or {})
    node_colors = dict(node_colors or {})
    boxes = {}
    for name, (x, y) in nodes.items():
        boxes[name] = ax.text(
            x, y, labels.get(name, name), ha="center", va="center", fontsize=fontsize, zorder=3,
            bbox=dict(boxstyle="round,pad=0.4", fc=node_colors.get(name, "#EEEEEE"),
                      ec="#333333", lw=1.2),
        )
    arrows, texts = [], []
    for tail, head in edges:
        a, b = (head, tail) if reverse else (tail, head)
        arrows.append(ax.annotate(
            "", xy=nodes[b], xytext=nodes[a], zorder=2,
            arrowprops=dict(arrowstyle="-|>", color="#D55E00" if reverse else "#333333",
                            lw=1.3, shrinkA=2, shrinkB=2, patchA=boxes[a], patchB=boxes[b]),
        ))
        if (tail, head) in edge_labels:
            (xa, ya), (xb, yb) = nodes[tail], nodes[head]
            texts.append(ax.text((xa + xb) / 2, (ya + yb) / 2, edge_labels[(tail, head)],
                                 ha="center", va="center", fontsize=0.8 * fontsize,
                                 color="#0072B2", zorder=4,
                                 bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none")))
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    pad_x = 0.12 * max(max(xs) - min(xs), 1.0)
    pad_y = 0.15 * max(max(ys) - min(ys), 1.0)
    ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return {"nodes": boxes, "edges": arrows, "edge_labels": texts}
