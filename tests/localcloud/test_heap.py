"""The collector's schedule while a cloud runs, and the process's own back after."""

from __future__ import annotations

import gc

from localcloud import heap
from localcloud.cloud import EmbeddedCloud


def test_a_running_cloud_collects_less_often(toy_cloud: EmbeddedCloud) -> None:
    # Given a running cloud
    del toy_cloud

    # Then young and full collections are rarer
    young, _, old = gc.get_threshold()
    assert young >= heap.YOUNG_THRESHOLD and old >= heap.OLD_THRESHOLD


def test_each_hold_is_undone_by_its_release() -> None:
    # Given the schedule as it is (another cloud of the session may hold it already)
    before = gc.get_threshold()

    # When held twice, then released once
    heap.hold()
    heap.hold()
    heap.release()

    # Then it is still held (the middle generation's threshold untouched)
    assert gc.get_threshold()[0] >= heap.YOUNG_THRESHOLD
    assert gc.get_threshold()[1] == before[1]

    # And the second release puts back what was there before
    heap.release()
    assert gc.get_threshold() == before
