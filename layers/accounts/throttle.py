"""Throttling of password checks (logins and password changes): growing delays per (name, address) pair and,
for names that never logged in from that address, per address; never a fixed lockout of the right password.

The counters live in the store (:meth:`layers.store.AccountStore.login_counters`), so several app processes
on one database share them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from layers.store import LoginCounters

US = 1_000_000


@dataclass(frozen=True)
class ThrottlePolicy:
    """``free_failures`` wrong passwords for one name from one address cost nothing; each further one makes
    the next check wait ``delay_s`` doubled per failure, up to ``max_delay_s``. An address with
    ``free_failures_per_ip`` failures across names (a spray) waits likewise before checking a name that has
    never logged in from it; names that have keep their own pair's count only, so an office behind one NAT
    address goes on working while someone there sprays. Failures older than ``window_s`` are forgotten."""

    window_s: int = 24 * 3600
    free_failures: int = 5
    free_failures_per_ip: int = 30
    delay_s: int = 30
    max_delay_s: int = 3600

    def __post_init__(self) -> None:
        for name in ("window_s", "free_failures", "free_failures_per_ip", "delay_s", "max_delay_s"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def _delay_us(failures: int, free: int, policy: ThrottlePolicy) -> int:
    if failures < free:
        return 0
    doublings = min(failures - free, 32)
    return min(policy.delay_s * 2**doublings, policy.max_delay_s) * US


def wait_s(counters: LoginCounters, now_us: int, policy: ThrottlePolicy) -> tuple[int, bool]:
    """Whole seconds to wait before the next password check may run (0: it may run now), and whether the
    pair's own failures (rather than the address's spray) set that wait.

    >>> c = LoginCounters(pair_failures=6, pair_last_failure_at=0, ip_failures=6, ip_last_failure_at=0,
    ...                   pair_known=False)
    >>> wait_s(c, 10 * US, ThrottlePolicy(free_failures=5, delay_s=30))
    (50, True)
    """
    pair_us = ip_us = 0
    if counters.pair_last_failure_at is not None:
        until = counters.pair_last_failure_at + _delay_us(counters.pair_failures, policy.free_failures, policy)
        pair_us = until - now_us
    if counters.ip_last_failure_at is not None and not counters.pair_known:
        until = counters.ip_last_failure_at + _delay_us(counters.ip_failures, policy.free_failures_per_ip, policy)
        ip_us = until - now_us
    return max(0, math.ceil(max(pair_us, ip_us) / US)), pair_us >= ip_us
