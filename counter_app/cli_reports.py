"""`counter-app report`: form II.06a (and the citizen evaluation) for a period.

``--out FILE.xlsx`` or ``FILE.pdf`` writes the form as the officer sends it; ``--out -`` (the
default) prints the report as JSON on stdout, for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys

from counter_app.cli_args import NEEDS_AS, CliError, emit, open_counter


def add_period_arguments(p: argparse.ArgumentParser) -> None:
    """--period | --from/--to, --by, --out: the same on the desk and on the server."""
    p.add_argument("--period", metavar="PERIOD",
                   help="2026-10 (month), 2026-Q3 (quarter), 2026-H1 (six months), 2026 (year)")
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help="first day of a date range (2026-10-01 or 01/10/2026), with --to")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day of the range")
    p.add_argument("--by", choices=["field", "procedure"], default="field",
                   help="rows per field (default) or per field and procedure")
    p.add_argument("--out", default="-", metavar="FILE",
                   help="FILE.xlsx or FILE.pdf, or - for JSON on stdout (default)")


def period_from(args: argparse.Namespace, named, ranged):
    """The period the arguments ask for: ``named(text)`` or ``ranged(from, to)``."""
    if args.period and (args.date_from or args.date_to):
        raise CliError("give either --period or --from/--to, not both")
    if args.period:
        return named(args.period)
    if args.date_from and args.date_to:
        return ranged(args.date_from, args.date_to)
    if args.date_from or args.date_to:
        raise CliError("a date range needs both --from and --to")
    raise CliError("which period? give --period 2026-10 (or 2026-Q3, 2026-H1, 2026) "
                   "or --from DATE --to DATE")


def out_kind(out: str) -> str:
    """'json', 'xlsx' or 'pdf'; CliError for anything else."""
    if out == "-":
        return "json"
    kind = out.rsplit(".", 1)[-1].lower() if "." in out else ""
    if kind not in ("xlsx", "pdf"):
        raise CliError(f"--out must end in .xlsx or .pdf, or be - for JSON (got {out!r})")
    return kind


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def cmd_report(args: argparse.Namespace) -> None:
    kind = out_kind(args.out)
    if args.evaluation and kind != "json":
        raise CliError("--evaluation is printed as JSON only (use --out -)")
    counter = open_counter(args)
    period = period_from(args, counter.report_period, counter.report_range)
    report = counter.report_ii06a(period, by_procedure=args.by == "procedure")
    if kind == "json":
        data = report.to_dict()
        if args.evaluation:
            data["evaluation"] = counter.report_evaluation(period).to_dict()
        print_json(data)
        return
    path = counter.report_export(report, args.out)
    total = report.total
    emit(args, {"out": str(path), "period": period.to_dict(), "total": total.to_dict()},
         f"wrote II.06a {period.label} ({period.range_text}): received {total.received_total}, "
         f"resolved {total.resolved_total}, open {total.open_total} -> {path}")


def cmd_report_settings(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    current = counter.report_settings()
    changes = {k: getattr(args, k) for k in ("receiving_unit", "cutoff_day", "head_title",
                                             "head_name") if getattr(args, k) is not None}
    settings = counter.save_report_settings(**{**current.to_dict(), **changes}) if changes \
        else current
    cutoff = (f"the {settings.cutoff_day}th to the {settings.cutoff_day - 1}th"
              if settings.cutoff_day else "calendar months")
    emit(args, settings.to_dict(),
         f"receiving unit: {settings.receiving_unit or '-'}\nperiods: {cutoff}\n"
         f"signed by: {settings.head_title} {settings.head_name}".rstrip())


def add_commands(sub, json_flag: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", parents=[json_flag],
                       help="form II.06a for a period, as .xlsx, .pdf or JSON" + NEEDS_AS)
    add_period_arguments(p)
    p.add_argument("--evaluation", action="store_true",
                   help="add the citizen evaluation summary to the JSON")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("report-settings", parents=[json_flag],
                       help="show or change what reports print and their cut-off day "
                            "(changing: administrator)" + NEEDS_AS)
    p.add_argument("--receiving-unit", help="'Đơn vị nhận báo cáo'")
    p.add_argument("--cutoff-day", help="15 for periods from the 15th to the 14th; 0 for "
                                        "calendar months")
    p.add_argument("--head-title", help="who signs, e.g. 'CHỦ TỊCH'")
    p.add_argument("--head-name", help="the signer's name")
    p.set_defaults(func=cmd_report_settings)
