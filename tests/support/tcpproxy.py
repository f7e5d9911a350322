"""A TCP proxy on loopback that a test can cut or pause, to cut a server off from its database for real.

`TcpProxy(target_port).start()` listens on `port` and forwards each connection's bytes both ways to the target.
- `cut()`: the established connections are reset and new ones are refused (reset at once), until `restore()`.
- `pause()`: nothing is forwarded any more and new connections get no answer: statements wait, as on a network
  that drops every packet, until `restore()` forwards what waited.
"""

from __future__ import annotations

import socket
import struct
import threading

CHUNK = 65536


def _reset(sock: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), so the other end learns at once that the connection is gone."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._flowing = threading.Event()
        self._flowing.set()
        self._refusing = False
        self._closed = False

    def start(self) -> "TcpProxy":
        threading.Thread(target=self._accept, daemon=True, name="tcpproxy accept").start()
        return self

    def cut(self) -> None:
        with self._lock:
            self._refusing = True
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for sock in pair:
                _reset(sock)

    def pause(self) -> None:
        self._flowing.clear()

    def restore(self) -> None:
        with self._lock:
            self._refusing = False
        self._flowing.set()

    def stop(self) -> None:
        self._closed = True
        self._listener.close()
        self.cut()
        self._flowing.set()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._open, args=(client,), daemon=True, name="tcpproxy open").start()

    def _open(self, client: socket.socket) -> None:
        self._flowing.wait()  # paused: the client waits for the database's greeting
        with self._lock:
            refusing = self._refusing
        if refusing:
            _reset(client)
            return
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            _reset(client)
            return
        pair = (client, upstream)
        with self._lock:
            if self._refusing:
                _reset(client)
                _reset(upstream)
                return
            self._pairs.add(pair)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(pair, source, sink), daemon=True, name="tcpproxy pump").start()

    def _pump(self, pair, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    break
                self._flowing.wait()  # paused: what was received waits here
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            if pair not in self._pairs:
                return  # cut: already reset
            self._pairs.discard(pair)
        for sock in pair:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
