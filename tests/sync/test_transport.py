"""The HTTP channel: which replies are retried, which stop the sync, gzip, the clock."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import httpx
import pytest

from counter_app.sync.errors import ServerUnreachable, SyncRefused
from counter_app.sync.transport import Channel

NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def _channel(replies: list, seen: list | None = None, now=lambda: NOW) -> Channel:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        reply = replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, body = reply
        return httpx.Response(status, json=body)

    http = httpx.Client(base_url="http://server", transport=httpx.MockTransport(handler))
    return Channel(http, "secret-token", now)


def test_busy_then_fine_is_retried():
    seen: list = []
    channel = _channel([(503, {"error": "internal"}), httpx.ConnectError("reset"),
                        (200, {"ok": 1, "server_time": NOW.isoformat()})], seen)
    assert channel.call("GET", "/v1/reference")["ok"] == 1
    assert len(seen) == 3 and seen[0].headers["authorization"] == "Bearer secret-token"


def test_still_busy_after_the_retries_is_offline():
    channel = _channel([(429, {}), (502, {}), (503, {})])
    with pytest.raises(ServerUnreachable) as err:
        channel.call("GET", "/v1/pull")
    assert "503" in str(err.value) and "thử lại" in str(err.value)


@pytest.mark.parametrize(("status", "code", "words"), [
    (401, "unauthorized", "thu hồi"), (403, "forbidden", "không thuộc"),
    (409, "gap", "thiếu"), (409, "replay_mismatch", "khác với bản"),
    (409, "chain_broken", "bị đứt"), (413, "too_large", "quá lớn"),
    (426, "upgrade_required", "cập nhật chương trình")])
def test_refusals_are_not_retried_and_say_why(status, code, words):
    seen: list = []
    channel = _channel([(status, {"error": code, "message": "x", "expected_seq": 5})], seen)
    with pytest.raises(SyncRefused) as err:
        channel.call("POST", "/v1/push", {"events": []})
    assert (err.value.code, err.value.status) == (code, status) and len(seen) == 1
    assert words in str(err.value)


def test_large_bodies_go_gzipped_and_the_clock_offset_is_measured():
    seen: list = []
    server_time = NOW + dt.timedelta(minutes=7)
    channel = _channel([(200, {"server_time": server_time.isoformat()})], seen)
    body = {"events": [{"payload": {"note": "Hồ sơ đất đai " * 50}}]}
    channel.call("POST", "/v1/push", body)
    sent = seen[0]
    assert sent.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(sent.content)) == body
    assert channel.clock_offset == pytest.approx(420, abs=1)


def test_the_push_body_splices_each_stored_payload_exactly():
    """The payload goes as the desk stored and hashed it; the body is still plain JSON."""
    import json

    from counter_app.sync.push import _body

    stored = json.dumps({"lý_do": "Thiếu \"bản sao\" <events>", "n": [1, 2]},
                        ensure_ascii=False, sort_keys=True)
    events = [{"id": "e1", "desk_seq": 1, "kind": "refuse", "payload": stored},
              {"id": "e2", "desk_seq": 2, "kind": "resume", "payload": "{}"}]
    fields = {"desk_id": "d", "officers": [{"full_name": '"<events>"'}], "audit": []}
    body = json.loads(_body(fields, events).decode("utf-8"))
    assert body["officers"] == [{"full_name": '"<events>"'}]
    assert [json.dumps(e["payload"], ensure_ascii=False, sort_keys=True)
            for e in body["events"]] == [stored, "{}"]
    assert [e["id"] for e in body["events"]] == ["e1", "e2"]
