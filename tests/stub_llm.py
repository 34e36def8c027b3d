"""A stub OpenAI-compatible chat server on loopback that always replies with one fixed text (streamed in small pieces,
or whole). The `openai` engine talks to it through the real openai SDK and HTTP, so a test can plant exactly what an
LLM says and watch what Newsdesk's verification does with it (issue 20: a fluent sentence that flips its source)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STUB_MODEL = "stub-flipper"
PIECE_CHARS = 7  # stream the reply in pieces this long, as a real server streams tokens


class StubChatServer:
    """`with StubChatServer("reply [1].") as stub:` -> stub.base_url ('http://127.0.0.1:PORT/v1'); stub.requests holds
    every chat request body received."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": STUB_MODEL, "object": "model", "created": 0}]})
                else:
                    self._json(404, {"error": {"message": "no route"}})

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": "no route"}})
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                stub.requests.append(body)
                base = {"id": "chatcmpl-stub", "created": int(time.time()), "model": body.get("model", STUB_MODEL)}
                if not body.get("stream"):
                    message = {"role": "assistant", "content": stub.reply}
                    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
                    self._json(200, {**base, "object": "chat.completion", "usage": usage,
                                     "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})  # fmt: skip
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = [stub.reply[i : i + PIECE_CHARS] for i in range(0, len(stub.reply), PIECE_CHARS)]
                deltas = [{"role": "assistant", "content": ""}, *({"content": p} for p in pieces)]
                for k, delta in enumerate([*deltas, {}]):
                    finish = "stop" if k == len(deltas) else None
                    chunk = {**base, "object": "chat.completion.chunk",
                             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StubChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
