"""Shared pieces of the command line: argument types, output, opening the database."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from typing import NoReturn

from counter_app.counter import Counter
from counter_app.paths import default_db_path

EXIT_BAD_INPUT = 2
EXIT_STEP_FORBIDDEN = 3  # the status machine refused the step
EXIT_PERMISSION = 4      # the officer's roles do not allow it (or nobody signed in)
EXIT_SIGN_IN = 5         # wrong username or password, or a disabled account
EXIT_TAMPERED = 6        # `audit verify`: a hash chain is broken (the logs were tampered with)
EXIT_DAMAGED = 7         # the database (or the backup given) fails the integrity check
EXIT_OFFLINE = 8         # sync: the server cannot be reached (nothing is lost)
EXIT_REFUSED = 9         # sync: the server refused, or this desk is not enrolled
PASSWORD_ENV = "COUNTER_APP_PASSWORD"
NEW_PASSWORD_ENV = "COUNTER_APP_NEW_PASSWORD"
USER_ENV = "COUNTER_APP_USER"

#: Who may run what, shown at the end of `counter-app --help`.
SIGN_IN_HELP = f"""\
signing in:
  Commands marked [--as] change data or show citizens' personal data. They need
  --as USER (or ${USER_ENV}); the password comes from ${PASSWORD_ENV}
  or is asked on the terminal. The officer's roles decide what is allowed:
    reception   receive; the counter's steps (hand over a new dossier, request a
                supplement, resume, payment received, refuse, withdraw, return);
                print; register
    processing  the steps of the dossiers handed to them (and sees only those)
    leader      every step, apologize included; print; register; audit
    admin       user, init, import-procedures, calendar changes, backup, restore;
                audit
  init, then user add, are free on a new database without accounts (first
  run; the first account must be an administrator); afterwards an administrator.
  Open to anyone: procedures, due-date, calendar list, generate (trial data
  into an empty database).

exit codes: 0 done, 2 bad input, 3 step forbidden by the dossier's status,
  4 not signed in or not allowed, 5 sign-in failed, 6 audit verify found the
  logs tampered with, 7 the database or a backup is damaged, 8 the server cannot
  be reached (sync: nothing is lost, try later), 9 the server refused or this desk
  is not enrolled
"""
NEEDS_AS = " [--as]"


class CliError(Exception):
    """A one-line reason for the user, printed to stderr."""


class Parser(argparse.ArgumentParser):
    """Usage errors (bad date, missing option...) as one line too, not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"counter-app: error: {message}\n")


def datetime_arg(text: str) -> dt.datetime:
    text = text.strip()
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date-time (use ISO 8601, e.g. 2026-11-20T09:15)") from None
    if value.tzinfo is not None:  # convert to the desk's local wall-clock time
        value = value.astimezone().replace(tzinfo=None)
    return value


def date_arg(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD or dd/mm/yyyy)")


def positive_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 365:
        raise argparse.ArgumentTypeError("must be between 1 and 365")
    return value


def emit(args: argparse.Namespace, data: object, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)


def password_for(username: str) -> str:
    """From $COUNTER_APP_PASSWORD (scripts), else asked on the terminal without echo."""
    secret = os.environ.get(PASSWORD_ENV)
    if secret is not None:
        return secret
    if not sys.stdin.isatty():
        raise CliError(f"no password for {username}: set {PASSWORD_ENV} or run in a terminal")
    return getpass.getpass(f"password for {username}: ")


def new_password(username: str) -> str:
    """A new account's password: from $COUNTER_APP_NEW_PASSWORD (scripts), else typed twice
    on the terminal without echo. Never a command-line argument (it would show in `ps`)."""
    secret = os.environ.get(NEW_PASSWORD_ENV)
    if secret is not None:
        return secret
    if not sys.stdin.isatty():
        raise CliError(f"no new password for {username}: set {NEW_PASSWORD_ENV} or run in a "
                       "terminal")
    first = getpass.getpass(f"new password for {username}: ")
    if getpass.getpass(f"new password for {username} again: ") != first:
        raise CliError("the two passwords differ; nothing changed")
    return first


def open_counter(args: argparse.Namespace, create: bool = False, sign_in: bool = True,
                 first_run: bool = False) -> Counter:
    """Open the database and, with ``--as USER`` (or $COUNTER_APP_USER), sign in.

    ``sign_in=False``: a command open to anyone (no password asked). ``first_run``: a
    command free on a database without any account yet (nobody could sign in there).
    """
    path = default_db_path(args.db)
    if not create and not path.exists():
        raise CliError(f"database {path} does not exist; create it with "
                       f"'counter-app --db {path} init --agency-code ... --agency-name ...'")
    counter = Counter.open(path)
    username = getattr(args, "as_user", None) or os.environ.get(USER_ENV)
    if first_run and not counter.has_officers():
        return counter
    if sign_in and username:
        if not counter.has_officers():
            counter.close()
            raise CliError(f"no officer account in {path} yet: add the first administrator "
                           "with 'counter-app user add USERNAME --name ... --role admin'")
        counter.sign_in(username, password_for(username))
    return counter
