"""The collector's schedule while a cloud runs, and the process's own back after."""

from __future__ import annotations

import gc

from localcloud import heap
from localcloud.cloud import EmbeddedCloud


def test_a_running_cloud_collects_young_objects_less_often_and_froze_its_start(
    toy_cloud: EmbeddedCloud,
) -> None:
    # Given a running cloud
    del toy_cloud

    # Then young collections are rarer, and what existed once it started is frozen
    assert gc.get_threshold()[0] >= heap.YOUNG_THRESHOLD
    assert gc.get_freeze_count() > 0


def test_each_hold_is_undone_by_its_release() -> None:
    # Given the schedule as it is (another cloud of the session may hold it already)
    before = gc.get_threshold()

    # When held twice, then released once
    heap.hold()
    heap.hold()
    heap.release()

    # Then it is still held
    assert gc.get_threshold()[0] >= heap.YOUNG_THRESHOLD
    assert gc.get_threshold()[1:] == before[1:]

    # And the second release puts back what was there before
    heap.release()
    assert gc.get_threshold() == before
