"""RFC 3161 timestamps over audit checkpoints (可信时间戳): a timestamping authority's signed word
that a checkpoint's digest existed at a given time, independent of the lender's clock and key.

A signed checkpoint shows what the lender's key holder stated; it cannot show *when*, since the
clock and the key are the lender's own: whoever holds the key can sign a backdated checkpoint of
a forged chain. A token from a third party's timestamping authority (TSA) over the checkpoint's
digest (`Checkpoint.digest()`, sha256 of the signed bytes) pins the checkpoint to the TSA's time.

Pure: asking a TSA over the network is a `Timestamper`'s job (`db.audit_timestamps`); building
the request, accepting the reply and checking a stored token need only `rfc3161_client`
(imported when used).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from fengkong.audit.checkpoint import SignedCheckpoint
from fengkong.audit.findings import Finding, Problem

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from rfc3161_client import TimeStampResponse

TIMESTAMP_CHECK = "check_checkpoint_timestamp"


class TimestampFailed(Exception):
    """No token was obtained: the TSA could not be reached, refused, or answered something that
    is not a token over the digest asked for. The message says which, for the operator."""


class Timestamper(Protocol):
    """Asks a timestamping authority for a token over `sha256(message)`; `TimestampFailed`
    when it does not get a good one."""

    def stamp(self, message: bytes) -> bytes:
        """The token (DER `TimeStampToken`, a CMS ContentInfo)."""
        ...


@dataclass(frozen=True, slots=True)
class TimestampQuery:
    """A `TimeStampReq` (DER) over sha256 of a message, with the nonce it carries."""

    der: bytes
    nonce: int


def timestamp_query(message: bytes) -> TimestampQuery:
    """A request for a token over sha256(`message`), with a fresh nonce, asking the TSA to put
    its certificate in the token (so a verifier needs only the root)."""
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    assert request.nonce is not None  # asked for above
    return TimestampQuery(request.as_bytes(), request.nonce)


def accept_reply(
    reply: bytes, query: TimestampQuery, message: bytes, roots_pem: bytes | None = None
) -> bytes:
    """The token in the TSA's `reply` (DER `TimeStampResp`) to `query`: the status is granted,
    the token stamps sha256(`message`) and echoes the query's nonce; and, given the TSA's
    `roots_pem`, its signature chains to them. `TimestampFailed` otherwise."""
    from rfc3161_client import PKIStatus, decode_timestamp_response

    try:
        response = decode_timestamp_response(reply)
    except ValueError as exc:
        raise TimestampFailed(f"the reply is not an RFC 3161 response ({exc})") from exc
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        detail = "; ".join(response.status_string) or "no reason given"
        raise TimestampFailed(f"the authority refused (status {response.status}: {detail})")
    try:
        info = response.tst_info
    except ValueError as exc:
        raise TimestampFailed(f"the reply carries no readable token ({exc})") from exc
    if info.message_imprint.message != hashlib.sha256(message).digest():
        raise TimestampFailed("the token stamps another digest than the checkpoint's")
    if info.nonce != query.nonce:
        raise TimestampFailed("the token's nonce is not the request's: a replayed reply?")
    if roots_pem is not None:
        problem = _verify(response, message, roots_pem)
        if problem is not None:
            raise TimestampFailed(f"the token does not verify: {problem}")
    return response.time_stamp_token()


def check_timestamp(
    name: str, signed: SignedCheckpoint, roots_pem: bytes | None
) -> tuple[Finding, ...]:
    """Findings for the token in checkpoint `name`, if it carries one: a note (`timestamp_ok`)
    naming the TSA's time when the token is signed by a TSA certified under `roots_pem` and
    stamps this checkpoint's digest; `bad_timestamp` when it does not, or when no roots are
    given to check it against. No findings for a checkpoint without a token."""
    token = signed.timestamp_token
    if token is None:
        return ()
    cp = signed.checkpoint

    def bad(why: str) -> tuple[Finding, ...]:
        return (Finding(TIMESTAMP_CHECK, Problem.BAD_TIMESTAMP, f"{name}: {why}", seq=cp.seq),)

    if roots_pem is None:
        return bad(
            "carries a timestamp token, but no timestamping authority is trusted here; give"
            " its certificates (audit_timestamp_ca_file, or --timestamp-ca FILE)"
        )
    from rfc3161_client import decode_timestamp_response

    try:
        response = decode_timestamp_response(_granted(token))
        at = response.tst_info.gen_time
    except ValueError as exc:
        return bad(f"the timestamp token cannot be read ({exc})")
    problem = _verify(response, cp.signed_bytes(), roots_pem)
    if problem is not None:
        return bad(f"the timestamp token does not hold for this checkpoint: {problem}")
    return (
        Finding(
            TIMESTAMP_CHECK,
            Problem.TIMESTAMP_OK,
            f"{name}: timestamped at {at.isoformat()} by a trusted timestamping authority",
            seq=cp.seq,
            informational=True,
        ),
    )


def _verify(response: TimeStampResponse, message: bytes, roots_pem: bytes) -> str | None:
    """Why `response` does not hold for `message` under `roots_pem`, or None when it does."""
    from rfc3161_client import VerificationError, VerifierBuilder

    try:
        builder = VerifierBuilder()
        for certificate in _certificates(roots_pem):
            builder = builder.add_root_certificate(certificate)
        builder.build().verify_message(response, message)
    except (VerificationError, ValueError) as exc:
        # OpenSSL's error stack is long; its "Verify error: …" is the part worth reading.
        text = str(exc)
        said = text.split("ErrorStack", 1)[0].strip().rstrip(":") or type(exc).__name__
        reason = re.search(r'Verify error: ([^"]+)', text)
        return f"{said} ({reason.group(1)})" if reason else said
    return None


def _certificates(pem: bytes) -> Sequence[Certificate]:
    from cryptography.x509 import load_pem_x509_certificates

    return load_pem_x509_certificates(pem)


def _granted(token: bytes) -> bytes:
    """A stored token wrapped back into the `TimeStampResp` it came in (status granted), which
    is what rfc3161_client reads and verifies."""
    return _der(0x30, _der(0x30, b"\x02\x01\x00") + token)


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes((tag, n)) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + body
