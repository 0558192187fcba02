"""A real HTTP server on 127.0.0.1 that speaks OpenAI's chat-completions protocol.

Answers come from a script (one Reply per request, the last one repeated when the script runs
out), as plain JSON or as server-sent events when the request asks to stream. Every request body
is logged, so tests can assert what reached the "provider".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer."""

    content: str | None = ""
    status: int = 200
    error: dict[str, Any] | None = None  # the JSON error body of a non-200 status
    delay: float = 0.0  # seconds before answering (a timeout when longer than the client waits)
    raw: bytes | None = None  # the message content as raw bytes, spliced into the JSON as is
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int = 100
    completion_tokens: int = 20
    respond: Callable[[Logged], str] | None = None  # an answer computed from the request


@dataclass
class Logged:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def text(self) -> str:
        """Everything the messages said, joined: what a provider would have read."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


class OpenAIServer:
    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[Logged] = []
        self._lock = threading.Lock()
        self._served = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep test output clean

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}')
                    return
                logged = Logged(self.path, body, dict(self.headers.items()))
                reply = server._next(logged)
                if reply.respond is not None:
                    reply = Reply(content=reply.respond(logged))
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    error = reply.error or {"message": f"status {reply.status}", "type": "error"}
                    self._send(reply.status, json.dumps({"error": error}).encode(), reply.headers)
                elif body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._send(200, _completion(body, reply))

            def _send(
                self, status: int, data: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in _chunks(body, reply):
                    self.wfile.write(b"data: " + chunk + b"\n\n")
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, *replies: Reply | str) -> None:
        """Script the next answers (a string is a plain successful answer)."""
        self.script = [Reply(content=r) if isinstance(r, str) else r for r in replies]
        self._served = 0

    def _next(self, logged: Logged) -> Reply:
        with self._lock:
            self.requests.append(logged)
            if not self.script:
                return Reply(content="")
            reply = self.script[min(self._served, len(self.script) - 1)]
            self._served += 1
            return reply

    def start(self) -> OpenAIServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _content_json(reply: Reply) -> bytes:
    if reply.raw is not None:
        return b'"' + reply.raw + b'"'
    return json.dumps(reply.content).encode()


def _completion(body: dict[str, Any], reply: Reply) -> bytes:
    message = b'{"role": "assistant", "content": ' + _content_json(reply) + b"}"
    head = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "usage": _usage(reply),
    }
    # The content may be raw (invalid UTF-8) bytes: build the JSON around it by hand.
    return (
        json.dumps(head)[:-1].encode()
        + b', "choices": [{"index": 0, "finish_reason": "stop", "message": '
        + message
        + b"}]}"
    )


def _chunks(body: dict[str, Any], reply: Reply) -> Iterator[bytes]:
    head = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
    }
    prefix = json.dumps(head)[:-1].encode()
    yield prefix + b', "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}'
    if reply.raw is not None:
        pieces = [reply.raw]
    else:
        text = reply.content or ""
        pieces = [json.dumps(text[i : i + 40]).encode()[1:-1] for i in range(0, len(text), 40)]
    for piece in pieces:
        yield prefix + b', "choices": [{"index": 0, "delta": {"content": "' + piece + b'"}}]}'
    usage = json.dumps(_usage(reply)).encode()
    yield (
        prefix
        + b', "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": '
        + usage
        + b"}"
    )
