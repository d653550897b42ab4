"""Rendering the leaders' dashboard: Jinja2 (autoescaped) templates, Vietnamese formats
(dd/mm/yyyy, 1.234, 87,5%), security headers on every reply, gzip for slow links, and the
one stylesheet under a content-hashed URL so browsers keep it for a year."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from counter_app.domain.vn_numbers import decimal, thousands
from counter_app.server import clock

HERE = Path(__file__).parent
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer"}
GZIP_ABOVE = 1024
CSS = (HERE / "static" / "dashboard.css").read_bytes()
CSS_GZIP = zlib.compress(CSS, 9, wbits=31)
CSS_URL = f"/dashboard/static/dashboard.css?v={hashlib.sha256(CSS).hexdigest()[:12]}"


def num(value: int | None) -> str:
    """1234567 -> "1.234.567" (Vietnamese thousands separator)."""
    return "—" if value is None else thousands(value)


def pct(rate: float | None) -> str:
    """0.875 -> "87,5%"; 1.0 -> "100%"; None -> "—"."""
    if rate is None:
        return "—"
    text = decimal(rate * 100)
    return (text[:-2] if text.endswith(",0") else text) + "%"


def size(n: int | None) -> str:
    """A file's size: "850 byte", "12 KB", "1,4 MB" (1 KB = 1024 bytes)."""
    if n is None:
        return "—"
    if n < 1024:
        return f"{n} byte"
    if n < 1024 * 1024:
        return f"{num(round(n / 1024))} KB"
    text = decimal(n / (1024 * 1024))
    return (text[:-2] if text.endswith(",0") else text) + " MB"


def _moment(value) -> dt.datetime | dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(clock.now().tzinfo)  # shown in the server's local time
    return value


def dmy(value) -> str:
    moment = _moment(value)
    return f"{moment:%d/%m/%Y}" if moment else "—"


def dmyhm(value) -> str:
    moment = _moment(value)
    return f"{moment:%d/%m/%Y %H:%M}" if moment else "—"


def ago(value: dt.datetime | None, now: dt.datetime) -> str:
    """How long ago, in Vietnamese: "5 phút trước", "3 giờ trước", "4 ngày trước"."""
    if value is None:
        return "chưa lần nào"
    minutes = int((now - value).total_seconds() // 60)
    if minutes < 1:
        return "vừa xong"
    if minutes < 60:
        return f"{minutes} phút trước"
    if minutes < 24 * 60:
        return f"{minutes // 60} giờ trước"
    return f"{num(minutes // (24 * 60))} ngày trước"


def offset(seconds: float | None) -> str:
    """A desk clock's offset (server time minus desk time) in words."""
    if seconds is None:
        return "—"
    size = abs(seconds)
    amount = f"{round(size)} giây" if size < 120 else (
        f"{round(size / 60)} phút" if size < 7200 else f"{num(round(size / 3600))} giờ")
    if size < 1:
        return "khớp"
    return f"chậm {amount}" if seconds > 0 else f"nhanh {amount}"


ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                  trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
ENV.filters.update(num=num, pct=pct, dmy=dmy, dmyhm=dmyhm, offset=offset, size=size)
ENV.globals.update(ago=ago, css_url=CSS_URL)


def _finish(response: Response, request: Request, private: bool = True) -> Response:
    response.headers.update(SECURITY)
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response


def page(request: Request, template: str, status: int = 200, **context) -> Response:
    """An HTML page (gzip when the browser takes it), never stored by any cache."""
    body = ENV.get_template(template).render(**context).encode("utf-8")
    headers = {"Vary": "Accept-Encoding"}
    if len(body) >= GZIP_ABOVE and "gzip" in request.headers.get("accept-encoding", "").lower():
        packer = zlib.compressobj(6, zlib.DEFLATED, 31)
        body = packer.compress(body) + packer.flush()
        headers["Content-Encoding"] = "gzip"
    return _finish(Response(body, status, headers, "text/html; charset=utf-8"), request)


def redirect(request: Request, url: str) -> Response:
    return _finish(RedirectResponse(url, 303), request)


def stylesheet(request: Request) -> Response:
    """The stylesheet: its URL changes with its content, so it may be kept a year."""
    etag = f'"{CSS_URL.rsplit("=", 1)[1]}"'
    if request.headers.get("if-none-match") == etag:
        response = Response(status_code=304, headers={"ETag": etag})
    else:
        headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable",
                   "Vary": "Accept-Encoding"}
        body = CSS
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            body, headers["Content-Encoding"] = CSS_GZIP, "gzip"
        response = Response(body, media_type="text/css; charset=utf-8", headers=headers)
    return _finish(response, request, private=False)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/dashboard", httponly=True,
                        samesite="strict", secure=is_https(request))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/dashboard", httponly=True, samesite="strict",
                           secure=is_https(request))
