"""Opening the desk for a command: the database, and signing in with ``--as USER`` and a
password from the environment or the terminal (never from an argument: it would show in
``ps``)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from counter_app.cli.args import NEW_PASSWORD_ENV, PASSWORD_ENV, USER_ENV, CliError
from counter_app.paths import default_db_path
from counter_app.service.counter import Counter
from counter_app.store.database import is_database_file
from counter_app.store.medium import Medium


def existing_database(path: Path) -> Path:
    """``path`` when it is a database file that is there; an empty (0-byte) file is not one,
    and is never silently turned into a new database."""
    if not path.exists():
        raise CliError(f"database {path} does not exist; create it with "
                       f"'counter-app --db {path} init --agency-code ... --agency-name ...'")
    if path.is_file() and path.stat().st_size == 0:
        raise CliError(f"{path} is an empty file (0 bytes), not a database of the program; "
                       "nothing was changed (tệp rỗng, không phải dữ liệu của chương trình)")
    return path


#: The arguments that name a file a command writes.
_OUTPUTS = ("out", "slip")


def refuse_writing_over(database: Path, args: argparse.Namespace) -> None:
    """Checked before anything is done (``receive --slip`` saves before it writes): a
    command never writes over the database (the Counter refuses it too)."""
    for name in _OUTPUTS:
        value = getattr(args, name, None)
        if value not in (None, "-") and is_database_file(database, value):
            raise CliError(f"--{name} {value} is the database itself (or its journal); choose "
                           "another file name (không ghi đè lên tệp dữ liệu)")


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
    if not create or path.exists():
        existing_database(path)
    refuse_writing_over(path, args)
    counter = Counter.open(path)
    say_if_read_only(counter)
    username = getattr(args, "as_user", None) or os.environ.get(USER_ENV)
    if first_run and not counter.has_officers():
        return counter
    if sign_in and username:
        if not counter.has_officers():
            counter.close()
            raise CliError(f"no officer account in {path} yet: add the first administrator "
                           "with 'counter-app user add USERNAME --name ... --role admin'")
        counter.check_sign_in_allowed(username)  # a wait is said before a password is asked
        counter.sign_in(username, password_for(username))
    return counter


def say_if_read_only(counter: Counter) -> None:
    """One line on stderr when the database could only be opened read-only."""
    why = counter.cannot_write
    if why is Medium.FULL:
        print("counter-app: note: the disk is full, so the database is open for reading "
              "only: reading commands work, writing commands are refused (exit 11)",
              file=sys.stderr)
    elif why is Medium.READ_ONLY:
        print("counter-app: note: the database is read-only (a write-protected medium, folder "
              "or file; it is not damaged): reading commands work, writing commands are "
              "refused (exit 12)", file=sys.stderr)
