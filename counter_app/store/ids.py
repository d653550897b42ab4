"""Ids made on the desk: UUIDv7 (time-ordered, unique without a server)."""

from uuid6 import uuid7


def new_id() -> str:
    return str(uuid7())
