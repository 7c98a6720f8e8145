"""Distributing one file to many players, client-server against peer-to-peer (chapter 00).

A model of who sends which chunk when, stepped one second at a time: no
network and no AWS service is involved. The server uploads ``server_slots``
chunks a second to the peers furthest behind; in ``"peer-to-peer"`` every
peer also uploads, each second, one chunk it held at the start of that second
to a random peer that lacks it, rarest chunk first (BitTorrent's *rarest
first*). Downloads are unlimited and nobody leaves::

    distribute(64, "client-server")["all done (s)"]    # 256: 64 × 16 chunks at 4 a second
    distribute(64, "peer-to-peer", seed=64)            # far less, and fewer server uploads

Random choices (tie-breaks, which peer serves whom) come from ``random.Random(seed)``,
so a seed gives the same run every time.
"""

from __future__ import annotations

import random
from collections import Counter

__all__ = ["DESIGNS", "distribute"]

DESIGNS = ("client-server", "peer-to-peer")


def distribute(n_peers: int, design: str, n_chunks: int = 16, server_slots: int = 4, seed: int = 0) -> dict:
    """Simulate sending a file of ``n_chunks`` to ``n_peers``; one step is one second.

    Returns one row: ``peers``, ``design``, ``all done (s)`` (when the last peer
    completes), ``mean per player (s)``, ``server uploads`` and ``peer uploads``
    (chunks sent by the server and by peers).
    """
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, not {design!r}")
    if n_peers < 1 or n_chunks < 1 or server_slots < 1:
        raise ValueError("need at least one peer, one chunk and one server upload slot")
    rng = random.Random(seed)
    have = [set() for _ in range(n_peers)]                    # chunks each peer holds
    need = [set(range(n_chunks)) for _ in range(n_peers)]     # chunks it lacks, not yet on the way
    finished = [None] * n_peers                               # second at which it was complete
    server_uploads = peer_uploads = 0
    second = 0
    while None in finished:
        second += 1
        copies = Counter(c for chunks in have for c in chunks)   # how common each chunk is
        arriving = [set() for _ in range(n_peers)]

        def send(p, candidates):                  # rarest chunk first, ties broken at random
            chunk = min(sorted(candidates), key=lambda c: (copies[c], rng.random()))
            arriving[p].add(chunk)
            need[p].discard(chunk)
            copies[chunk] += 1

        for _ in range(server_slots):             # the server serves the peers furthest behind
            needy = [p for p in range(n_peers) if need[p]]
            if not needy:
                break
            p = min(needy, key=lambda p: (n_chunks - len(need[p]), rng.random()))
            send(p, need[p])
            server_uploads += 1

        if design == "peer-to-peer":              # each peer uploads one chunk it already had
            for u in rng.sample(range(n_peers), n_peers):
                wanted = {p: need[p] & have[u] for p in range(n_peers) if p != u}
                takers = [p for p, chunks in wanted.items() if chunks]
                if takers:
                    p = rng.choice(takers)
                    send(p, wanted[p])
                    peer_uploads += 1

        for p in range(n_peers):
            have[p] |= arriving[p]
            if finished[p] is None and len(have[p]) == n_chunks:
                finished[p] = second
    return {"peers": n_peers, "design": design, "all done (s)": second,
            "mean per player (s)": sum(finished) / n_peers,
            "server uploads": server_uploads, "peer uploads": peer_uploads}
