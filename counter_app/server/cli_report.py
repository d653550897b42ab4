"""`counter-server report`: form II.06a over every commune together, one commune, or each
commune in turn (JSON), with the same period arguments as the desk's `counter-app report`;
`counter-server report transfers`: the dossiers received by one unit for another, every
flow between units or one unit's (reports/transfers.py), as JSON or .xlsx."""

from __future__ import annotations

import argparse

from sqlalchemy import Connection, select

from counter_app.cli.args import CliError
from counter_app.cli.period_args import add_period_arguments, out_kind, period_from, print_json
from counter_app.domain.text import clean
from counter_app.errors import ValidationError
from counter_app.printing import ii06a_pdf, ii06a_xlsx
from counter_app.reports import transfers
from counter_app.reports.heading import DEFAULT_HEAD_TITLE, ReportHeading
from counter_app.reports.periods import between, parse_period
from counter_app.server import clock, reports
from counter_app.server.enrolment import AdminError
from counter_app.server.schema import communes

ALL_COMMUNES = "Các xã, phường"
_TEXT_MAX = 200  # as the desk's report settings


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="form II.06a for a period over the communes; "
                                      "'report transfers': dossiers received for other units")
    p.add_argument("what", nargs="?", choices=["ii06a", "transfers"], default="ii06a",
                   help="ii06a (default): the form; transfers: dossiers received by one "
                        "unit for another (every flow, or one unit's with --commune)")
    add_period_arguments(p)
    p.add_argument("--incoming", action="store_true",
                   help="transfers with --commune: what other communes received for it "
                        "(default: what it received for others)")
    p.add_argument("--commune", metavar="CODE", help="only this commune (its agency code)")
    p.add_argument("--per-commune", action="store_true",
                   help="JSON: one report per commune instead of one for all together")
    p.add_argument("--cutoff-day", type=int, metavar="DAY",
                   help="the 15th-to-14th convention: 15 (named periods only)")
    p.add_argument("--unit", help="'Đơn vị báo cáo' printed on the form "
                                  "(default: the commune's name, or 'Các xã, phường')")
    p.add_argument("--receiving-unit", default="", help="'Đơn vị nhận báo cáo'")
    p.add_argument("--place", default="", help="the place in '…, ngày … tháng … năm …'")
    p.add_argument("--signer-title", default=DEFAULT_HEAD_TITLE)
    p.add_argument("--signer-name", default="")


def run(conn: Connection, args: argparse.Namespace) -> None:
    try:
        kind = out_kind(args.out)
        if args.per_commune and (kind != "json" or args.commune):
            raise CliError("--per-commune prints JSON for every commune (--out -, no --commune)")
        period = period_from(args, lambda text: parse_period(text, args.cutoff_day), between)
        period = period.up_to(clock.now().date())  # not ended yet: counted up to today
    except ValidationError as exc:
        raise AdminError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
    except CliError as exc:
        raise AdminError(str(exc)) from None
    for name in ("unit", "receiving_unit", "place", "signer_title", "signer_name"):
        if len(getattr(args, name) or "") > _TEXT_MAX:
            raise AdminError(f"--{name.replace('_', '-')} is longer than {_TEXT_MAX} characters")
    if args.what == "transfers":
        _transfers(conn, args, period, kind)
        return
    if args.incoming:
        raise AdminError("--incoming goes with 'report transfers'")
    by_procedure = args.by == "procedure"
    if args.per_commune:
        print_json({"period": period.to_dict(), "communes": [
            c.to_dict() for c in reports.per_commune(conn, period, by_procedure)]})
        return
    if args.commune:
        try:
            [found] = reports.per_commune(conn, period, by_procedure, args.commune)
        except LookupError:
            raise AdminError(f"unknown commune {args.commune!r}") from None
        report, unit = found.report, found.name
    else:
        report, unit = reports.all_communes(conn, period, by_procedure), ALL_COMMUNES
    if kind == "json":
        print_json({"commune": args.commune, **report.to_dict()})
        return
    heading = _heading(args, unit)
    if kind == "pdf":
        ii06a_pdf.render(report, heading, args.out)
    else:
        ii06a_xlsx.write(report, heading, args.out)
    total = report.total
    print(f"wrote II.06a {period.label} for {args.unit or unit}: received "
          f"{total.received_total}, resolved {total.resolved_total}, open {total.open_total} "
          f"-> {args.out}")


def _heading(args: argparse.Namespace, unit: str) -> ReportHeading:
    return ReportHeading(reporting_unit=clean(args.unit) or unit,
                         receiving_unit=clean(args.receiving_unit),
                         place_name=clean(args.place), made_on=clock.now().date(),
                         head_title=clean(args.signer_title) or DEFAULT_HEAD_TITLE,
                         head_name=clean(args.signer_name))


def _transfers(conn: Connection, args: argparse.Namespace, period, kind: str) -> None:
    """`report transfers`: every flow between units (the province), or one unit's."""
    if kind == "pdf":
        raise AdminError("report transfers is written as .xlsx or printed as JSON (--out -)")
    if args.per_commune:
        raise AdminError("--per-commune goes with the II.06a report")
    if args.incoming and not args.commune:
        raise AdminError("--incoming needs --commune CODE")
    direction = (transfers.FLOWS if not args.commune
                 else transfers.RECEIVED if args.incoming else transfers.SENT)
    try:
        report = reports.transfers(conn, period, args.commune, direction)
    except LookupError:
        raise AdminError(f"unknown commune {args.commune!r}") from None
    if kind == "json":
        print_json(report.to_dict())
        return
    unit = ALL_COMMUNES
    if args.commune:
        unit = next((n for c, n in admin_names(conn) if c == args.commune), args.commune)
    ii06a_xlsx.write_transfers(report, _heading(args, unit), args.out)
    total = report.total
    print(f"wrote transfers {period.label} for {args.unit or unit}: received "
          f"{total.received}, forwarded late {total.forwarded_late}, not forwarded "
          f"{total.not_forwarded}, returned {total.returned} -> {args.out}")


def admin_names(conn: Connection) -> list[tuple[str, str]]:
    return [(r.code, r.name) for r in conn.execute(select(communes.c.code, communes.c.name))]
