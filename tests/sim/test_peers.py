"""course.sim.peers: distributing a patch, client-server against peer-to-peer (chapter 00)."""

from __future__ import annotations

import pytest

from course.sim.peers import distribute


@pytest.mark.parametrize("n", [1, 8, 64])
def test_client_server_sits_on_its_lower_bound(n):
    run = distribute(n, "client-server", seed=n)
    assert run["all done (s)"] == n * 16 / 4
    assert run["server uploads"] == n * 16 and run["peer uploads"] == 0


@pytest.mark.parametrize("n", [2, 8, 32])
def test_every_chunk_reaches_every_peer_exactly_once(n):
    run = distribute(n, "peer-to-peer", seed=n)
    assert run["server uploads"] + run["peer uploads"] == n * 16


@pytest.mark.parametrize("n", [4, 16, 64])
def test_peers_finish_sooner_than_the_server_alone_but_not_before_the_bound(n):
    p2p, cs = distribute(n, "peer-to-peer", seed=n), distribute(n, "client-server", seed=n)
    assert max(16 / 4, n * 16 / (4 + n)) <= p2p["all done (s)"] < cs["all done (s)"]
    assert p2p["server uploads"] < cs["server uploads"]
    assert p2p["mean per player (s)"] <= p2p["all done (s)"]


def test_a_seed_gives_the_same_run_and_the_figures_the_chapter_quotes():
    run = distribute(64, "peer-to-peer", seed=64)
    assert run == distribute(64, "peer-to-peer", seed=64)
    # Chapter 00: "below 20 s" and "fewer than five copies of the file" (5 x 16 chunks) for 64 players.
    assert (run["all done (s)"], run["server uploads"]) == (19, 76)


def test_unknown_designs_are_refused():
    with pytest.raises(ValueError, match="design"):
        distribute(4, "hybrid")
