"""`counter-app` commands for the sync with the district/provincial server.

- ``enroll URL CODE [--fingerprint SHA256] [--again]``: an administrator (--as) connects
  this desk with a one-time code from ``counter-server enroll-code``. ``--fingerprint`` pins
  a self-signed certificate; ``--again`` replaces an existing connection.
- ``sync``: one round (reference data, push, pull). No sign-in: it is the machine syncing.
- ``sync-status``: connected or not, last success, events waiting, open conflicts, clock.
- ``conflicts [--all]`` and ``resolve-conflict ID TEXT``: a leader (--as) reads and settles
  what two desks did differently.

Exit codes: 0 done, 8 the server cannot be reached (nothing lost; try again later), 9 the
server refused (revoked desk, used code, certificate mismatch...) or the desk is not enrolled.
"""

from __future__ import annotations

import argparse
import sys

from counter_app.backups.opening import open_desk_database
from counter_app.cli.args import EXIT_OFFLINE, EXIT_REFUSED, NEEDS_AS, emit
from counter_app.cli.session import existing_database, open_counter
from counter_app.domain.roles import Action
from counter_app.paths import default_db_path
from counter_app.sync import enrolment, file_sync
from counter_app.sync.errors import NotEnrolled, ServerUnreachable, SyncRefused
from counter_app.sync.status import sync_status
from counter_app.sync.sync_round import SyncReport, sync_once


def _fail(message: str, code: int) -> int:
    print(f"counter-app: error: {message}", file=sys.stderr)
    return code


def _guarded(work) -> int:
    try:
        work()
    except ServerUnreachable as exc:
        return _fail(str(exc), EXIT_OFFLINE)
    except (SyncRefused, NotEnrolled) as exc:
        return _fail(str(exc), EXIT_REFUSED)
    return 0


def _existing_db(args: argparse.Namespace):
    return open_desk_database(existing_database(default_db_path(args.db)))


def cmd_enroll(args: argparse.Namespace) -> int:
    counter = open_counter(args)

    def work() -> None:
        counter.require(Action.ENROL)
        result = enrolment.enrol(counter.db, args.url, args.code, args.fingerprint,
                                 reenrol=args.again, allow_http=args.allow_http,
                                 anchor=counter.enrolment_anchor())
        counter.record_enrolment(result.server_url, result.commune_code, result.desk_number)
        emit(args, result.to_dict(),
             f"enrolled: {result.commune_name} ({result.commune_code}), desk "
             f"{result.desk_number}, server {result.server_url}"
             + (" (certificate pinned)" if result.pinned else ""))

    try:
        return _guarded(work)
    finally:
        counter.close()


def _report_text(report: SyncReport) -> str:
    p, q = report.pushed.to_dict(), report.pulled
    lines = [f"pushed: {p['sent']} events ({p['applied']} applied, {p['duplicates']} "
             f"duplicates, {p['conflicts']} conflicts, {p['quarantined']} quarantined), "
             f"{p['audit_sent']} audit entries, {p['officers_sent']} accounts, "
             f"{p['resolutions_sent']} resolutions",
             f"pulled: {q.events} events, {q.dossiers} dossiers, {q.conflicts} conflicts"
             + (" (snapshot)" if q.snapshot else "")
             + (f", {q.kept_local} dossiers kept until their events are acknowledged"
                if q.kept_local else ""),
             "reference updated: " + (", ".join(report.reference_updated) or "none"),
             f"digitised files: {report.files_sent} sent, {report.files_fetched} fetched "
             "ahead",
             f"waiting: {report.waiting} events"]
    if report.clock_warning:
        lines.append(f"warning: {report.clock_warning}")
    return "\n".join(lines)


def cmd_sync(args: argparse.Namespace) -> int:
    db = _existing_db(args)

    def work() -> None:
        report = sync_once(db)
        emit(args, report.to_dict(), _report_text(report))

    try:
        return _guarded(work)
    finally:
        db.conn.close()


def cmd_sync_status(args: argparse.Namespace) -> None:
    db = _existing_db(args)
    try:
        status = sync_status(db)
    finally:
        db.conn.close()
    if not status.enrolled:
        text = "not enrolled: connect this desk with 'counter-app --as ADMIN enroll URL CODE'"
    else:
        last = f"{status.last_success:%d/%m/%Y %H:%M}" if status.last_success else "never"
        text = "\n".join(filter(None, [
            f"server: {status.server_url} ({status.commune_name}, desk {status.desk_number})",
            f"last success: {last}",
            f"last error: {status.last_error}" if status.last_error else "",
            f"waiting: {status.waiting_events} events, open conflicts: {status.open_conflicts}"
            + (f", server dossiers not storable here: {status.unwritable}"
               if status.unwritable else ""),
            (f"accounts waiting for an administrator's signature: {status.accounts_unsigned}, "
             f"refused by the server: {status.accounts_refused} (an administrator signs them "
             "by signing in here; still refused: enroll this desk again with a new code)")
            if status.accounts_unsigned or status.accounts_refused else "",
            f"warning: {status.clock_warning}" if status.clock_warning else ""]))
    emit(args, status.to_dict(), text)


def cmd_conflicts(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    try:
        found = counter.conflicts(include_resolved=args.all)
    finally:
        counter.close()
    lines = []
    for c in found:
        state = "open" if c.is_open else f"resolved by {c.resolved_by}: {c.resolution}"
        lines.append(f"{c.id}  {c.code}  {c.kind_label} [{state}]\n  lost: {c.lost}\n"
                     f"  kept: {c.kept}")
    emit(args, [c.to_dict() for c in found], "\n".join(lines) or "no conflicts")


def cmd_resolve_conflict(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    try:
        view = counter.resolve_conflict(args.id, args.text)
    finally:
        counter.close()
    emit(args, view.to_dict(), f"resolved {view.id} ({view.code}); sent at the next sync")


def cmd_fetch_ahead(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    try:
        if args.state is not None:
            counter.set_fetch_files_ahead(args.state == "on")
        on = counter.fetch_files_ahead
    finally:
        counter.close()
    emit(args, {"fetch_files_ahead": on},
         "each sync round also brings other desks' digitised files (up to "
         f"{file_sync.AHEAD_BYTES_PER_ROUND // 2**20} MB a round)" if on
         else "other desks' digitised files come when someone opens them")


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("enroll", parents=[common],
                       help="connect this desk to the sync server with a one-time code "
                            "(administrator)" + NEEDS_AS)
    p.add_argument("url", help="the server, e.g. https://dongbo.quangtri.gov.vn")
    p.add_argument("code", help="the one-time code from `counter-server enroll-code`")
    p.add_argument("--fingerprint", help="SHA-256 of the server's self-signed certificate "
                                         "(pins it)")
    p.add_argument("--again", action="store_true",
                   help="replace this desk's existing connection")
    p.add_argument("--allow-http", action="store_true",
                   help="accept an unencrypted http:// server, on a local network address "
                        "only (10.x, 172.16-31.x, 192.168.x, or a name without a dot)")
    p.set_defaults(func=cmd_enroll)

    p = sub.add_parser("sync", parents=[common],
                       help="one sync round with the server (exit 8 offline, 9 refused)")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("fetch-ahead", parents=[common],
                       help="show or set whether sync rounds also bring other desks' "
                            "digitised files before anyone opens them" + NEEDS_AS)
    p.add_argument("state", nargs="?", choices=("on", "off"),
                   help="on or off (administrator); without it, show the setting")
    p.set_defaults(func=cmd_fetch_ahead)

    p = sub.add_parser("sync-status", parents=[common],
                       help="the sync state: server, last success, waiting events, conflicts")
    p.set_defaults(func=cmd_sync_status)

    p = sub.add_parser("conflicts", parents=[common],
                       help="what two desks did differently to a dossier (leader)" + NEEDS_AS)
    p.add_argument("--all", action="store_true", help="also the resolved ones")
    p.set_defaults(func=cmd_conflicts)

    p = sub.add_parser("resolve-conflict", parents=[common],
                       help="record how a conflict was settled (leader)" + NEEDS_AS)
    p.add_argument("id", help="the conflict's number, from 'conflicts'")
    p.add_argument("text", help="what was done")
    p.set_defaults(func=cmd_resolve_conflict)
