"""The CDN experiment: a seeded request stream, played through a :class:`CDN` on its clock."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from course.sim.cdn.network import CDN
from course.sim.workload import poisson_arrivals, zipf_items, zipf_popularity


@dataclass(frozen=True)
class Workload:
    """A request stream: times (s from the start), edge and object of each request."""

    times: np.ndarray
    edge_index: np.ndarray
    object_index: np.ndarray
    paths: list[str]
    edges: list[str]
    duration: float
    popularity: np.ndarray  # probability of each object
    edge_share: np.ndarray  # probability of each edge

    def __len__(self) -> int:
        return len(self.times)

    def __iter__(self):
        for t, e, o in zip(self.times.tolist(), self.edge_index.tolist(), self.object_index.tolist()):
            yield t, self.edges[e], self.paths[o]

    def rate(self, path: str, edge: str) -> float:
        """The mean request rate (per second) for ``path`` at ``edge`` in this workload's model."""
        n = len(self) / self.duration if self.duration else 0.0
        return n * float(self.popularity[self.paths.index(path)]) * float(self.edge_share[self.edges.index(edge)])


def zipf_workload(*, n_objects: int, rate: float, duration: float, edges: int | Sequence[str],
                  s: float = 1.0, seed: int = 0, path_format: str = "/img/{:05d}.jpg",
                  edge_weights: Sequence[float] | None = None) -> Workload:
    """Poisson arrivals at ``rate`` requests/s for ``duration`` s; objects by Zipf(``s``).

    Each request goes to one edge, uniformly or by ``edge_weights``. The same
    seed gives the same times and objects whatever the number of edges, so runs
    that differ only in the edges are comparable.
    """
    names = [f"edge-{i + 1}" for i in range(edges)] if isinstance(edges, int) else list(edges)
    if not names:
        raise ValueError("need at least one edge")
    if edge_weights is None:
        share = np.full(len(names), 1.0 / len(names))
    else:
        share = np.asarray(edge_weights, dtype=float)
        if share.shape != (len(names),) or (share < 0).any() or share.sum() <= 0:
            raise ValueError("edge_weights: one non-negative weight per edge, not all zero")
        share = share / share.sum()
    popularity = zipf_popularity(n_objects, s)
    rng = np.random.default_rng(seed)
    times = poisson_arrivals(rng, rate, duration)
    objects = zipf_items(rng, n_objects, len(times), s)
    edge_rng = np.random.default_rng([seed, len(names)])
    edge_index = edge_rng.choice(len(names), size=len(times), p=share)
    return Workload(times, edge_index, objects, [path_format.format(i) for i in range(n_objects)],
                    names, float(duration), popularity, share)


@dataclass(frozen=True)
class SimulationResult:
    """The outcome of playing a workload through a CDN."""

    requests: int
    edge_hits: int
    edge_hit_ratio: float
    origin_requests: int
    origin_rps: float        # mean requests per second that reached the origin
    peak_origin_rps: int     # the busiest one-second window at the origin
    duration: float

    def as_dict(self) -> dict:
        return asdict(self)


def simulate(cdn: CDN, workload: Workload) -> SimulationResult:
    """Play ``workload`` through ``cdn``, each request at its own simulated time; the clock ends after it."""
    unknown = set(workload.edges) - set(cdn.edges)
    if unknown:
        raise ValueError(f"the workload uses edges the CDN lacks: {sorted(unknown)}")
    clock = cdn.clock
    start = clock.now()
    hits_before = sum(c.hits for c in cdn.edges.values())
    origin_before = cdn.origin_requests
    caches = [cdn.edges[name] for name in workload.edges]
    paths = workload.paths
    for t, e, o in zip((workload.times + start).tolist(), workload.edge_index.tolist(),
                       workload.object_index.tolist()):
        cdn.serve(caches[e], paths[o], t)
    end = start + workload.duration
    if clock.now() < end:
        clock.advance(end - clock.now())
    hits = sum(c.hits for c in cdn.edges.values()) - hits_before
    origin_times = np.asarray(cdn.origin_log[origin_before:], dtype=float) - start
    origin = len(origin_times)
    bins = max(1, math.ceil(workload.duration))
    peak = int(np.histogram(origin_times, bins=bins, range=(0, bins))[0].max()) if origin else 0
    n = len(workload)
    return SimulationResult(n, hits, hits / n if n else 0.0, origin, origin / workload.duration, peak,
                            workload.duration)
