"""course.clock: simulated time, its timers, the real clock, and SimPy on the same time line."""

from __future__ import annotations

import sys
import threading
import time

import pytest
import simpy

from course.clock import Clock, RealClock, SimulatedClock


def test_simulated_time_moves_only_when_told():
    clock = SimulatedClock(start=100.0)
    assert clock.now() == 100.0
    assert clock.advance(2.5) == 102.5
    assert clock.sleep(0.5) is None, "sleep is shaped like time.sleep"
    assert clock.now() == 103.0
    assert clock.advance_to(110.0) == 110.0
    clock.advance(0)
    assert clock.now() == 110.0


@pytest.mark.parametrize("move", [lambda c: c.advance(-1), lambda c: c.sleep(-0.1),
                                  lambda c: c.advance_to(9.0), lambda c: c.call_later(-1, print)])
def test_a_clock_never_goes_back(move):
    clock = SimulatedClock(start=10.0)
    with pytest.raises(ValueError, match="back|negative"):
        move(clock)
    assert clock.now() == 10.0


def test_concurrent_advances_all_count():
    clock = SimulatedClock()

    def tick():
        for _ in range(2000):
            clock.advance(1)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that a lost update would show
    try:
        threads = [threading.Thread(target=tick) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert clock.now() == 16000


def test_timers_run_in_time_order_each_at_its_own_time():
    clock = SimulatedClock()
    seen = []
    clock.call_at(30.0, lambda: seen.append(("expire", clock.now())))
    clock.call_later(10.0, lambda name: seen.append((name, clock.now())), "refresh")
    clock.call_at(10.0, lambda: seen.append(("tie, scheduled second", clock.now())))
    clock.sleep(25.0)
    assert seen == [("refresh", 10.0), ("tie, scheduled second", 10.0)]
    assert clock.now() == 25.0
    clock.sleep(25.0)
    assert seen[-1] == ("expire", 30.0) and clock.now() == 50.0


def test_a_cancelled_timer_does_not_run_and_a_timer_may_schedule_another():
    clock = SimulatedClock()
    seen = []
    clock.call_at(5.0, seen.append, "cancelled").cancel()
    clock.call_at(1.0, lambda: clock.call_later(1.0, seen.append, "chained at 2"))
    clock.advance(3.0)
    assert seen == ["chained at 2"]


def test_a_timer_set_in_the_past_runs_at_the_next_move():
    clock = SimulatedClock(start=10.0)
    seen = []
    clock.call_at(4.0, lambda: seen.append(clock.now()))
    assert seen == []
    clock.advance(0)
    assert seen == [10.0], "it runs late, never moving the clock back"


def test_the_real_clock_has_the_same_interface_on_wall_time():
    clock = RealClock()
    assert isinstance(clock, Clock) and isinstance(SimulatedClock(), Clock)
    before = time.monotonic()
    clock.sleep(0.02)
    assert clock.now() - before >= 0.02
    assert abs(clock.now() - time.monotonic()) < 0.01
    assert RealClock() == clock and SimulatedClock() != SimulatedClock()


def backoff_until_done(work, clock, base=1.0, cap=60.0):
    """A learner's retry loop: waits and reads time only through ``clock``."""
    started, delay = clock.now(), base
    while not work(clock.now()):
        clock.sleep(delay)
        delay = min(cap, delay * 2)
    return clock.now() - started


def test_the_same_function_runs_on_simulated_and_on_real_time():
    simulated = SimulatedClock()
    started = time.perf_counter()
    assert backoff_until_done(lambda now: now >= 600.0, simulated) == 603.0  # 1 + 2 + ... + 32, then 60 s nine times
    assert time.perf_counter() - started < 0.1, "ten simulated minutes, no real time"
    assert backoff_until_done(lambda now, start=time.monotonic(): now - start >= 0.02, RealClock(),
                              base=0.01) >= 0.02


def test_simpy_runs_on_the_clock():
    """A tiny queue: customers every second, one counter, 1.5 s each."""
    clock = SimulatedClock(start=100.0)
    env = clock.simpy_environment()
    assert isinstance(env, simpy.Environment) and env.now == 100.0
    counter, waits = simpy.Resource(env, capacity=1), []

    def customer(arrived):
        with counter.request() as turn:
            yield turn
            waits.append(env.now - arrived)
            yield env.timeout(1.5)

    def arrivals():
        for _ in range(4):
            env.process(customer(env.now))
            yield env.timeout(1.0)

    env.process(arrivals())
    env.run(until=110.0)
    assert waits == pytest.approx([0.0, 0.5, 1.0, 1.5]), "each waits half a second longer"
    assert clock.now() == env.now == 110.0


def test_clock_timers_and_outside_moves_share_simpys_time_line():
    clock = SimulatedClock()
    env = clock.simpy_environment()
    seen = []
    clock.call_at(2.5, lambda: seen.append(("timer", clock.now())))

    def slow_call():
        yield env.timeout(1.0)
        clock.advance(3.0)  # say, a boto3 call with injected latency on this clock
        seen.append(("call returned", env.now))
        yield env.timeout(1.0)
        seen.append(("next step", env.now))

    def ticker():
        yield env.timeout(2.0)
        seen.append(("tick due at 2", env.now))

    env.process(slow_call())
    env.process(ticker())
    env.run()
    assert seen == [("timer", 2.5), ("call returned", 4.0), ("tick due at 2", 4.0), ("next step", 5.0)]
