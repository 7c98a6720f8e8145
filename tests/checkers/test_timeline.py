"""course.checkers.timeline: a readable space-time diagram, Agg-safe, saved for a look."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from course.checkers import (History, HistoryError, assert_no_duplicate_effects,  # noqa: E402
                             check_no_duplicate_effects, plot_timeline)


def at_least_once() -> History:
    """Two consumers, a redelivery applied twice, an ambiguous send and a failed one."""
    h = History()
    h.op("producer", "send", "orders", "m1", start=0, end=1)
    h.op("producer", "send", "orders", "m2", start=1.5, end=2.5)
    h.invoke("producer", "send", "orders", "m3", time=3)
    h.info("producer", time=5)                                  # timed out: maybe sent
    h.op("producer", "send", "orders", "m4", start=5.5, end=6, outcome="fail")
    h.op("consumer-1", "receive", "orders", "m1", start=1.5, end=2)
    h.op("consumer-1", "process", "orders", "m1", start=2.2, end=4.5)   # slow: visibility expires
    h.op("consumer-2", "receive", "orders", "m1", start=4, end=4.3)     # redelivered
    h.op("consumer-2", "process", "orders", "m1", start=4.5, end=6)     # applied again
    h.op("consumer-1", "receive", "orders", "m2", start=5, end=5.4)
    h.op("consumer-1", "process", "orders", "m2", start=5.5, end=7)
    return h


def test_plot_returns_a_figure_without_touching_pyplot():
    before = plt.get_fignums()
    fig = plot_timeline(at_least_once())
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before


def test_one_lane_per_process_one_bar_per_op_arrows_for_messages(artifacts):
    h = at_least_once()
    result = check_no_duplicate_effects(h)
    path = artifacts / "checkers-timeline.png"
    fig = plot_timeline(h, highlight=result.ops, path=path,
                        title="At-least-once delivery, effect applied twice")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["producer", "consumer-1", "consumer-2"]
    bars = [p for p in ax.patches if p.get_height() == pytest.approx(0.62)]
    assert len(bars) == len(h)
    arrows = [c for c in ax.get_children() if isinstance(c, Annotation)]
    assert len(arrows) == 3            # m1 → two receives, m2 → one; m3/m4 never received
    thick = [b for b in bars if b.get_linewidth() > 2]
    assert len(thick) == 2             # the two applications of m1
    labels = {t.get_text() for t in ax.texts}
    assert {"send orders m1", "process orders m1", "receive orders m2"} <= labels
    assert min(t.get_fontsize() for t in ax.texts) >= 8
    width, height = fig.get_size_inches()
    assert width <= 10 and height <= 6.5
    assert path.stat().st_size > 10_000


def test_a_call_that_never_returned_runs_to_the_right_edge_hatched():
    h = History()
    h.op("a", "write", "x", 1, start=0, end=1)
    h.invoke("b", "write", "x", 2, time=0.5)
    fig = plot_timeline(h)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_height() == pytest.approx(0.62)]
    open_bar = max(bars, key=lambda b: b.get_x() + b.get_width())
    assert open_bar.get_hatch() == "//"
    assert open_bar.get_x() + open_bar.get_width() > 1


def test_overlapping_calls_of_one_lane_get_their_own_rows():
    h = History()
    h.op("a", "read", "x", result=0, start=0, end=3)
    h.op("a", "read", "x", result=0, start=1, end=2)
    ax = plot_timeline(h).axes[0]
    rows = sorted(p.get_y() for p in ax.patches if p.get_height() == pytest.approx(0.62))
    assert rows[0] != rows[1]


def test_lanes_can_be_keys_and_instant_ops_stay_visible():
    h = History()
    h.op("a", "process", "q1", "m1", start=0, end=0)
    h.op("a", "process", "q2", "m2", start=10, end=10)
    ax = plot_timeline(h, lane="key").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["q1", "q2"]
    assert all(p.get_width() > 0 for p in ax.patches if p.get_height() == pytest.approx(0.62))


def test_the_error_plots_its_shortest_history(artifacts):
    with pytest.raises(HistoryError) as caught:
        assert_no_duplicate_effects(at_least_once())
    fig = caught.value.plot(artifacts / "checkers-shortest.png")
    ax = fig.axes[0]
    assert "shortest failing history" in ax.get_title(loc="left")
    assert len([p for p in ax.patches if p.get_height() == pytest.approx(0.62)]) == 2


def test_labels_stay_inside_the_axes_and_lists_are_drawn_by_position():
    with pytest.raises(HistoryError) as caught:
        assert_no_duplicate_effects(["a-long-message-id-0001", "b", "c", "a-long-message-id-0001"])
    ax = caught.value.plot().axes[0]
    assert ax.get_xlabel() == "position in the list"
    assert sorted(t.get_horizontalalignment() for t in ax.texts) == ["left", "right"]
