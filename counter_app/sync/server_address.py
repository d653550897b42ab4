"""The sync server's address as the administrator types it: checked, and ``http://`` only
where it is safe enough (no httpx here: the window imports this at start)."""

from __future__ import annotations

import ipaddress
import urllib.parse

from counter_app.domain.text import clean
from counter_app.errors import ValidationError


def is_lan_host(host: str) -> bool:
    """A host only a local network can mean: a private, loopback or link-local address,
    ``localhost``, or a name without a dot (a machine name on the office network). A public
    name or address is never one, whatever it resolves to today."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host == "localhost" or ("." not in host and bool(host))
    return address.is_private or address.is_loopback or address.is_link_local


def normalise_url(url: str, allow_http: bool = False) -> str:
    """The server's address, checked. ``http://`` sends the token and the citizens' data
    unencrypted: refused unless the administrator allows it explicitly (``allow_http``), and
    then only for a local-network address."""
    text = clean(url).rstrip("/")
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Địa chỉ máy chủ phải có dạng https://ten-may-chu "
                                      "(hoặc http:// trong mạng nội bộ)."})
    if parts.scheme == "http" and not (allow_http and is_lan_host(parts.hostname)):
        raise ValidationError({"url": HTTP_REFUSED if not allow_http else HTTP_NOT_LAN})
    return text


HTTP_REFUSED = ("Địa chỉ http:// không mã hóa: mã thiết bị và dữ liệu của công dân có thể bị "
                "đọc trộm trên đường truyền. Hãy dùng https://; chỉ trong mạng nội bộ, người "
                "quản trị mới có thể cho phép http:// một cách rõ ràng.")
HTTP_NOT_LAN = ("Chỉ cho phép http:// với máy chủ trong mạng nội bộ (địa chỉ 10.x, 172.16–31.x, "
                "192.168.x hoặc tên máy không có dấu chấm). Máy chủ trên Internet phải dùng "
                "https://.")
