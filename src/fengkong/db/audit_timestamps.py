"""`HttpTimestamper`: the `audit.timestamp.Timestamper` that asks an RFC 3161 timestamping
authority over HTTP (a `TimeStampReq` POSTed as `application/timestamp-query`, RFC 3161 §3.4)
for a token over a checkpoint's digest. Beside the checkpoint files it stamps
(`db.audit_checkpoints`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fengkong.audit.timestamp import TimestampFailed, accept_reply, timestamp_query

if TYPE_CHECKING:
    import httpx


class HttpTimestamper:
    """Asks the TSA at `url`, once, within `timeout` seconds; a TSA that is down costs the
    checkpoint its token, never the checkpoint (the writer keeps it without one). Given
    `ca_file` (the TSA's root and intermediate certificates, PEM), the token's signature is
    checked against it before it is kept. `transport` replaces the network (tests)."""

    def __init__(
        self,
        url: str,
        *,
        ca_file: Path | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.ca_file = ca_file
        self.timeout = timeout
        self.transport = transport

    def stamp(self, message: bytes) -> bytes:
        import httpx  # only a deployment that timestamps loads the HTTP client

        query = timestamp_query(message)
        roots = self._roots()
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                reply = client.post(
                    self.url,
                    content=query.der,
                    headers={
                        "content-type": "application/timestamp-query",
                        "accept": "application/timestamp-reply",
                    },
                )
        except httpx.HTTPError as exc:
            raise TimestampFailed(f"{self.url}: {type(exc).__name__}: {exc}") from exc
        if reply.status_code != 200:
            raise TimestampFailed(f"{self.url} answered HTTP {reply.status_code}")
        try:
            return accept_reply(reply.content, query, message, roots)
        except TimestampFailed as exc:
            raise TimestampFailed(f"{self.url}: {exc}") from exc

    def _roots(self) -> bytes | None:
        if self.ca_file is None:
            return None
        try:
            return self.ca_file.read_bytes()
        except OSError as exc:
            raise TimestampFailed(f"audit_timestamp_ca_file: {exc}") from exc
