"""`counter-app` subcommands: the desk's operations without a window.

Errors go to stderr as one line with a non-zero exit; never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from counter_app import __version__
from counter_app.cli import (
    attachments,
    audit,
    backups,
    lifecycle,
    officers,
    reception,
    reports,
    sync,
)
from counter_app.cli.args import (
    EXIT_BAD_INPUT,
    EXIT_DAMAGED,
    EXIT_DISK_FULL,
    EXIT_PERMISSION,
    EXIT_READ_ONLY,
    EXIT_SIGN_IN,
    EXIT_STEP_FORBIDDEN,
    NEEDS_AS,
    PROCEDURE_HINT,
    SIGN_IN_HELP,
    CliError,
    Parser,
    add_common_options,
    common_options,
    date_arg,
    datetime_arg,
    emit,
    file_problem,
    out_file,
    positive_arg,
    year_arg,
)
from counter_app.cli.dossier_json import dossier_dict
from counter_app.cli.session import existing_database, open_counter
from counter_app.domain.procedures import CONFIDENCE_LABELS, Procedure
from counter_app.domain.working_calendar import DurationUnit, OverrideKind, WorkingCalendar
from counter_app.errors import (
    CounterError,
    DatabaseDamaged,
    DatabaseReadOnly,
    DiskFull,
    ImportRejected,
    NotFound,
    NotSignedIn,
    PermissionDenied,
    SignInFailed,
    SignInThrottled,
    StepNotAllowed,
    ValidationError,
)
from counter_app.paths import default_db_path
from counter_app.service.counter import Counter
from counter_app.store.medium import write_fault


def _procedure_dict(p: Procedure) -> dict:
    return {**p.to_dict(), "duration": p.duration_text, "competent_kind": p.competent_kind,
            "confidence_label": CONFIDENCE_LABELS[p.confidence]}


# -- commands -----------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> None:
    counter = open_counter(args, create=True, first_run=True)
    fields = {"agency_code": args.agency_code, "agency_name": args.agency_name,
              "desk_number": args.desk}
    for key in ("parent_body", "place_name", "address", "hotline", "centre_name",
                "number_suffix", "form_family", "forms_2025_from"):
        if getattr(args, key) is not None:
            fields[key] = str(getattr(args, key))
    settings = counter.set_up(**fields)
    path, count = default_db_path(args.db), len(counter.procedures())
    accounts = counter.has_officers()
    hint = "" if accounts else (
        "\nno officer account yet: add the first administrator with "
        "'counter-app user add USERNAME --name \"Full Name\" --role admin,reception'")
    emit(args, {"db": str(path), "agency": settings.to_dict(), "procedures": count,
                "accounts": accounts},
          f"ready: {settings.agency_name} ({settings.agency_code}), desk {settings.desk_number}, "
          f"{count} procedures, database {path}{hint}")


def cmd_procedures(args: argparse.Namespace) -> None:
    found = open_counter(args, sign_in=False).procedures(args.search or "")
    lines = [f"{p.code:<10} {p.duration_text[:28]:<28} {p.field} – {p.name}" for p in found]
    emit(args, [_procedure_dict(p) for p in found], "\n".join(lines) or "no procedure matches")


def cmd_units(args: argparse.Namespace) -> None:
    found = open_counter(args, sign_in=False).units()
    lines = [f"{u.code:<20} {u.kind_label:<17} {u.name}" for u in found]
    emit(args, [u.to_dict() for u in found], "\n".join(lines) or
         "no unit yet: the province's list comes from the server at the next sync")


def cmd_import(args: argparse.Namespace) -> None:
    count = open_counter(args).import_procedures(args.file)
    emit(args, {"imported": count}, f"imported {count} procedures from {args.file}")


#: Added to an unknown procedure's error.
def cmd_slip(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    counter.slip_pdf(args.code, args.out)
    emit(args, {"code": args.code.strip().upper(), "out": str(args.out)}, f"wrote {args.out}")


def cmd_show(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    dossier = counter.dossier(args.code)
    data = dossier_dict(dossier, counter.events(dossier), counter.steps_allowed_now(dossier))
    names = counter.printed_names()  # username -> full name

    def who(officer: str) -> str:
        return f"{names[officer]} ({officer})" if officer in names else officer

    text = "\n".join([
        f"{data['code']}  [{data['status']}] {data['status_label']}",
        f"procedure: {data['procedure']['code']} {data['procedure']['name']}",
        f"applicant: {data['applicant']['name']} ({data['applicant']['id_number']})",
        f"received:  {dossier.received_at:%d/%m/%Y %H:%M}   due: {dossier.due_at:%d/%m/%Y %H:%M}"
        + (f"   apologised, promised: {dossier.progress.extended_due_at:%d/%m/%Y %H:%M}"
           if dossier.progress.extended_due_at else ""),
        *(f"event {e['desk_seq']}: {e['at']} {e['kind']} by {who(e['officer'])}"
          for e in data["events"]),
    ])
    emit(args, data, text)


def cmd_due_date(args: argparse.Namespace) -> None:
    path = default_db_path(args.db)
    counter = Counter.open(existing_database(path)) if path.exists() else None
    calendar = counter.calendar if counter else WorkingCalendar()
    if args.procedure:
        if counter is None:
            raise CliError(f"database {path} does not exist, so --procedure cannot be looked up")
        try:
            procedure = counter.procedure(args.procedure)
        except NotFound as exc:
            raise CliError(f"{exc} ({PROCEDURE_HINT})") from None
        unit, value = procedure.unit, procedure.value
    elif args.same_day:
        unit, value = DurationUnit.SAME_DAY, 0
    elif args.calendar_days:
        unit, value = DurationUnit.CALENDAR_DAYS, args.calendar_days
    else:
        unit, value = DurationUnit.WORKING_DAYS, args.working_days
    due = calendar.due_at(args.received_at, unit, value)
    emit(args, {"received_at": args.received_at.isoformat(timespec="minutes"),
                 "unit": unit.value, "value": value, "due_at": due.isoformat(timespec="minutes")},
          due.isoformat(timespec="minutes"))


def cmd_apology_days(args: argparse.Namespace) -> None:
    counter = open_counter(args, sign_in=args.days is not None)
    if args.days is not None:
        counter.set_apology_days(args.days)
    days = counter.apology_days
    emit(args, {"apology_days": days},
         f"an apology (Mẫu 04) is made at least {days} working day(s) before the deadline")


def cmd_calendar(args: argparse.Namespace) -> None:
    counter = open_counter(args, sign_in=args.action != "list")
    if args.action == "list":
        year = args.year or counter.clock().year
        days = counter.calendar.exceptions(year)
        rows = [{"date": d.day.isoformat(), "working": d.working, "reason": d.reason,
                 "source": d.source} for d in days]
        lines = [f"{d.day:%d/%m/%Y} {d.day:%a} {'làm việc' if d.working else 'nghỉ':<8} "
                 f"{d.reason} [{d.source}]" for d in days]
        emit(args, rows, "\n".join(lines))
        return
    if args.date is None:
        raise CliError(f"calendar {args.action} needs a DATE")
    if args.action == "clear":
        removed = counter.clear_calendar_day(args.date)
        emit(args, {"date": args.date.isoformat(), "removed": removed},
              "removed" if removed else "no local override on that day")
        return
    kind = OverrideKind.OFF if args.action == "off" else OverrideKind.WORK
    counter.set_calendar_day(args.date, kind, args.reason or "")
    info = counter.calendar.day_info(args.date)
    emit(args, {"date": args.date.isoformat(), "working": info.working, "reason": info.reason},
          f"{args.date:%d/%m/%Y}: {'working day' if info.working else 'day off'} ({info.reason})")


def cmd_today(args: argparse.Namespace) -> None:
    rows = open_counter(args).received_today(args.search or "")
    emit(args, [dossier_dict(r) for r in rows],
          "\n".join(f"{r.code}  {r.received_at:%H:%M}  {r['applicant_name']}  "
                    f"{r['procedure_name']}" for r in rows) or "nothing received today")


# -- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="counter-app", epilog=SIGN_IN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Bộ phận một cửa cấp xã. With no command, opens the program.")
    parser.add_argument("--version", action="version", version=f"counter-app {__version__}")
    add_common_options(parser, db=None, as_user=None, json=False)
    common = common_options()  # the same options after the command
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[common],
                       help="create or upgrade the database, set the commune's details "
                            "[--as an administrator once accounts exist]",
                       description="Create or upgrade the database and set the commune's "
                                   "details. Free on a new database; once accounts exist, "
                                   "an administrator (--as). The receiving officer printed "
                                   "on the forms is the signed-in account of each step.")
    p.add_argument("--agency-code", required=True,
                   help="mã định danh, e.g. H56.245 (or the older form 000.17.22.H56)")
    p.add_argument("--agency-name", required=True,
                   help="the agency's name as printed on the forms, e.g. 'UBND xã Tân Phú'")
    p.add_argument("--desk", type=int, default=1, help="desk number 1-9 (default 1)")
    p.add_argument("--parent-body", dest="parent_body",
                   help="the body above it, printed on the forms' first header line")
    p.add_argument("--place", dest="place_name", help="place name in the slip's date line")
    p.add_argument("--address", help="the agency's address, printed on the slip")
    p.add_argument("--hotline", help="the phone number printed on the slip")
    p.add_argument("--centre-name", dest="centre_name",
                   help="the commune's Trung tâm Phục vụ hành chính công (default: named "
                        "after the agency, e.g. '... xã Quảng Phú')")
    p.add_argument("--number-suffix", dest="number_suffix",
                   help="the 2025 forms' 'Số: …/SUFFIX' (default TTPVHCC)")
    p.add_argument("--form-family", dest="form_family", choices=["auto", "tt01-2018"],
                   help="auto: the TT 03/2025 forms for dossiers received from "
                        "--forms-2025-from on (default); tt01-2018: keep the 2018 numbering")
    p.add_argument("--forms-2025-from", dest="forms_2025_from", type=date_arg,
                   help="the day the TT 03/2025 forms apply from (default 2025-09-15)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("procedures", parents=[common], help="list or search procedures")
    p.add_argument("--search", metavar="WORDS",
                   help="words of the name (with or without diacritics, any order) or a code")
    p.set_defaults(func=cmd_procedures)

    p = sub.add_parser("units", parents=[common],
                       help="the province's communes and provincial bodies (from the server)")
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("import-procedures", parents=[common],
                       help="import a province's catalogue (.csv or .xlsx); all or nothing"
                            + NEEDS_AS)
    p.add_argument("file", type=Path, help="the province's list, .csv or .xlsx")
    p.set_defaults(func=cmd_import)

    reception.add_receive(sub, common)

    p = sub.add_parser("slip", parents=[common],
                       help="write a dossier's Mẫu 01 slip as PDF" + NEEDS_AS)
    p.add_argument("code", help="the dossier's code, e.g. 000.17.22.H56-261120-0001")
    p.add_argument("--out", type=out_file, required=True, metavar="FILE.pdf",
                   help="the PDF to write")
    p.set_defaults(func=cmd_slip)

    p = sub.add_parser("show", parents=[common], help="a dossier with its events" + NEEDS_AS)
    p.add_argument("code", help="the dossier's code")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("due-date", parents=[common], help="compute an appointment")
    p.add_argument("--received-at", type=datetime_arg, required=True, metavar="WHEN",
                   help="when the dossier is received: 2026-11-20T09:15 or "
                        "'20/11/2026 09:15'")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--procedure", metavar="CODE",
                   help="the procedure's time limit (find codes with 'procedures --search')")
    g.add_argument("--working-days", type=positive_arg, metavar="N",
                   help="N working days (1-365)")
    g.add_argument("--calendar-days", type=positive_arg, metavar="N",
                   help="N calendar days (1-365)")
    g.add_argument("--same-day", action="store_true",
                   help="the same day (after 15:00: the next working day)")
    p.set_defaults(func=cmd_due_date)

    p = sub.add_parser("calendar", parents=[common],
                       help="local days off and working days (off, work, clear" + NEEDS_AS
                            + "; list is open)")
    p.add_argument("action", choices=["off", "work", "clear", "list"],
                   help="off: a day off; work: a working day; clear: back to the national "
                        "calendar; list: the year's overrides")
    p.add_argument("date", nargs="?", type=date_arg,
                   help="the day (YYYY-MM-DD or dd/mm/yyyy); not for list")
    p.add_argument("--reason", help="why (the province's decision), for off and work")
    p.add_argument("--year", type=year_arg, help="list: this year (default: this year)")
    p.set_defaults(func=cmd_calendar)

    p = sub.add_parser("apology-days", parents=[common],
                       help="show, or set (administrator, [--as]), how many working days "
                            "before the deadline an apology must be made at the latest")
    p.add_argument("days", nargs="?", type=int,
                   help="1-10 working days (the law: at least 1); without it, show it")
    p.set_defaults(func=cmd_apology_days)

    p = sub.add_parser("today", parents=[common],
                       help="dossiers this desk received today" + NEEDS_AS)
    p.add_argument("--search", metavar="WORDS",
                   help="code, name (with or without diacritics), ID number or phone")
    p.set_defaults(func=cmd_today)
    lifecycle.add_commands(sub, common)
    attachments.add_commands(sub, common)
    backups.add_commands(sub, common)
    officers.add_commands(sub, common)
    audit.add_commands(sub, common)
    sync.add_commands(sub, common)
    reports.add_commands(sub, common)
    return parser


def _say_error(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"counter-app: error: {message}", file=sys.stderr)
    return code


def _say_fault(fault: DiskFull | DatabaseReadOnly) -> int:
    if isinstance(fault, DiskFull):
        return _say_error("the disk is full: nothing was written and nothing was half-written "
                          "(the change was cancelled whole); free some space and try again. "
                          f"Reading commands still work. ({fault})", EXIT_DISK_FULL)
    if fault.reading_too:
        return _say_error("the database is on a read-only medium and cannot even be read "
                          "there (it is NOT damaged: nothing needs restoring); copy it to a "
                          f"writable folder. ({fault})", EXIT_READ_ONLY)
    return _say_error("the database is read-only (it is NOT damaged: nothing needs "
                      "restoring); reading commands work, but this command writes and is "
                      f"refused. ({fault})", EXIT_READ_ONLY)


def run(args: argparse.Namespace) -> int:
    try:
        code = args.func(args)  # None, or an exit code of its own (audit verify)
    except (DiskFull, DatabaseReadOnly) as exc:  # before CounterError: BackupDiskFull is both
        return _say_fault(exc)
    except ValidationError as exc:
        return _say_error("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    except StepNotAllowed as exc:
        return _say_error(f"step not allowed: {exc}", EXIT_STEP_FORBIDDEN)
    except NotSignedIn as exc:
        return _say_error(f"sign in first with --as USER ({exc})", EXIT_PERMISSION)
    except PermissionDenied as exc:
        return _say_error(f"not allowed: {exc}", EXIT_PERMISSION)
    except SignInThrottled as exc:
        return _say_error(f"sign-in refused: too many wrong passwords for this account; wait "
                          f"{exc.wait_seconds} s before the next try ({exc})", EXIT_SIGN_IN)
    except SignInFailed as exc:
        return _say_error(f"sign-in failed: {exc}", EXIT_SIGN_IN)
    except DatabaseDamaged as exc:
        return _say_error(str(exc), EXIT_DAMAGED)
    except ImportRejected as exc:
        return _say_error("nothing imported; " + "; ".join(
            f"row {n}: {reason}" for n, reason in exc.rows))
    except (CounterError, CliError) as exc:
        return _say_error(str(exc))
    except OSError as exc:  # a file that cannot be read or written: one line, no errno
        if fault := write_fault(exc):  # ENOSPC, EROFS
            return _say_fault(fault)
        return _say_error(file_problem(exc))
    except sqlite3.Error as exc:  # a write the disk refused outside a transaction
        if fault := write_fault(exc, default_db_path(getattr(args, "db", None))):
            return _say_fault(fault)
        raise
    except OverflowError as exc:  # a date arithmetic ran past year 9999
        return _say_error(f"a date is out of range ({exc})")
    return code or 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
