"""Shared by the ad-platform and direct-mail tests: an action as adapters read it, the sandbox's
record of a request, and a local HTTP server standing in for a platform."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from como.channels.models import SandboxRequest
from como.workspaces.models import Workspace


@dataclass
class Action:
    """What an adapter reads of an agent action (:class:`como.channels.base.ActionLike`)."""

    workspace: Workspace
    kind: str
    payload: Any
    channel: str = ""
    pk: int = 1
    target_type: str = ""
    target_id: str = ""
    workspace_id: int = field(init=False)

    def __post_init__(self) -> None:
        self.workspace_id = int(self.workspace.pk)


def recorded(workspace: Workspace, channel: str) -> list[SandboxRequest]:
    return list(SandboxRequest.objects.filter(workspace=workspace, channel=channel).order_by("id"))


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PlatformServer:
    """A real HTTP server on 127.0.0.1 answering every request with ``answer`` (JSON)."""

    answer: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    requests: list[Received] = field(default_factory=list)

    def serve(self) -> Iterator[str]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append(
                    Received(
                        method="POST",
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=self.rfile.read(length),
                    )
                )
                data = json.dumps(outer.answer).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            host, port = server.server_address[:2]
            yield f"http://{host!s}:{port}"
        finally:
            server.shutdown()
            server.server_close()
