"""A stream processed by a chain of stages, each on its own thread (a software pipeline).

    for y in staged(frames, [decode, track, render]):   # y = render(track(decode(frame)))
        ...

Reading item i+2, stage 1 of item i+1 and stage 2 of item i run at the same time, so the stream
goes at the pace of its slowest stage rather than of their sum, as long as the stages release the
GIL for their heavy parts (OpenCV, MediaPipe and poce_rt's kernels do). Each stage runs on one
thread, items in order, so a stage may keep state from one item to the next.

Faults keep the stream's order: if reading the source or a stage raises at item k, items 0..k-1
are still delivered, then the exception is raised in the consumer. A consumer that stops early
(break, an exception, the generator closed) stops the threads.
"""
from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable, Iterator, Sequence

__all__ = ["staged"]

_END = object()
_POLL_S = 0.05     # how often a blocked thread looks whether the consumer has gone
_SOURCE_JOIN_S = 10.0


class _Raised:
    """An exception travelling down the pipeline in its item's place."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException):
        self.exc = exc


def staged(items: Iterable, stages: Sequence[Callable], depth: int = 2,
           name: str = "poce_rt-stage") -> Iterator:
    """Yields stages[-1](...stages[0](item)) for each item of `items`, in order.

    `items` is iterated on a thread of its own, and each stage runs on a thread of its own; the
    threads hand items over through queues of `depth` (>= 1) items, which bounds how far a stage
    may run ahead of the next (memory, and latency on a live stream).
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    stop = threading.Event()
    queues = [queue.Queue(maxsize=depth) for _ in range(len(stages) + 1)]

    def put(q: queue.Queue, x) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=_POLL_S)
                return True
            except queue.Full:
                pass
        return False

    def get(q: queue.Queue):
        while not stop.is_set():
            try:
                return q.get(timeout=_POLL_S)
            except queue.Empty:
                pass
        return _END

    def source() -> None:
        try:
            for x in items:
                if not put(queues[0], x):
                    return
        except BaseException as e:  # noqa: BLE001 - delivered to the consumer in order
            put(queues[0], _Raised(e))
            return
        put(queues[0], _END)

    def worker(k: int) -> None:
        fn, q_in, q_out = stages[k], queues[k], queues[k + 1]
        while True:
            x = get(q_in)
            if x is _END or isinstance(x, _Raised):
                put(q_out, x)
                return
            try:
                y = fn(x)
            except BaseException as e:  # noqa: BLE001 - delivered to the consumer in order
                put(q_out, _Raised(e))
                return
            if not put(q_out, y):
                return

    threads = [threading.Thread(target=source, name=f"{name}-source", daemon=True)]
    threads += [threading.Thread(target=worker, args=(k,), name=f"{name}-{k}", daemon=True)
                for k in range(len(stages))]
    for t in threads:
        t.start()
    try:
        out = queues[-1]
        while True:
            x = out.get()        # interruptible: a signal handler (Ctrl-C, SIGTERM) runs here
            if x is _END:
                return
            if isinstance(x, _Raised):
                raise x.exc
            yield x
    finally:
        stop.set()
        # the stages end within one item (their state must not be touched after this returns);
        # the source may sit in a blocking read (a camera), which cannot be interrupted
        for t in threads[1:]:
            t.join()
        threads[0].join(_SOURCE_JOIN_S)
