"""The district leaders' web dashboard (server-rendered, read-only, no JavaScript):

- ``/dashboard`` overview of a period: per commune received, resolved, on-time rate, open,
  overdue, and when its desks last synchronised; and the flows of dossiers received by one
  unit for another (receiving commune → competent unit);
- ``/dashboard/overdue`` the dossiers overdue now, to chase (paged);
- ``/dashboard/desks`` every desk and when it last synchronised;
- ``/dashboard/report`` form II.06a as a table;
- ``/dashboard/dossier`` one dossier (by ``id``, or by ``code`` typed in): its checklist,
  which documents are digitised, and its digitised files to download
  (dashboard_documents.py serves the files, and the district API's list of them);
- ``/dashboard/sign-in``, ``/dashboard/sign-out`` (the only requests that write).

The overview also shows each unit's digitisation in the period (reports/digitisation.py):
digitised at reception, results digitised, documents reused.

Every page but the sign-in form needs a session (dashboard_auth.py); pages only read, in
one consistent read transaction each.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from counter_app.errors import ValidationError
from counter_app.reports.periods import Period, parse_period
from counter_app.server import clock, dashboard_documents, database
from counter_app.server import dashboard_auth as auth
from counter_app.server import dashboard_data as data
from counter_app.server import dashboard_view as view
from counter_app.server.sign_in_throttle import client_key

SIGN_IN = "/dashboard/sign-in"
MAX_FORM = 8 * 1024
SORTS = ("rate", "name", "overdue")  # worst on-time rate first (default), by name, most overdue
PERIOD_HELP = "Ví dụ: 2026-10 (tháng), 2026-Q3 (quý), 2026-H1 (6 tháng), 2026 (năm)"


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: a dashboard page of this server, nothing else."""
    if (value and (value == "/dashboard" or value.startswith(("/dashboard/", "/dashboard?")))
            and not value.startswith(SIGN_IN)
            and "\\" not in value and all(ch.isprintable() for ch in value)):
        return value
    return "/dashboard"


def _clean(params: QueryParams) -> QueryParams:
    """The query without NUL characters (PostgreSQL text cannot hold them)."""
    return QueryParams([(k, v.replace("\x00", "")) for k, v in params.multi_items()])


def _period(params: QueryParams, now: dt.datetime) -> tuple[Period, str, str]:
    """The asked period (default: this month), its text, and an error message if bad."""
    text = (params.get("period") or "").strip()[:20]
    if text:
        try:
            return parse_period(text), text, ""
        except ValidationError as exc:
            error = exc.errors.get("period", "Kỳ báo cáo không hợp lệ.")
            default = f"{now:%Y-%m}"
            return parse_period(default), default, f"{error} Đang hiển thị tháng này."
    return parse_period(f"{now:%Y-%m}"), f"{now:%Y-%m}", ""


def _quick(now: dt.datetime) -> list[tuple[str, str]]:
    """Links to the periods asked most: this month, last month, this quarter, this year."""
    last = now.replace(day=1) - dt.timedelta(days=1)
    return [("Tháng này", f"{now:%Y-%m}"), ("Tháng trước", f"{last:%Y-%m}"),
            ("Quý này", f"{now.year}-Q{(now.month - 1) // 3 + 1}"), ("Năm nay", f"{now.year}")]


def _int(params: QueryParams, name: str, default: int, lo: int, hi: int) -> int:
    value = params.get(name, "")
    plain = value.isascii() and value.isdigit() and len(value) < 10  # not "²", "①"
    return min(max(int(value), lo), hi) if plain else default


def _communes(conn, params: QueryParams) -> tuple[str, list, str]:
    choices = data.commune_choices(conn)
    code = (params.get("commune") or "").strip()[:64]
    if code and code not in {c for c, _ in choices}:
        return "", choices, f"Không có xã mã “{code}”: đang hiển thị tất cả các xã."
    return code, choices, ""


def _overview(conn, params: QueryParams, now: dt.datetime) -> tuple[str, dict]:
    period, text, error = _period(params, now)
    sort = params.get("sort") if params.get("sort") in SORTS else "rate"
    counted = data.as_of(period, now.date())
    lines, district = data.overview(conn, counted, now, sort)
    digitised, digitised_total = data.digitisation(conn, counted)
    return "overview.html", dict(
        title="Tổng quan", period=period, counted=counted, period_text=text, error=error,
        lines=lines, district=district, flows=data.flows(conn, counted), sort=sort,
        digitised=digitised, digitised_total=digitised_total,
        stale_days=data.STALE_DAYS,
        stale=sum(1 for x in lines if x.stale), help=PERIOD_HELP, quick=_quick(now), red=data.RED_BELOW,
        amber=data.AMBER_BELOW)


def _overdue(conn, params: QueryParams, now: dt.datetime) -> tuple[str, dict]:
    commune, choices, error = _communes(conn, params)
    page = _int(params, "page", 1, 1, 10**6)
    rows, total, page = data.overdue(conn, now.date(), commune or None, page)
    pages = max(1, -(-total // data.PAGE))
    return "overdue.html", dict(
        title="Hồ sơ đang quá hạn", rows=rows, total=total, page=page, pages=pages,
        commune=commune, choices=choices, error=error)


def _desks(conn, params: QueryParams, now: dt.datetime) -> tuple[str, dict]:
    days = _int(params, "days", data.STALE_DAYS, 1, 365)
    desks = data.desks(conn, now, days)
    return "desks.html", dict(
        title="Máy trạm đồng bộ", desks=desks, days=days, error="",
        stale=sum(1 for d in desks if d.stale), offset_warn=data.OFFSET_WARN_S // 60)


def _report(conn, params: QueryParams, now: dt.datetime) -> tuple[str, dict]:
    period, text, error = _period(params, now)
    commune, choices, bad_commune = _communes(conn, params)
    by_procedure = params.get("by") == "procedure"
    counted = data.as_of(period, now.date())
    report, name = data.report(conn, counted, by_procedure, commune or None)
    return "report.html", dict(
        title="Biểu II.06a", report=report, period=period, counted=counted, period_text=text,
        commune=commune, commune_name=name, choices=choices, by_procedure=by_procedure,
        error=" ".join(e for e in (error, bad_commune) if e), help=PERIOD_HELP,
        quick=_quick(now))


def _dossier(conn, params: QueryParams, now: dt.datetime) -> tuple[str, dict]:
    """One dossier by ``id`` (the overdue list links it) or by ``code`` (typed in)."""
    dossier_id = (params.get("id") or "").strip()[:64]
    code = (params.get("code") or "").strip()[:64]
    shown, matches, error, status = None, [], "", 200
    if dossier_id:
        shown = data.dossier_page(conn, dossier_id)
    elif code:
        matches = data.dossier_matches(conn, code)
        if len(matches) == 1:
            shown = data.dossier_page(conn, matches[0]["id"])
    if shown is None and (dossier_id or (code and not matches)):
        error, status = (f"Máy chủ không có hồ sơ mã “{code}”." if code else
                         "Máy chủ không có hồ sơ này."), 404
    title = f"Hồ sơ {shown['dossier']['code']}" if shown else "Tra cứu hồ sơ"
    return "dossier.html", dict(
        title=title, shown=shown, matches=matches if len(matches) > 1 else [],
        code=shown["dossier"]["code"] if shown else code, error=error, status=status)


Work = Callable[..., tuple[str, dict]]


def _guarded(work: Work, here: str):
    """A page that needs a signed-in leader; the sign-in form otherwise."""
    def endpoint(request: Request) -> Response:  # sync: Starlette runs it in the thread pool
        now = clock.now()
        with database.reading(request.app.state.engine) as conn:
            leader = auth.current(conn, request.cookies.get(auth.COOKIE))
            if leader is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query
                                             else "")
                return view.redirect(request, f"{SIGN_IN}?next={quote(target, safe='')}")
            template, context = work(conn, _clean(request.query_params), now)
        status = context.pop("status", None) or (400 if context.get("error") else 200)
        return view.page(request, template, status,
                         leader=leader, read_at=now, now=now, here=here, **context)
    return endpoint


def _sign_in_form(request: Request, message: str = "", status: int = 200,
                  username: str = "", next_url: str = "/dashboard") -> Response:
    token = request.cookies.get(auth.CSRF_COOKIE) or ""
    if not (20 <= len(token) <= 100):
        token = secrets.token_urlsafe(32)
    notice = "Đã đăng xuất." if request.query_params.get("out") == "1" and not message else ""
    response = view.page(request, "sign_in.html", status, title="Đăng nhập", leader=None,
                         narrow=True,
                         read_at=None, here="", error=message, notice=notice,
                         username=username, next_url=next_url, csrf=token)
    view.set_cookie(response, request, auth.CSRF_COOKIE, token, None)
    return response


def _sign_in_page(request: Request) -> Response:
    with database.reading(request.app.state.engine) as conn:
        signed_in = auth.current(conn, request.cookies.get(auth.COOKIE)) is not None
    next_url = _safe_next(request.query_params.get("next"))
    if signed_in:
        return view.redirect(request, next_url)
    return _sign_in_form(request, next_url=next_url)


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form of a few fields (no multipart), at most 8 KB."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in fields.items()}


def _routes_with(throttle: auth.Throttle) -> list[Route]:
    async def sign_in(request: Request) -> Response:
        fields = await _form(request)
        username, next_url = fields.get("username", "")[:64], _safe_next(fields.get("next"))
        if not auth.same(fields.get("csrf"), request.cookies.get(auth.CSRF_COOKIE)):
            return _sign_in_form(request, "Phiên của biểu mẫu đã hết hạn: vui lòng nhập lại.",
                                 400, username, next_url)
        client = client_key(request.client.host if request.client else None)
        outcome = await run_in_threadpool(auth.sign_in, request.app.state.engine, throttle,
                                          client, username, fields.get("password", ""))
        if outcome.token is None:
            response = _sign_in_form(request, outcome.message, outcome.status, username,
                                     next_url)
            if outcome.retry_after:
                response.headers["Retry-After"] = str(outcome.retry_after)
            return response
        response = view.redirect(request, next_url)
        view.set_cookie(response, request, auth.COOKIE, outcome.token,
                        auth.SESSION_HOURS * 3600)
        view.clear_cookie(response, request, auth.CSRF_COOKIE)
        return response

    async def sign_out(request: Request) -> Response:
        fields = await _form(request)
        cookie = request.cookies.get(auth.COOKIE)
        if cookie and not auth.same(fields.get("csrf"), auth.csrf_for(cookie)):
            return view.redirect(request, "/dashboard")  # not this session's own form
        await run_in_threadpool(auth.sign_out, request.app.state.engine, cookie)
        response = view.redirect(request, f"{SIGN_IN}?out=1")
        view.clear_cookie(response, request, auth.COOKIE)
        return response

    return [
        Route("/dashboard", _guarded(_overview, "overview"), methods=["GET"]),
        Route("/dashboard/overdue", _guarded(_overdue, "overdue"), methods=["GET"]),
        Route("/dashboard/desks", _guarded(_desks, "desks"), methods=["GET"]),
        Route("/dashboard/report", _guarded(_report, "report"), methods=["GET"]),
        Route("/dashboard/dossier", _guarded(_dossier, "dossier"), methods=["GET"]),
        *dashboard_documents.routes(),
        Route(SIGN_IN, _sign_in_page, methods=["GET"]),
        Route(SIGN_IN, sign_in, methods=["POST"]),
        Route("/dashboard/sign-out", sign_out, methods=["POST"]),
        Route("/dashboard/static/dashboard.css", view.stylesheet, methods=["GET"]),
    ]


def routes() -> list[Route]:
    """The dashboard's routes, with their own memory of failed sign-ins (per client address,
    and of unknown names)."""
    return _routes_with(auth.Throttle())
