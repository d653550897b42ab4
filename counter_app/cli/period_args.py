"""A report's period and output options (--period | --from/--to, --by, --out): the same
for the desk's ``counter-app report`` and the server's ``counter-server report``."""

from __future__ import annotations

import argparse
import json
import sys

from counter_app.cli.args import CliError


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
