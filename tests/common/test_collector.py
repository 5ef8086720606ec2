"""common.collector.paused: no automatic collection inside, the state found given back."""
from __future__ import annotations

import gc
import threading

from common import collector


def test_paused_turns_the_collector_off_and_back_on() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()       # the outer block is still running
    assert gc.isenabled()


def test_a_collector_found_off_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_blocks_keep_it_off_until_the_last_ends() -> None:
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector.paused():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    with collector.paused():
        t.start()
        assert inside.wait(5)
    assert not gc.isenabled()            # the other thread's block has not ended
    leave.set()
    t.join(5)
    assert gc.isenabled()


def test_what_was_made_inside_is_frozen_not_left_to_the_next_collection() -> None:
    before = gc.get_freeze_count()
    with collector.paused():
        kept = [[n] for n in range(20_000)]   # tracked objects, as parsed metadata are
    assert gc.get_freeze_count() >= before + 20_000
    assert gc.get_count()[0] < 1_000   # the youngest generation does not hold them
    del kept


def test_after_freeze_a_multi_valued_element_is_freed_without_the_collector() -> None:
    import copy
    import pickle
    import weakref

    from pydicom.dataset import Dataset
    from pydicom.valuerep import DSfloat

    collector.freeze()
    gc.disable()
    try:
        ds = Dataset()
        ds.ImagePositionPatient = ["1.5", "2", "-3"]
        elem = ds["ImagePositionPatient"]
        alive = weakref.ref(elem)
        assert ds.ImagePositionPatient == [1.5, 2.0, -3.0]
        ds.ImagePositionPatient.append("4.25")          # items still converted as pydicom does
        assert isinstance(ds.ImagePositionPatient[-1], DSfloat)
        assert copy.deepcopy(ds).ImagePositionPatient == [1.5, 2.0, -3.0, 4.25]
        assert pickle.loads(pickle.dumps(ds)).ImagePositionPatient == [1.5, 2.0, -3.0, 4.25]
        del ds, elem
        assert alive() is None   # no cycle: reference counting alone freed it
    finally:
        gc.enable()
        gc.unfreeze()
