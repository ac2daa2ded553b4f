"""Tests of sciml_lib.plotting_graphs (computational-graph drawings of lecture 10)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sciml_lib.plotting_graphs import draw_graph  # noqa: E402

NODES = {"x": (0.0, 0.0), "w": (0.0, 1.0), "z": (1.0, 0.5), "y": (2.0, 0.5)}
EDGES = [("x", "z"), ("w", "z"), ("z", "y")]


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_one_box_per_node_with_its_label(ax):
    art = draw_graph(ax, NODES, EDGES, labels={"z": "$z = wx$"})
    assert set(art["nodes"]) == set(NODES)
    assert art["nodes"]["z"].get_text() == "$z = wx$"
    assert art["nodes"]["x"].get_text() == "x"  # default: the name
    for name, txt in art["nodes"].items():
        assert np.allclose(txt.get_position(), NODES[name])
        assert txt.get_bbox_patch() is not None


def test_arrows_follow_the_edges_forward_and_flip_in_reverse(ax):
    fwd = draw_graph(ax, NODES, EDGES)
    assert len(fwd["edges"]) == len(EDGES)
    for (tail, head), ann in zip(EDGES, fwd["edges"]):
        assert np.allclose(ann.xyann, NODES[tail]) and np.allclose(ann.xy, NODES[head])
    rev = draw_graph(ax, NODES, EDGES, reverse=True)
    for (tail, head), ann in zip(EDGES, rev["edges"]):
        assert np.allclose(ann.xyann, NODES[head]) and np.allclose(ann.xy, NODES[tail])


def test_edge_labels_sit_at_the_middle_of_their_edge(ax):
    art = draw_graph(ax, NODES, EDGES, edge_labels={("w", "z"): "x"})
    assert len(art["edge_labels"]) == 1
    assert np.allclose(art["edge_labels"][0].get_position(), (0.5, 0.75))


def test_axes_contain_every_node_and_are_hidden(ax):
    draw_graph(ax, NODES, EDGES, title="graph")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert all(x0 < x < x1 and y0 < y < y1 for x, y in NODES.values())
    assert not ax.axison and ax.get_title() == "graph"
    ax.figure.canvas.draw()  # renders without error


def test_bad_input_names_the_argument(ax):
    with pytest.raises(ValueError, match="unknown node 'q'"):
        draw_graph(ax, NODES, [("x", "q")])
    with pytest.raises(ValueError, match="nodes"):
        draw_graph(ax, {}, [])
    with pytest.raises(ValueError, match="nodes"):
        draw_graph(ax, {"x": (0.0,)}, [])
    with pytest.raises(ValueError, match="edges"):
        draw_graph(ax, NODES, [("x",)])
