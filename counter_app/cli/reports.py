"""`counter-app report`: form II.06a (and the citizen evaluation) for a period;
`counter-app report transfers`: the dossiers this counter received for other units (or,
with --incoming, other communes received for this unit), per unit (reports/transfers.py).

``--out FILE.xlsx`` or ``FILE.pdf`` writes the form as the officer sends it (the workbook
has a second sheet, "Chỉ số phục vụ": the QĐ 766 service index inputs of the period, with
the digitisation rates); ``--out -`` (the default) prints the report as JSON on stdout, for
scripts (``--evaluation`` adds the evaluation, its service index and digitisation counts).
"""

from __future__ import annotations

import argparse

from counter_app.cli.args import NEEDS_AS, CliError, emit
from counter_app.cli.period_args import add_period_arguments, out_kind, period_from, print_json
from counter_app.cli.session import open_counter


def cmd_report(args: argparse.Namespace) -> None:
    if args.what == "transfers":
        cmd_report_transfers(args)
        return
    if args.incoming:
        raise CliError("--incoming goes with 'report transfers'")
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


def cmd_report_transfers(args: argparse.Namespace) -> None:
    """`report transfers`: dossiers received for another unit (reports/transfers.py)."""
    kind = out_kind(args.out)
    if kind == "pdf":
        raise CliError("report transfers is written as .xlsx or printed as JSON (--out -)")
    if args.evaluation:
        raise CliError("--evaluation goes with the II.06a report, not with transfers")
    counter = open_counter(args)
    period = period_from(args, counter.report_period, counter.report_range)
    report = counter.report_transfers(period, "received" if args.incoming else "sent")
    if kind == "json":
        print_json(report.to_dict())
        return
    path = counter.report_transfers_export(report, args.out)
    total = report.total
    emit(args, {"out": str(path), "period": period.to_dict(), "total": total.to_dict()},
         f"wrote {report.direction} transfers {period.label} ({period.range_text}): "
         f"received {total.received}, forwarded late {total.forwarded_late}, not forwarded "
         f"{total.not_forwarded}, returned {total.returned} -> {path}")


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


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", parents=[common],
                       help="form II.06a for a period, as .xlsx, .pdf or JSON; 'report "
                            "transfers': dossiers received for other units" + NEEDS_AS)
    p.add_argument("what", nargs="?", choices=["ii06a", "transfers"], default="ii06a",
                   help="ii06a (default): the form; transfers: dossiers this counter "
                        "received for other units, per unit (.xlsx or JSON)")
    add_period_arguments(p)
    p.add_argument("--incoming", action="store_true",
                   help="transfers: those other communes received for this unit instead")
    p.add_argument("--evaluation", action="store_true",
                   help="add the citizen evaluation summary to the JSON")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("report-settings", parents=[common],
                       help="show or change what reports print and their cut-off day "
                            "(changing: administrator)" + NEEDS_AS)
    p.add_argument("--receiving-unit", help="'Đơn vị nhận báo cáo'")
    p.add_argument("--cutoff-day", help="15 for periods from the 15th to the 14th; 0 for "
                                        "calendar months")
    p.add_argument("--head-title", help="who signs, e.g. 'CHỦ TỊCH'")
    p.add_argument("--head-name", help="the signer's name")
    p.set_defaults(func=cmd_report_settings)
