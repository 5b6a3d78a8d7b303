"""Helpers for tests that run clients concurrently on threads. A worker's exception fails the
test (raised in the test's thread with every worker's error), never vanishes with its thread.

    run_for(1.5, writer, reader)   # each worker called in a loop on its own thread
    run_once(worker, worker)       # each worker called once on its own thread
"""
import threading
import time


def _run(workers, body_of, deadline_fn, join_timeout):
    errors = []

    def wrap(fn):
        def body():
            try:
                body_of(fn)
            except Exception as e:  # noqa: BLE001 - re-raised below in the test's thread
                errors.append(f"{getattr(fn, '__name__', fn)}: {e!r}")
        return body

    threads = [threading.Thread(target=wrap(w), daemon=True) for w in workers]
    for t in threads:
        t.start()
    deadline_fn()
    for t in threads:
        t.join(timeout=join_timeout)
    stuck = [t for t in threads if t.is_alive()]
    assert not errors, f"worker errors: {errors}"
    assert not stuck, f"{len(stuck)} worker(s) did not finish"


def run_for(seconds, *workers, join_timeout=30):
    """Calls each worker repeatedly, each on its own thread, for `seconds`; then stops and
    joins them. Raises AssertionError if any worker raised or did not stop."""
    stop = threading.Event()

    def loop(fn):
        while not stop.is_set():
            fn()

    def wait():
        time.sleep(seconds)
        stop.set()

    _run(workers, loop, wait, join_timeout)


def run_once(*workers, join_timeout=120):
    """Calls each worker once, each on its own thread, and joins them. Raises AssertionError
    if any worker raised or did not finish."""
    _run(workers, lambda fn: fn(), lambda: None, join_timeout)
