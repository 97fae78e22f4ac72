"""The collector's and the thread switcher's schedules while a cloud runs, and the process's own after."""

from __future__ import annotations

import gc
import sys

from localcloud import heap
from localcloud.cloud import EmbeddedCloud


def test_a_running_cloud_collects_less_often(toy_cloud: EmbeddedCloud) -> None:
    # Given a running cloud
    del toy_cloud

    # Then young and full collections are rarer, and threads are switched less often
    young, _, old = gc.get_threshold()
    assert young >= heap.YOUNG_THRESHOLD and old >= heap.OLD_THRESHOLD
    assert sys.getswitchinterval() >= heap.SWITCH_INTERVAL


def test_each_hold_is_undone_by_its_release() -> None:
    # Given the schedules as they are (another cloud of the session may hold them already)
    before, switch_before = gc.get_threshold(), sys.getswitchinterval()

    # When held twice, then released once
    heap.hold()
    heap.hold()
    heap.release()

    # Then it is still held (the middle generation's threshold untouched)
    assert gc.get_threshold()[0] >= heap.YOUNG_THRESHOLD
    assert gc.get_threshold()[1] == before[1]
    assert sys.getswitchinterval() >= heap.SWITCH_INTERVAL

    # And the second release puts back what was there before
    heap.release()
    assert gc.get_threshold() == before and sys.getswitchinterval() == switch_before
