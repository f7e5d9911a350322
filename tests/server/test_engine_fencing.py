"""The fencing rule and its watchdog (server/engine/fencing.py): it fences once per lapse of renewals, again after
a renewal and a later lapse, never while renewals succeed, and never with no fencing time (SQLite)."""

from __future__ import annotations

import time

from server.engine.fencing import Fence, fence_after


def test_the_rule_leaves_a_heartbeat_and_the_abort_grace_before_the_lease_ends_and_at_least_two_heartbeats():
    assert fence_after(30, 5, 5) == 20
    assert fence_after(6, 0.5, 1) == 4.5
    assert fence_after(3, 0.5, 5) == 1.0


def test_the_watchdog_fences_once_per_lapse_and_never_while_renewals_succeed():
    fenced = []
    fence = Fence(0.5, fenced.append)
    fence.start()
    try:
        for _ in range(8):  # renewed every 0.1 s for 0.8 s: no lapse
            time.sleep(0.1)
            fence.renewed(time.monotonic())
        assert fenced == [] and not fence.lapsed
        time.sleep(1.0)  # one lapse, however long
        assert len(fenced) == 1 and fenced[0] >= 0.5 and fence.lapsed
        fence.renewed(time.monotonic())
        assert not fence.lapsed
        time.sleep(0.1)
        assert len(fenced) == 1
        time.sleep(1.0)  # a second lapse after the renewal
        assert len(fenced) == 2
    finally:
        fence.stop()


def test_a_renewal_older_than_the_last_one_changes_nothing():
    fence = Fence(0.5, lambda silent: None)
    fence.renewed(time.monotonic())
    fence.renewed(time.monotonic() - 10)  # a tick that was stuck since before: its lease is older
    assert not fence.lapsed


def test_no_fencing_time_never_fences():
    fenced = []
    fence = Fence(None, fenced.append)
    fence.start()
    fence.renewed(time.monotonic() - 100)
    assert not fence.lapsed and fenced == []
    fence.stop()
