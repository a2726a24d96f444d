"""The collector pause: one switch for the process, shared by a worker's threads."""

import gc
import threading

from tourapp.system.gcpause import gc_paused


def test_the_collector_is_off_inside_and_back_on_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the inner exit does not resume it
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_thread_leaving_its_pause_does_not_resume_collection_inside_another_threads():
    inside, leave = threading.Event(), threading.Event()

    def other():
        with gc_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(10)
    with gc_paused():
        leave.set()
        thread.join(10)  # the other thread has left its pause while this one is inside
        assert not thread.is_alive()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
