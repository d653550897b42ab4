"""`counter-app` subcommands: the desk's operations without a window.

Errors go to stderr as one line with a non-zero exit; never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counter_app import (
    __version__,
    cli_audit,
    cli_backups,
    cli_lifecycle,
    cli_officers,
    cli_reports,
    cli_sync,
)
from counter_app.cli_args import (
    EXIT_BAD_INPUT,
    EXIT_DAMAGED,
    EXIT_PERMISSION,
    EXIT_SIGN_IN,
    EXIT_STEP_FORBIDDEN,
    NEEDS_AS,
    SIGN_IN_HELP,
    CliError,
    Parser,
    date_arg,
    datetime_arg,
    emit,
    open_counter,
    positive_arg,
)
from counter_app.counter import Counter
from counter_app.domain.procedures import CONFIDENCE_LABELS, Procedure
from counter_app.domain.reception import ApplicantKind, Channel, ReceptionRequest, ReturnMethod
from counter_app.domain.working_calendar import DurationUnit, OverrideKind, WorkingCalendar
from counter_app.dossier_json import dossier_dict
from counter_app.errors import (
    CounterError,
    DatabaseDamaged,
    ImportRejected,
    NotSignedIn,
    PermissionDenied,
    SignInFailed,
    StepNotAllowed,
    ValidationError,
)
from counter_app.paths import default_db_path


def _procedure_dict(p: Procedure) -> dict:
    return {**p.to_dict(), "duration": p.duration_text,
            "confidence_label": CONFIDENCE_LABELS[p.confidence]}


# -- commands -----------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> None:
    counter = open_counter(args, create=True, first_run=True)
    fields = {"agency_code": args.agency_code, "agency_name": args.agency_name,
              "desk_number": args.desk}
    for key in ("parent_body", "place_name", "address", "hotline"):
        if getattr(args, key) is not None:
            fields[key] = getattr(args, key)
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


def cmd_import(args: argparse.Namespace) -> None:
    count = open_counter(args).import_procedures(args.file)
    emit(args, {"imported": count}, f"imported {count} procedures from {args.file}")


def cmd_receive(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    applicant = {"kind": ApplicantKind.ORGANISATION if args.organisation else ApplicantKind.CITIZEN,
                 "full_name": args.name, "id_number": args.id_number, "phone": args.phone or "",
                 "address": args.address or "", "email": args.email or ""}
    request = ReceptionRequest(
        procedure_code=args.procedure, applicant=applicant, sets=args.sets,
        channel=Channel.POST if args.by_post else Channel.IN_PERSON,
        return_method=ReturnMethod.POST if args.return_address else ReturnMethod.COUNTER,
        return_address=args.return_address or "", received_at=args.received_at,
        due_at=args.due_at, due_change_reason=args.due_reason or "")
    dossier = counter.receive(request)
    if args.slip:
        counter.slip_pdf(dossier.code, args.slip)
    emit(args, dossier_dict(dossier),
          f"{dossier.code}  due {dossier.due_at:%d/%m/%Y %H:%M}  {dossier['applicant_name']}")


def cmd_slip(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    counter.slip_pdf(args.code, args.out)
    emit(args, {"code": args.code.strip().upper(), "out": str(args.out)}, f"wrote {args.out}")


def cmd_show(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    dossier = counter.dossier(args.code)
    data = dossier_dict(dossier, counter.events(dossier))
    names = counter.printed_names()  # username -> full name

    def who(officer: str) -> str:
        return f"{names[officer]} ({officer})" if officer in names else officer

    text = "\n".join([
        f"{data['code']}  [{data['status']}] {data['status_label']}",
        f"procedure: {data['procedure']['code']} {data['procedure']['name']}",
        f"applicant: {data['applicant']['name']} ({data['applicant']['id_number']})",
        f"received:  {dossier.received_at:%d/%m/%Y %H:%M}   due: {dossier.due_at:%d/%m/%Y %H:%M}",
        *(f"event {e['desk_seq']}: {e['at']} {e['kind']} by {who(e['officer'])}"
          for e in data["events"]),
    ])
    emit(args, data, text)


def cmd_due_date(args: argparse.Namespace) -> None:
    path = default_db_path(args.db)
    counter = Counter.open(path) if path.exists() else None
    calendar = counter.calendar if counter else WorkingCalendar()
    if args.procedure:
        if counter is None:
            raise CliError(f"database {path} does not exist, so --procedure cannot be looked up")
        procedure = counter.procedure(args.procedure)
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
    parser.add_argument("--db", help="database file (default: $COUNTER_APP_DB, "
                                     "else counter.db in the user's data folder)")
    parser.add_argument("--as", dest="as_user", metavar="USER",
                        help="sign in as this officer (default: $COUNTER_APP_USER); the "
                             "password is read from $COUNTER_APP_PASSWORD or asked for")
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print JSON")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[json_flag],
                       help="create or upgrade the database, set the commune's details "
                            "[--as an administrator once accounts exist]",
                       description="Create or upgrade the database and set the commune's "
                                   "details. Free on a new database; once accounts exist, "
                                   "an administrator (--as). The receiving officer printed "
                                   "on the forms is the signed-in account of each step.")
    p.add_argument("--agency-code", required=True, help="mã định danh, e.g. 000.17.22.H56")
    p.add_argument("--agency-name", required=True)
    p.add_argument("--desk", type=int, default=1, help="desk number 1-9 (default 1)")
    p.add_argument("--parent-body", dest="parent_body")
    p.add_argument("--place", dest="place_name", help="place name in the slip's date line")
    p.add_argument("--address")
    p.add_argument("--hotline")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("procedures", parents=[json_flag], help="list or search procedures")
    p.add_argument("--search", help="words, with or without diacritics")
    p.set_defaults(func=cmd_procedures)

    p = sub.add_parser("import-procedures", parents=[json_flag],
                       help="import a province's catalogue (.csv or .xlsx); all or nothing"
                            + NEEDS_AS)
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("receive", parents=[json_flag], help="receive a dossier" + NEEDS_AS)
    p.add_argument("--procedure", required=True, help="national procedure code, e.g. 1.001193")
    p.add_argument("--name", required=True, help="applicant's full name")
    p.add_argument("--id-number", required=True, help="12-digit citizen ID (or tax code)")
    p.add_argument("--organisation", action="store_true", help="the applicant is an organisation")
    p.add_argument("--phone")
    p.add_argument("--address")
    p.add_argument("--email")
    p.add_argument("--sets", type=int, default=1, help="number of sets (bộ)")
    p.add_argument("--by-post", action="store_true", help="the dossier arrived by post")
    p.add_argument("--return-address", help="return the result by post to this address")
    p.add_argument("--received-at", type=datetime_arg, help="ISO date-time (default: now)")
    p.add_argument("--due-at", type=datetime_arg, help="appointment other than the computed one")
    p.add_argument("--due-reason", help="why the appointment is later than the rule")
    p.add_argument("--slip", type=Path, help="also write the Mẫu 01 slip to this PDF")
    p.set_defaults(func=cmd_receive)

    p = sub.add_parser("slip", parents=[json_flag],
                       help="write a dossier's Mẫu 01 slip as PDF" + NEEDS_AS)
    p.add_argument("code")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_slip)

    p = sub.add_parser("show", parents=[json_flag], help="a dossier with its events" + NEEDS_AS)
    p.add_argument("code")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("due-date", parents=[json_flag], help="compute an appointment")
    p.add_argument("--received-at", type=datetime_arg, required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--procedure")
    g.add_argument("--working-days", type=positive_arg)
    g.add_argument("--calendar-days", type=positive_arg)
    g.add_argument("--same-day", action="store_true")
    p.set_defaults(func=cmd_due_date)

    p = sub.add_parser("calendar", parents=[json_flag],
                       help="local days off and working days (off, work, clear" + NEEDS_AS
                            + "; list is open)")
    p.add_argument("action", choices=["off", "work", "clear", "list"])
    p.add_argument("date", nargs="?", type=date_arg)
    p.add_argument("--reason")
    p.add_argument("--year", type=int)
    p.set_defaults(func=cmd_calendar)

    p = sub.add_parser("today", parents=[json_flag],
                       help="dossiers this desk received today" + NEEDS_AS)
    p.add_argument("--search")
    p.set_defaults(func=cmd_today)
    cli_lifecycle.add_commands(sub, json_flag)
    cli_backups.add_commands(sub, json_flag)
    cli_officers.add_commands(sub, json_flag)
    cli_audit.add_commands(sub, json_flag)
    cli_sync.add_commands(sub, json_flag)
    cli_reports.add_commands(sub, json_flag)
    return parser


def _say_error(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"counter-app: error: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    try:
        code = args.func(args)  # None, or an exit code of its own (audit verify)
    except ValidationError as exc:
        return _say_error("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    except StepNotAllowed as exc:
        return _say_error(f"step not allowed: {exc}", EXIT_STEP_FORBIDDEN)
    except NotSignedIn as exc:
        return _say_error(f"sign in first with --as USER ({exc})", EXIT_PERMISSION)
    except PermissionDenied as exc:
        return _say_error(f"not allowed: {exc}", EXIT_PERMISSION)
    except SignInFailed as exc:
        return _say_error(f"sign-in failed: {exc}", EXIT_SIGN_IN)
    except DatabaseDamaged as exc:
        return _say_error(str(exc), EXIT_DAMAGED)
    except ImportRejected as exc:
        return _say_error("nothing imported; " + "; ".join(
            f"row {n}: {reason}" for n, reason in exc.rows))
    except (CounterError, CliError, OSError) as exc:
        return _say_error(str(exc))
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
