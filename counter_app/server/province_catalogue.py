"""What the server itself knows of a procedure, for judging a reception for another unit:
whether the province's list receives it regardless of boundary, and which kind of body
decides it. The province's list imported on the server (``counter-server catalogue
import``) wins; else the catalogue bundled with the program. Never the copy a desk sent
with its events: a desk could invent a procedure on its own list (docs/sync.md §2.14).
"""

from __future__ import annotations

import functools
import json

from sqlalchemy import Connection, select

from counter_app.domain.units import competent_kind
from counter_app.server.schema import procedures


@functools.cache
def _bundled() -> dict[str, tuple[bool, str]]:
    from counter_app.store.catalogue_files import bundled

    return {p.code: (p.boundary_free is True, competent_kind(p.authority)) for p in bundled()}


def listed(conn: Connection, codes: set[str]) -> dict[str, tuple[bool, str]]:
    """Procedure code -> (received regardless of boundary, COMMUNE or PROVINCIAL) for the
    codes the server knows; a code it does not know is left out."""
    if not codes:
        return {}
    found = dict(_bundled())
    for code, record_json in conn.execute(select(procedures.c.code, procedures.c.record_json)
                                          .where(procedures.c.code.in_(sorted(codes)))):
        record = json.loads(record_json)
        found[code] = (record.get("boundary_free") is True,
                       competent_kind(str(record.get("authority") or "")))
    return {code: found[code] for code in codes if code in found}
