"""Checking a pushed batch against the desk's hash chain: replays, gaps, broken links."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from counter_app.server.validation import Refused, bad
from counter_app.store.hash_chain import link_hash, stored_json

EVENT_FIELDS = ("id", "dossier_id", "desk_id", "desk_seq", "at", "officer", "kind", "payload",
                "prev_hash", "hash")
AUDIT_FIELDS = ("id", "desk_id", "desk_seq", "at", "officer", "action", "subject", "detail",
                "prev_hash", "hash")


def stored_text(value: dict) -> str:
    """A payload or detail as the desk stores (and hashes) it."""
    return stored_json(value)


def event_values(e: dict) -> list:
    return [e["id"], e["dossier_id"], e["desk_id"], e["desk_seq"], e["at"], e["officer"],
            e["kind"], payload_text(e)]


def payload_text(e: dict) -> str:
    """The event's payload as stored, computed once per event (kept under "_payload")."""
    text = e.get("_payload")
    if text is None:
        text = e["_payload"] = stored_text(e["payload"])
    return text


def public(e: dict) -> dict:
    """The event as pushed (without what the server keeps alongside)."""
    return {k: e[k] for k in EVENT_FIELDS}


def event_json(e: dict) -> str:
    """The event as pushed, as JSON text (the payload spliced in as already serialised)."""
    head = json.dumps({k: e[k] for k in EVENT_FIELDS if k != "payload"}, ensure_ascii=False)
    return f'{head[:-1]}, "payload": {payload_text(e)}}}'



def audit_values(a: dict) -> list:
    return [a["id"], a["desk_id"], a["desk_seq"], a["at"], a["officer"], a["action"],
            a["subject"], stored_text(a["detail"])]


@dataclass
class Checked:
    replayed: list[tuple[dict, int | None]] = field(default_factory=list)  # (item, server_seq)
    new: list[dict] = field(default_factory=list)
    last_seq: int = 0
    last_hash: str = ""


def check(items: Sequence[dict], chain: str, last_seq: int, last_hash: str,
          values: Callable[[dict], list],
          stored: Callable[[int, int], dict[int, tuple[str, int | None]]]) -> Checked:
    """``stored(lo, hi)``: {desk_seq: (hash, server_seq)} already kept for that range.
    Raises 409 chain_broken / replay_mismatch / gap, or 400 for a batch out of order."""
    out = Checked(last_seq=last_seq, last_hash=last_hash)
    previous = 0
    for i, item in enumerate(items):
        if item["desk_seq"] <= previous:
            raise bad(f"{chain}[{i}].desk_seq: a batch is in ascending desk_seq order")
        previous = item["desk_seq"]
        if link_hash(item["prev_hash"], values(item)) != item["hash"]:
            raise Refused(409, "chain_broken", f"{chain} seq {item['desk_seq']}: the hash does "
                          "not match its content", chain=chain, seq=item["desk_seq"])
    replays = [item for item in items if item["desk_seq"] <= last_seq]
    kept = stored(replays[0]["desk_seq"], replays[-1]["desk_seq"]) if replays else {}
    for item in replays:
        seq = item["desk_seq"]
        if seq not in kept or kept[seq][0] != item["hash"]:
            raise Refused(409, "replay_mismatch", f"{chain} seq {seq} was already received "
                          "with different content", chain=chain, seq=seq)
        out.replayed.append((item, kept[seq][1]))
    for item in items[len(replays):]:
        if item["desk_seq"] != out.last_seq + 1:
            raise Refused(409, "gap", f"{chain}: expected seq {out.last_seq + 1}, got "
                          f"{item['desk_seq']}", chain=chain, expected_seq=out.last_seq + 1)
        if item["prev_hash"] != out.last_hash:
            raise Refused(409, "chain_broken", f"{chain} seq {item['desk_seq']} does not follow "
                          "the previous one", chain=chain, seq=item["desk_seq"])
        out.new.append(item)
        out.last_seq, out.last_hash = item["desk_seq"], item["hash"]
    return out
