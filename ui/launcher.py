"""`counter-app`: a subcommand runs headless (counter_app.cli.main); otherwise the window opens.

This module imports no Qt until the window is asked for, so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys

from counter_app.cli import main as cli_main


def build_parser():
    parser = cli_main.build_parser()
    parser.add_argument("--demo", action="store_true",
                        help="open the program on a demo commune in a throwaway database")
    parser.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--self-check", action="store_true",
                        help="start the window offscreen, check it, print OK and exit "
                             "(for installers and support)")
    return parser


def main(argv: list[str] | None = None) -> int:
    # `generate` writes from a spawned process; in the frozen bundle that child re-enters
    # here, and freeze_support() runs it instead of the program.
    multiprocessing.freeze_support()
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.command:
        return cli_main.run(args)
    from ui.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
