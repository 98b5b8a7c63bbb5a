"""One clock for a probe's connection: when the time is up it shuts the socket down, whatever waits on it.

A per-read socket timeout does not bound a server that drips a byte at a time; shutting the socket
down wakes any blocked connect, TLS handshake, send or read at once. The watchdog follows the
socket it guards (``guard``: a TLS socket replaces the plain one), and ``settle`` says without a
race whether the time ran out before the work finished: either the work settled first and the
socket is never touched, or the watchdog fired first and whatever was read since is cut off.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class Watchdog:
    """Shuts ``sock`` down after ``seconds`` unless settled first; ``fired`` says whether it did."""

    def __init__(self, sock: socket.socket, seconds: float):
        self._sock = sock
        self._lock = threading.Lock()
        self._settled = False
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def guard(self, sock: socket.socket) -> None:
        """Watch ``sock`` from now on (the TLS socket wrapping the plain one); shut it down if already fired."""
        with self._lock:
            self._sock = sock
            fired = self.fired
        if fired:
            _shut(sock)

    def settle(self) -> bool:
        """Stop the clock; True when the time ran out before this call (the work was cut off)."""
        with self._lock:
            self._settled = True
        self._timer.cancel()
        return self.fired

    def _fire(self) -> None:
        with self._lock:
            if self._settled:
                return
            self.fired = True
            sock = self._sock
        _shut(sock)


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, even on a TLS socket: the descriptor is shut, the TLS state left to its reader
    with contextlib.suppress(OSError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
