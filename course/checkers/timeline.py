"""A space-time diagram of a history: one lane per process, one bar per operation.

Bars run from call to return, labelled ``write x 1`` or ``read x → 0`` and
coloured by outcome (ok, fail, unknown: hatched, running off the right edge
when the call never returned). Messages are arrows from a ``send`` to the
``receive`` (or ``process``) of the same id in another lane. Highlighted
operations (a checker's violation) get a thick outline; the rest fade::

    fig = plot_timeline(history, highlight=err.ops, path="test-artifacts/lost.png")
    fig                                  # a notebook shows it; no pyplot state is touched

``lane="key"`` (or any function of an op) draws one lane per key, queue or
service instead of per process. The figure is built on matplotlib's object
API (``Figure``), so it works under Agg, in tests and in notebooks alike.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable

from course.checkers.history import History, Op

__all__ = ["COLOURS", "plot_timeline"]

#: colour per outcome (Okabe-Ito, readable with colour-blindness)
COLOURS = {"ok": "#009E73", "fail": "#D55E00", "unknown": "#B8B8B8"}
LABELS_UP_TO = 60  # more operations than this: bars only
FONT = 8.5         # label size, points
ROW = 1.4          # distance between the rows of one lane (a bar is 0.62 high)
LANE = 1.7         # distance from a lane's last row to the next lane


class _Slots:
    """Where each label goes: above its bar, or below it when it would run into the previous
    label of the row; pulled inside the axes at either edge."""

    def __init__(self, xlim: tuple[float, float], axes_inches: float):
        self.xlim = xlim
        self.per_char = 0.6 * FONT / 72 * (xlim[1] - xlim[0]) / axes_inches  # in time units
        self.ends: dict[tuple[float, bool], float] = {}

    def place(self, row: float, left: float, size: float, text: str) -> tuple[float, str, bool]:
        """(x, horizontal alignment, below) for the label of the bar [left, left + size]."""
        half = len(text) * self.per_char / 2
        x, align, start, stop = left + size / 2, "center", left + size / 2 - half, left + size / 2 + half
        if stop > self.xlim[1]:
            x, align, start, stop = left + size, "right", left + size - 2 * half, left + size
        elif start < self.xlim[0]:
            x, align, start, stop = left, "left", left, left + 2 * half
        free = [below for below in (False, True)
                if self.ends.get((row, below), -math.inf) <= start - self.per_char]
        below = free[0] if free else min((False, True), key=lambda b: self.ends.get((row, b), 0))
        self.ends[(row, below)] = stop
        return x, align, below


def _rows(ops: list[Op], right: float) -> dict[int, int]:
    """Sub-row of each op inside its lane, so that overlapping calls of one lane do not hide each other."""
    ends: list[float] = []
    row_of = {}
    for op in sorted(ops, key=lambda o: (o.start, o.index)):
        stop = right if op.end is None else op.end
        for r, end in enumerate(ends):
            if end < op.start:
                ends[r], row_of[op.index] = stop, r
                break
        else:
            row_of[op.index] = len(ends)
            ends.append(stop)
    return row_of


def plot_timeline(history: History | Iterable[Op], highlight: Iterable[Op] = (), path=None, *,
                  title: str | None = None, lane: str | Callable[[Op], Hashable] = "process",
                  width: float = 9.0, max_height: float = 6.5):
    """Draw ``history`` as a timeline and return the matplotlib ``Figure`` (saved to ``path`` if given)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    history = history if isinstance(history, History) else History(history)
    lane_of = (lambda op: getattr(op, lane)) if isinstance(lane, str) else lane
    marked = {op.index for op in highlight}
    lo, hi = history.span()
    span = max(hi - lo, 1e-9)
    right = hi + 0.08 * span  # where calls that never returned run to
    tick = 0.012 * span       # the width of an instantaneous operation

    lanes: dict[Any, list[Op]] = {}
    for op in history:
        lanes.setdefault(lane_of(op), []).append(op)
    layout, y, ticks = {}, 0.0, []
    for name, ops in lanes.items():
        rows = _rows(ops, right)
        depth = max(rows.values(), default=0) + 1
        for op in ops:
            layout[op.index] = y + ROW * rows[op.index]
        ticks.append((y + ROW * (depth - 1) / 2, str(name)))
        y += ROW * (depth - 1) + LANE

    fig = Figure(figsize=(width, min(max_height, 1.3 + 0.5 * y)), layout="constrained")
    ax = fig.add_subplot()
    labelled = len(history) <= LABELS_UP_TO
    xlim = (lo - 0.03 * span, right + 0.02 * span)
    slots = _Slots(xlim, max(width - 2.6, 1.0))
    for op in sorted(history, key=lambda o: (o.start, o.index)):
        row = layout[op.index]
        end = right if op.end is None else op.end
        left, size = (op.start - tick / 2, tick) if end - op.start < tick else (op.start, end - op.start)
        strong = op.index in marked
        faded = bool(marked) and not strong
        ax.barh(row, size, left=left, height=0.62, color=COLOURS[op.outcome],
                alpha=0.35 if faded else 0.95, hatch="//" if op.outcome == "unknown" else None,
                edgecolor="black" if strong else "#555555", linewidth=2.4 if strong else 0.6,
                zorder=3 if strong else 2)
        if labelled:
            x, align, below = slots.place(row, left, size, op.label())
            ax.text(x, row + (0.36 if below else -0.36), op.label(), ha=align,
                    va="top" if below else "bottom", fontsize=FONT,
                    fontweight="bold" if strong else "normal",
                    color="#888888" if faded else "black", zorder=4, clip_on=False)
    _arrows(ax, history, layout, marked)

    ax.set_yticks([t for t, _ in ticks], [name for _, name in ticks], fontsize=10)
    ax.set_ylim(y - LANE + 1.0, -1.0)
    ax.set_xlim(*xlim)
    listed = len(history) > 0 and all("log" in op.meta for op in history)
    ax.set_xlabel("position in the list" if listed else "time", fontsize=10)
    ax.grid(axis="x", color="#E5E5E5", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=COLOURS[k], edgecolor="#555555", hatch="//" if k == "unknown" else None,
                     label=k) for k in COLOURS]
    if marked:
        handles.append(Patch(facecolor="white", edgecolor="black", linewidth=2.4, label="violation"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9,
              frameon=False, title="outcome", title_fontsize=9)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig


def _arrows(ax, history: History, layout: dict[int, float], marked: set[int]) -> None:
    """An arrow from each send to each receive (else process) of the same message id."""
    sends: dict[Any, list[Op]] = {}
    for op in history:
        if op.f == "send" and op.outcome != "fail" and op.value is not None:
            sends.setdefault(_key(op.value), []).append(op)
    handled: dict[tuple[str, Any], list[Op]] = {}
    for op in history:
        if op.f in ("receive", "process"):
            handled.setdefault((op.f, _key(op.value)), []).append(op)
    drawn = 0
    for mid, sources in sends.items():
        for dst in handled.get(("receive", mid)) or handled.get(("process", mid)) or []:
            for src in sources:
                if layout[src.index] == layout[dst.index] or drawn >= 100:
                    continue
                x0 = src.end if src.end is not None else src.start
                strong = src.index in marked or dst.index in marked
                ax.annotate("", xy=(dst.start, layout[dst.index]), xytext=(x0, layout[src.index]),
                            arrowprops=dict(arrowstyle="-|>", color="black" if strong else "#777777",
                                            lw=1.4 if strong else 0.9, shrinkA=0, shrinkB=6),
                            zorder=1)
                drawn += 1


def _key(value: Any) -> Hashable:
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)
