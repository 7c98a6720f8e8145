"""course.sim.workload: Zipf popularity and Poisson arrivals, seeded by the caller's Generator."""

from __future__ import annotations

import numpy as np
import pytest

from course.sim.workload import poisson_arrivals, zipf_items, zipf_popularity


def test_zipf_popularity_is_a_distribution_with_the_zipf_ratios():
    p = zipf_popularity(100, 1.0)
    assert p.sum() == pytest.approx(1.0)
    assert np.all(np.diff(p) < 0), "index 0 is the most popular item"
    assert p[0] / p[1] == pytest.approx(2.0) and p[0] / p[9] == pytest.approx(10.0)
    assert zipf_popularity(50, 1.1)[0] / zipf_popularity(50, 1.1)[3] == pytest.approx(4 ** 1.1)
    assert np.allclose(zipf_popularity(10, 0.0), 0.1), "s = 0 is uniform"


@pytest.mark.parametrize("n_items, s", [(0, 1.0), (5, -1.0)])
def test_zipf_popularity_refuses_nonsense(n_items, s):
    with pytest.raises(ValueError):
        zipf_popularity(n_items, s)


def test_zipf_items_follow_the_popularity_and_the_generator():
    a = zipf_items(np.random.default_rng(3), 1000, 20_000, s=1.1)
    assert np.array_equal(a, zipf_items(np.random.default_rng(3), 1000, 20_000, s=1.1))
    assert not np.array_equal(a, zipf_items(np.random.default_rng(4), 1000, 20_000, s=1.1))
    assert a.min() >= 0 and a.max() < 1000
    top10 = np.isin(a, np.arange(10)).mean()
    assert top10 == pytest.approx(zipf_popularity(1000, 1.1)[:10].sum(), abs=0.02)
    assert top10 > 0.4, "1% of the items draw a large share of the requests"


def test_poisson_arrivals_are_sorted_inside_the_interval_and_seeded():
    times = poisson_arrivals(np.random.default_rng(1), rate=40, duration=600)
    assert np.array_equal(times, poisson_arrivals(np.random.default_rng(1), rate=40, duration=600))
    assert (np.diff(times) >= 0).all() and times[0] >= 0 and times[-1] < 600
    assert len(times) == pytest.approx(24_000, rel=0.03)


def test_poisson_arrivals_have_exponential_gaps_and_poisson_counts():
    times = poisson_arrivals(np.random.default_rng(2), rate=50, duration=2_000)
    gaps = np.diff(times)
    assert gaps.mean() == pytest.approx(1 / 50, rel=0.02)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.03), "memoryless: std = mean"
    per_second = np.bincount(times.astype(int), minlength=2_000)
    assert per_second.var() / per_second.mean() == pytest.approx(1.0, abs=0.1), "Poisson: variance = mean"


def test_poisson_arrivals_edge_cases():
    assert poisson_arrivals(np.random.default_rng(0), rate=0, duration=10).size == 0
    with pytest.raises(ValueError):
        poisson_arrivals(np.random.default_rng(0), rate=-1, duration=10)
    with pytest.raises(ValueError):
        poisson_arrivals(np.random.default_rng(0), rate=1, duration=0)


def test_one_generator_called_in_the_same_order_gives_the_same_requests():
    def requests(seed):
        rng = np.random.default_rng(seed)
        times = poisson_arrivals(rng, 10, 100)
        return times, zipf_items(rng, 50, len(times))

    (t1, i1), (t2, i2) = requests(9), requests(9)
    assert np.array_equal(t1, t2) and np.array_equal(i1, i2)
