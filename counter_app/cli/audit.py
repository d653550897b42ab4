"""`counter-app audit ...`: check the hash chains, read who did what (leader, administrator)."""

from __future__ import annotations

import argparse
import json

from counter_app.accounts.audit_trail import AuditReport, TrailEntry
from counter_app.cli.args import EXIT_TAMPERED, NEEDS_AS, date_arg, emit, whole_number
from counter_app.cli.session import open_counter


def _report_text(report: AuditReport) -> str:
    counted = (f"{report.events_checked} events and {report.audit_checked} audit entries "
               "checked")
    if report.ok:
        return f"audit trail intact: {counted}"
    lines = [f"AUDIT TRAIL BROKEN: {counted}"]
    for b in report.broken:
        dossier = f", dossier {b.dossier_code}" if b.dossier_code else ""
        lines.append(f"  {b.table}: desk {b.desk_id}, desk seq {b.desk_seq}, row {b.row_id}"
                     f"{dossier}: {b.reason}")
    lines += [f"  append-only guard missing: trigger {g}" for g in report.missing_guards]
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    report = open_counter(args).audit_verify()
    emit(args, report.to_dict(), _report_text(report))
    return 0 if report.ok else EXIT_TAMPERED


def _trail_line(e: TrailEntry) -> str:
    who = f"{e.officer} ({e.officer_name})" if e.officer_name and e.officer_name != e.officer \
        else e.officer
    detail = f"  {json.dumps(e.detail, ensure_ascii=False)}" if e.detail else ""
    return f"{e.moment:%d/%m/%Y %H:%M:%S}  {who:<30} {e.label:<24} {e.subject}{detail}"


def cmd_show(args: argparse.Namespace) -> None:
    entries = open_counter(args).audit_trail(args.officer, args.date_from, args.date_to,
                                             args.limit)
    emit(args, [e.to_dict() for e in entries],
         "\n".join(_trail_line(e) for e in entries) or "nothing recorded in that period")


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", parents=[common], help="check the logs for tampering, read the audit trail"
                                         + NEEDS_AS,
                           description="The audit trail (leader or administrator).")
    commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = commands.add_parser("verify", parents=[common],
                            help="check both hash chains; exit 6 and name the first broken "
                                 "link of each desk if anything was edited, deleted or "
                                 "inserted behind the program's back")
    p.set_defaults(func=cmd_verify)

    p = commands.add_parser("show", parents=[common],
                            help="dossier steps and audit entries, newest first")
    p.add_argument("--officer", metavar="USER", help="only this officer's")
    p.add_argument("--from", dest="date_from", type=date_arg, help="on or after this day")
    p.add_argument("--to", dest="date_to", type=date_arg, help="on or before this day")
    p.add_argument("--limit", type=whole_number(1, 100_000), default=1000, help="at most this many (1000)")
    p.set_defaults(func=cmd_show)
