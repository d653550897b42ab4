"""Nagle off on the server's connections (counter_app/server/tcp_nodelay.py).

uvicorn's several-worker mode listens on a socket it binds with ``proto`` 0, and asyncio
then leaves Nagle on for the connections it accepts: every reply waited some 40 ms for the
client's delayed ACK. The control shows that such a socket does keep Nagle on, so the test
of ``no_delay`` can fail."""

from __future__ import annotations

import asyncio
import socket

import pytest

from counter_app.server.tcp_nodelay import no_delay


def _accepted_nodelay(fix: bool) -> int:
    """TCP_NODELAY of a connection accepted on a proto-0 listening socket (as uvicorn's
    workers get), with or without ``no_delay``."""
    async def main() -> int:
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                if fix:
                    no_delay(transport)
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        async with server:
            _reader, writer = await asyncio.open_connection(*listener.getsockname())
            value = await asyncio.wait_for(seen, 10)
            writer.close()
        return value

    return asyncio.run(main())


def test_a_connection_on_a_proto_0_socket_keeps_nagle_unless_told():
    if _accepted_nodelay(fix=False) != 0:
        pytest.skip("this Python's asyncio already turns Nagle off on such sockets")
    assert _accepted_nodelay(fix=True) != 0
