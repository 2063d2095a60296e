"""Loaded at start-up by the child processes of the service tests (this directory is
put first on their ``PYTHONPATH``): a connection or name lookup that is not to this
machine is refused before it leaves, and written to ``$READINGLIST_TEST_NETLOG``, so
the parent test fails on it even when the child swallowed the error."""

from __future__ import annotations

import os
import socket
from typing import Any

_LOG = os.environ.get("READINGLIST_TEST_NETLOG", "")
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def _refuse(what: str) -> None:
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(what + "\n")


if _LOG:
    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo

    def _check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in _LOOPBACK:
            _refuse(f"connect {address!r}")
            raise ConnectionRefusedError(f"network blocked in tests: {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        _check(self, address)
        _connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(self, address)
        return _connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in _LOOPBACK:
            _refuse(f"getaddrinfo {name!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"network blocked in tests: {name!r}")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
