"""counter-server: set up and run the district/provincial sync server."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import hashlib
import os
import ssl
import sys

from counter_app.domain.units import COMMUNE, PROVINCIAL
from counter_app.server import (
    admin,
    cli_report,
    clock,
    database,
    enrolment,
    leaders,
    reference,
)
from counter_app.server.enrolment import AdminError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="counter-server", description=__doc__)
    p.add_argument("--database", default=None,
                   help="SQLAlchemy URL or SQLite file (default: $COUNTER_SERVER_DB, "
                        "else ./counter-server.db)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the database and bring its schema up to date")
    sub.add_parser("migrate", help="bring the schema up to date")
    serve = sub.add_parser("serve", help="run the HTTP(S) server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--workers", type=_workers, default=1, metavar="N",
                       help=f"server processes sharing the port (1..{MAX_WORKERS}; default 1). "
                            "Each has its own connection pool: see docs/deploy.md")
    serve.add_argument("--tls-cert")
    serve.add_argument("--tls-key")
    serve.add_argument("--blobs", metavar="WHERE",
                       help="where the desks' digitised files go: a folder, or "
                            "s3://BUCKET[/prefix] (with $COUNTER_BLOBS_S3_ENDPOINT); default "
                            "$COUNTER_BLOBS, else the folder counter-server.blobs here")
    communes = sub.add_parser("communes", help="the province's units: its communes and "
                              "provincial bodies").add_subparsers(dest="action", required=True)
    add = communes.add_parser("add")
    add.add_argument("code")
    add.add_argument("name")
    add.add_argument("--provincial", action="store_true",
                     help="a provincial body (sở, ban, ngành) that decides province-level "
                          "procedures, rather than a commune")
    communes.add_parser("list")
    code = sub.add_parser("enroll-code", help="make a one-time enrolment code for a desk")
    code.add_argument("commune")
    code.add_argument("--desk", type=int)
    code.add_argument("--days", type=int, default=7)
    devices = sub.add_parser("devices").add_subparsers(dest="action", required=True)
    dl = devices.add_parser("list")
    dl.add_argument("--commune")
    revoke = devices.add_parser("revoke")
    revoke.add_argument("desk_id")
    viewers = sub.add_parser("viewers").add_subparsers(dest="action", required=True)
    viewers.add_parser("add").add_argument("name")
    cat = sub.add_parser("catalogue").add_subparsers(dest="action", required=True)
    cat.add_parser("import").add_argument("file")
    cal = sub.add_parser("calendar").add_subparsers(dest="action", required=True)
    cal_set = cal.add_parser("set")
    cal_set.add_argument("day")
    cal_set.add_argument("kind", choices=["off", "work"])
    cal_set.add_argument("reason", nargs="?", default="")
    cal.add_parser("clear").add_argument("day")
    off = sub.add_parser("officers").add_subparsers(dest="action", required=True)
    off.add_parser("list").add_argument("commune")
    off.add_parser("reset-trust", help="remove the commune's anchors and its accounts' "
                   "signatures (the wrong administrator was anchored first); its next "
                   "enrolment with an administrator anchors again").add_argument("commune")
    lead = sub.add_parser("leaders", help="the district leaders' web dashboard accounts")
    lead = lead.add_subparsers(dest="action", required=True)
    lead_add = lead.add_parser("add", help="add an account (the password is asked twice)")
    lead_add.add_argument("username")
    lead_add.add_argument("--name", required=True, help="full name, as shown on the pages")
    lead_pw = lead.add_parser("password", help="set a new password (ends its sessions)")
    lead_pw.add_argument("username")
    for p_ in (lead_add, lead_pw):
        p_.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin (scripts)")
    lead.add_parser("list")
    lead.add_parser("disable", help="refuse its sign-in and end its sessions") \
        .add_argument("username")
    cli_report.add_parser(sub)
    return p


#: ``serve --workers`` at most: each process holds up to 20 database connections.
MAX_WORKERS = 64


def _workers(value: str) -> int:
    """``--workers N``: a whole number 1..MAX_WORKERS, or argparse's clear error."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= number <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{number} is not in 1..{MAX_WORKERS}")
    return number


def fingerprint(cert_path: str) -> str:
    """SHA-256 of the certificate (DER), as AA:BB:..., for desks to pin."""
    with open(cert_path, encoding="ascii") as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise AdminError(f"{value!r} is not a date YYYY-MM-DD") from None


def _serve(url: str, args) -> None:
    """One uvicorn process (``--workers 1``) or a supervisor and N worker processes sharing
    the socket. Workers are started afresh (spawn) and build the app from the environment
    (``app.from_environment``): the database URL and the blob setting travel as
    $COUNTER_SERVER_DB and $COUNTER_BLOBS, so every worker serves the same database and
    files. Nothing a request needs lives in one process's memory (docs/deploy.md)."""
    import uvicorn

    from counter_app.server.app import create_app

    engine = database.make_engine(url)
    try:
        if database.current_revision(engine) is None:
            raise AdminError("the database has no schema yet: run `counter-server init` first")
    finally:
        if args.workers > 1:
            engine.dispose()  # the workers make their own
    if bool(args.tls_cert) != bool(args.tls_key):
        raise AdminError("--tls-cert and --tls-key go together")
    if args.tls_cert:
        print(f"TLS certificate SHA-256 fingerprint: {fingerprint(args.tls_cert)}", flush=True)
    from counter_app.server.access_log import log_config
    from counter_app.server.blob_settings import from_env

    environ = {**os.environ, **({"COUNTER_BLOBS": args.blobs} if args.blobs else {})}
    try:
        blobs = from_env(environ)
    except ValueError as exc:
        raise AdminError(f"--blobs: {exc}") from None
    print(f"digitised files: {type(blobs).__name__}", flush=True)
    from counter_app.server.tcp_nodelay import NoDelayH11Protocol

    options = dict(host=args.host, port=args.port, ssl_certfile=args.tls_cert,
                   ssl_keyfile=args.tls_key, log_level="info", log_config=log_config(),
                   http=NoDelayH11Protocol)
    if args.workers == 1:
        uvicorn.run(create_app(engine, blobs), **options)
        return
    # The workers read these (uvicorn spawns them: they inherit the environment).
    os.environ["COUNTER_SERVER_DB"] = url
    if args.blobs:
        os.environ["COUNTER_BLOBS"] = args.blobs
    print(f"server processes: {args.workers}", flush=True)
    uvicorn.run("counter_app.server.app:from_environment", factory=True,
                workers=args.workers, **options)


def _new_password(args) -> str:
    """Typed twice without echo, or the first line of stdin; never an argument (`ps`).
    Read before the database is opened, so no transaction waits on a person typing."""
    if args.password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    elif not sys.stdin.isatty():
        raise AdminError("no terminal to type the password on: use --password-stdin")
    else:
        secret = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass(f"password for {args.username} again: ") != secret:
            raise AdminError("the two passwords differ; nothing changed")
    return leaders.check_password(secret)


def _run(args) -> int:
    url = database.as_url(args.database) if args.database else database.default_url()
    if args.command == "leaders" and args.action in ("add", "password"):
        args.password = _new_password(args)
    if args.command == "serve":
        _serve(url, args)
        return 0
    engine = database.make_engine(url)
    try:
        if args.command in ("init", "migrate"):
            database.migrate(engine)
            print(f"schema at revision {database.current_revision(engine)} ({engine.url!r})")
            return 0
        if database.current_revision(engine) is None:
            raise AdminError("the database has no schema yet: run `counter-server init` first")
        if args.command == "report":
            with database.reading(engine) as conn:
                cli_report.run(conn, args)
            return 0
        with database.writing(engine) as conn:
            return _command(conn, args)
    finally:
        engine.dispose()


def _command(conn, args) -> int:
    cmd, action = args.command, getattr(args, "action", None)
    if cmd == "communes" and action == "add":
        kind = PROVINCIAL if args.provincial else COMMUNE
        admin.add_commune(conn, args.code, args.name, kind)
        print(f"added {'provincial body' if args.provincial else 'commune'} {args.code}")
    elif cmd == "communes":
        for c in admin.list_communes(conn):
            print(f"{c['code']}\t{c['name']}\t{c['kind']}")
    elif cmd == "enroll-code":
        code, number = enrolment.make_code(conn, args.commune, args.desk, args.days)
        print(f"enrolment code for {args.commune}, desk {number} "
              f"(valid {args.days} days, one use):")
        print(code)
    elif cmd == "devices" and action == "list":
        for d in admin.list_devices(conn, args.commune):
            state = f"revoked {d['revoked_at']}" if d["revoked_at"] else "active"
            print(f"{d['desk_id']}\t{d['commune']}\tdesk {d['desk_number']}\t{state}\t"
                  f"last seen {d['last_seen'] or '-'}\tacked {d['last_seq']}\t"
                  f"offset {d['clock_offset_s'] if d['clock_offset_s'] is not None else '-'} s")
    elif cmd == "devices":
        admin.revoke_device(conn, args.desk_id)
        print(f"revoked desk {args.desk_id}")
    elif cmd == "viewers":
        token = admin.add_viewer(conn, args.name)
        print(f"viewer token for {args.name} (shown once):")
        print(token)
    elif cmd == "catalogue":
        from counter_app.store.catalogue_files import read_file

        n = reference.import_catalogue(conn, read_file(args.file))
        print(f"imported {n} procedures")
    elif cmd == "calendar" and action == "set":
        reference.set_day(conn, _day(args.day), args.kind, args.reason)
        print(f"{args.day}: {args.kind}")
    elif cmd == "calendar":
        if not reference.clear_day(conn, _day(args.day)):
            raise AdminError(f"{args.day} has no calendar override")
        print(f"{args.day}: cleared")
    elif cmd == "leaders":
        _leaders(conn, args)
    elif cmd == "officers" and args.action == "reset-trust":
        commune = enrolment.commune_by_code(conn, args.commune)
        removed, unsigned = reference.reset_account_trust(conn, commune["id"])
        print(f"{args.commune}: {removed} anchors removed, {unsigned} accounts unsigned; "
              "enrol a desk of the commune with a new code, its administrator signed in")
    elif cmd == "officers":
        commune = enrolment.commune_by_code(conn, args.commune)
        for o in reference.officer_records(conn, commune["id"]):
            print(f"{o['username']}\t{o['full_name']}\t{','.join(o['roles'])}\t"
                  f"{'active' if o['active'] else 'disabled'}")
    return 0


def _leaders(conn, args) -> None:
    if args.action == "add":
        user = leaders.add_leader(conn, args.username, args.name, args.password)
        print(f"added leader {user}")
    elif args.action == "password":
        leaders.set_password(conn, args.username, args.password)
        print(f"new password set for {args.username}; its sessions ended")
    elif args.action == "disable":
        leaders.disable_leader(conn, args.username)
        print(f"disabled leader {args.username}; its sessions ended")
    else:
        for r in leaders.list_leaders(conn):
            state = f"disabled {r['disabled_at']}" if r["disabled_at"] else "active"
            until = r["locked_until"]
            locked = (f"\tlocked until {until}" if until and
                      dt.datetime.fromisoformat(until) > clock.now() else "")
            print(f"{r['username']}\t{r['full_name']}\t{state}{locked}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a clear message, never a traceback
        from counter_app.errors import CounterError, ImportRejected

        if isinstance(exc, ImportRejected):
            print(f"error: the catalogue file was rejected: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, (OSError, CounterError, UnicodeError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            print(f"error: database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}",
                  file=sys.stderr)
            return 3
        raise


if __name__ == "__main__":
    sys.exit(main())
