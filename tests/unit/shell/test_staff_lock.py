"""StaffLock: the wait after wrong staff PINs doubles, is capped, and allows one check at a time."""

from __future__ import annotations

from kiosk.staff import StaffLock


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_wait_doubles_after_each_wrong_pin_and_a_right_one_clears_it() -> None:
    clock = Clock()
    lock = StaffLock(2.0, clock=clock)
    assert lock.ready() and lock.remaining() == 0
    waits = []
    for _ in range(4):
        assert lock.begin()
        waits.append(lock.finish(False))
        assert not lock.ready() and not lock.begin()  # nothing is checked during the wait
        clock.now += waits[-1] - 0.01
        assert not lock.begin()
        clock.now += 0.01
    assert waits == [2.0, 4.0, 8.0, 16.0] and lock.failures == 4
    assert lock.begin()
    assert lock.finish(True) == 0.0
    assert lock.failures == 0 and lock.ready()


def test_one_check_at_a_time_and_the_wait_is_capped() -> None:
    clock = Clock()
    lock = StaffLock(1.0, clock=clock)
    assert lock.begin()
    assert lock.checking and not lock.begin()  # a second modal cannot check while the first does
    lock.finish(False)
    for _ in range(2000):  # no overflow however many failures
        clock.now += StaffLock.MAX_DELAY
        assert lock.begin()
        assert lock.finish(False) <= StaffLock.MAX_DELAY
    assert lock.remaining() == StaffLock.MAX_DELAY
