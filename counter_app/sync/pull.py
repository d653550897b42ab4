"""Bringing the commune's changes down from the server (PROTOCOL.md, Pull and Snapshot).

A new desk (cursor 0) takes the snapshot page by page (``/v1/snapshot?after=…``): each
page in its own transaction, the snapshot's cursor saved with the last page only (an
interrupted snapshot starts again; nothing is lost, pages are applied idempotently). The
next page is fetched (and parsed) in a second thread while this one is written. Afterwards
it pages through ``/v1/pull``. Each page is applied by ``pull_page.apply_page``.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import sqlite_utils

from counter_app.sync import desk_state
from counter_app.sync.errors import ServerUnreachable
from counter_app.sync.pull_page import (  # noqa: F401 - the page API, as it was
    PAGE,
    SNAPSHOT_AT,
    SNAPSHOT_PAGE,
    UNWRITABLE,
    PullReport,
    apply_page,
    unwritable,
)
from counter_app.sync.transport import Channel

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A page is millions of small objects and no cycles: the cyclic collector would only
    walk them again and again while they are parsed and written (a second or more on a
    snapshot). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pull(db: sqlite_utils.Database, channel: Channel, desk_id: str,
         limit: int = PAGE) -> PullReport:
    """Everything new since the saved cursor (the snapshot for a new desk)."""
    with _no_cyclic_gc():
        return _pull(db, channel, desk_id, limit)


def _snapshot(db: sqlite_utils.Database, channel: Channel, desk_id: str,
              report: PullReport) -> bool:
    """Every page of the snapshot; the next one is fetched while this one is written.
    Its cursor (taken by the server on the first page) is saved with the last page.
    False if another process of this desk got ahead (the pull then stops)."""
    def fetch(params: dict) -> dict:
        return channel.call("GET", "/v1/snapshot", params={"limit": SNAPSHOT_PAGE, **params})

    with ThreadPoolExecutor(1, thread_name_prefix="snapshot") as fetcher:
        coming = fetcher.submit(fetch, {})
        cursor = None
        while True:
            page = coming.result()
            if cursor is None:
                cursor = int(page["next_cursor"])
            after = page.get("after")
            more = bool(page.get("has_more"))
            if more and not (isinstance(after, str) and after):
                raise ServerUnreachable("Máy chủ trả lời không đúng định dạng. Sẽ thử lại sau.")
            if more:
                coming = fetcher.submit(fetch, {"cursor": cursor, "after": after})
            try:
                one = apply_page(db, {**page, "next_cursor": cursor}, desk_id,
                                 save_cursor=not more, since=0)
            except BaseException:
                coming.cancel()
                raise
            report.add(one)
            del page
            if one.discarded:
                coming.cancel()
                log.info("another process of this desk took the snapshot: this one stops")
                return False
            if not more:
                return True


def _pull(db: sqlite_utils.Database, channel: Channel, desk_id: str, limit: int) -> PullReport:
    report = PullReport()
    if int(desk_state.get(db, desk_state.PULL_CURSOR, 0)) == 0:
        report.snapshot = True
        if not _snapshot(db, channel, desk_id, report):
            return report
    while True:
        cursor = int(desk_state.get(db, desk_state.PULL_CURSOR, 0))
        page = channel.call("GET", "/v1/pull", params={"cursor": cursor, "limit": limit})
        one = apply_page(db, page, desk_id, since=cursor)
        report.add(one)
        if one.discarded:
            log.info("another process of this desk pulled meanwhile: this one stops")
            return report
        if not page.get("has_more") or int(page["next_cursor"]) <= cursor:
            return report
