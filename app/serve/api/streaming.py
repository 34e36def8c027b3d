"""Server-sent events from a generator of answer events, shared by the /api/ask and /v1/chat/completions streams."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.responses import StreamingResponse

from app.serve.api.errors import stream_error
from app.serve.api.locks import ReadWriteLock

T = TypeVar("T")

SSE_HEADERS = {"Cache-Control": "no-cache"}
"""Proxies and browsers must not cache or buffer a live answer."""

_END = object()


@dataclass
class _Failure:
    exc: BaseException


def events_in_worker(produce: Callable[[], Iterator[T]], lock: ReadWriteLock) -> Iterator[T]:
    """Run a generator to completion in its own thread under the read lock; yield its items as they arrive.

    The worker never waits on the client, so a client that disconnects mid-stream cannot leave the lock held.
    """
    q: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            with lock.read():
                for item in produce():
                    q.put(item)
        except BaseException as exc:  # handed to the consumer, which raises it
            q.put(_Failure(exc))
        finally:
            q.put(_END)

    threading.Thread(target=run, name="newsdesk-stream", daemon=True).start()
    while True:
        item = q.get()
        if item is _END:
            return
        if isinstance(item, _Failure):
            raise item.exc
        yield item


def event_stream(
    produce: Callable[[], Iterator[T]],
    lock: ReadWriteLock,
    render: Callable[[Iterator[T]], Iterator[str]],
    render_error: Callable[[str], str],
) -> StreamingResponse:
    """Stream render(events) as text/event-stream, the events produced in a worker thread under the read lock.

    Waits for the first event here, so a failure before it (store down, bad backend) is a plain HTTP error; a later
    failure can only be sent inside the stream, as render_error(error JSON), which ends it.
    """
    events = events_in_worker(produce, lock)
    first = _first(events)

    def body() -> Iterator[str]:
        try:
            yield from render(_chain(first, events))
        except Exception as exc:
            yield render_error(stream_error(exc))

    return StreamingResponse(body(), media_type="text/event-stream", headers=SSE_HEADERS)


def _first(events: Iterator[T]) -> T:
    for event in events:
        return event
    raise RuntimeError("the answer stream ended before its first event")


def _chain(first: T, rest: Iterator[T]) -> Iterator[T]:
    yield first
    yield from rest
