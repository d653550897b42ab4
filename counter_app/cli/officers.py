"""`counter-app user ...`: officer accounts from the command line.

Passwords are never arguments (they would show in the process list and the shell history):
the new one comes from $COUNTER_APP_NEW_PASSWORD or is typed twice on the terminal. Only
the administrator manages accounts, except the very first one on a new database, which
needs no sign-in and must be an administrator.
"""

from __future__ import annotations

import argparse

from counter_app.cli.args import NEEDS_AS, emit
from counter_app.cli.session import new_password, open_counter
from counter_app.domain.officers import Officer, normalise_username, validate_officer
from counter_app.domain.roles import Action, Role

ROLES_HELP = "comma-separated: " + ", ".join(f"{r.value} ({r.label})" for r in Role)


def _line(o: Officer) -> str:
    state = "" if o.active else "  [disabled]"
    title = f", {o.title}" if o.title else ""
    return f"{o.username:<16} {o.full_name}{title} – {o.roles_label}{state}"


def _roles(values: list[str] | None) -> str | None:
    return ",".join(values) if values else None


def cmd_add(args: argparse.Namespace) -> None:
    counter = open_counter(args, first_run=True)
    if counter.has_officers():  # refused before anyone types a password
        counter.require(Action.MANAGE_OFFICERS)
    checked = validate_officer(args.username, args.name, args.title, _roles(args.role))
    officer = counter.add_officer(checked.username, checked.full_name, checked.title,
                                  checked.roles, new_password(checked.username))
    emit(args, officer.to_dict(), f"added {_line(officer)}")


def cmd_list(args: argparse.Namespace) -> None:
    officers = open_counter(args).officers()
    emit(args, [o.to_dict() for o in officers],
         "\n".join(_line(o) for o in officers) or "no accounts yet")


def cmd_edit(args: argparse.Namespace) -> None:
    officer = open_counter(args).update_officer(args.username, full_name=args.name,
                                                title=args.title, roles=_roles(args.role))
    emit(args, officer.to_dict(), f"changed {_line(officer)}")


def _set_active(active: bool):
    def run(args: argparse.Namespace) -> None:
        officer = open_counter(args).set_officer_active(args.username, active)
        emit(args, officer.to_dict(), f"{'enabled' if active else 'disabled'} {_line(officer)}")
    return run


def cmd_reset_password(args: argparse.Namespace) -> None:
    counter = open_counter(args)
    counter.require(Action.MANAGE_OFFICERS)
    username = normalise_username(args.username)
    counter.reset_password(username, new_password(username))
    emit(args, {"username": username, "password_reset": True},
         f"new password set for {username}")


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    user = sub.add_parser("user", parents=[common], help="officer accounts: add, list, edit, disable, enable, "
                                       "reset-password" + NEEDS_AS,
                          description="Officer accounts (administrator only; the first "
                                      "account of a new database needs no --as).")
    commands = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    p = commands.add_parser("add", parents=[common],
                            help="add an account; its password from $COUNTER_APP_NEW_PASSWORD "
                                 "or typed twice")
    p.add_argument("username", help="3-32 characters: a-z, 0-9, dot, dash, underscore")
    p.add_argument("--name", required=True, help="full name, as printed on the forms")
    p.add_argument("--title", help="job title (chức danh), printed under the signature")
    p.add_argument("--role", action="append", required=True, help=ROLES_HELP)
    p.set_defaults(func=cmd_add)

    p = commands.add_parser("list", parents=[common], help="every account (no passwords)")
    p.set_defaults(func=cmd_list)

    p = commands.add_parser("edit", parents=[common],
                            help="change an account's name, title or roles")
    p.add_argument("username", help="the account to change")
    p.add_argument("--name", help="new full name")
    p.add_argument("--title", help="new title (chức danh), printed under signatures")
    p.add_argument("--role", action="append", help=ROLES_HELP + " (replaces the roles)")
    p.set_defaults(func=cmd_edit)

    for name, active, text in (("disable", False, "refuse this account's sign-in (the last "
                                                  "active administrator cannot be disabled)"),
                               ("enable", True, "allow a disabled account to sign in again")):
        p = commands.add_parser(name, parents=[common], help=text)
        p.add_argument("username", help="the account")
        p.set_defaults(func=_set_active(active))

    p = commands.add_parser("reset-password", parents=[common],
                            help="set a new password (from $COUNTER_APP_NEW_PASSWORD or typed "
                                 "twice)")
    p.add_argument("username", help="the account")
    p.set_defaults(func=cmd_reset_password)
