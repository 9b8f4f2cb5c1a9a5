"""A tiny RFC 3161 timestamping authority for tests: a self-signed root CA, a TSA certificate
under it with the timeStamping extended key usage (critical), and a handler that answers a
`TimeStampReq` with a `TimeStampResp` whose token is a CMS SignedData over a TSTInfo, built with
asn1crypto and signed with `cryptography`. `transport` serves it to httpx with no port.

`mode` makes it misbehave the ways a real one might: answer garbage, reject the request, echo
another nonce, stamp another digest, or fail with HTTP 503."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
from asn1crypto import algos, cms, core, tsp, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Mode = Literal["ok", "garbage", "reject", "wrong_nonce", "wrong_imprint", "http_error"]

POLICY = "1.3.6.1.4.1.99999.1"  # a private-arc policy OID: this authority's only policy
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _name(common_name: str) -> cx509.Name:
    return cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class FakeTsa:
    """A timestamping authority whose root certificate is `root_pem`; stamps the time `at`
    (a fixed instant unless given)."""

    def __init__(self, mode: Mode = "ok", at: datetime | None = None) -> None:
        self.mode: Mode = mode
        self.at = at or datetime(2025, 3, 31, 16, 0, 5, tzinfo=UTC)
        self.requests: list[bytes] = []
        self._serial = 0
        root_key = ec.generate_private_key(ec.SECP256R1())
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.root = (
            cx509.CertificateBuilder()
            .subject_name(_name("Test TSA Root"))
            .issuer_name(_name("Test TSA Root"))
            .public_key(root_key.public_key())
            .serial_number(1)
            .not_valid_before(_EPOCH)
            .not_valid_after(_EPOCH + timedelta(days=3650 * 3))
            .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                cx509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(root_key, hashes.SHA256())
        )
        self.certificate = (
            cx509.CertificateBuilder()
            .subject_name(_name("Test TSA"))
            .issuer_name(self.root.subject)
            .public_key(self._key.public_key())
            .serial_number(2)
            .not_valid_before(_EPOCH)
            .not_valid_after(_EPOCH + timedelta(days=3650 * 3))
            .add_extension(cx509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .sign(root_key, hashes.SHA256())
        )

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one HTTP POST of a `TimeStampReq`, as `mode` says."""
        body = request.read()
        self.requests.append(body)
        if request.headers.get("content-type") != "application/timestamp-query":
            return httpx.Response(415)
        if self.mode == "http_error":
            return httpx.Response(503, text="down for maintenance")
        if self.mode == "garbage":
            return self._reply(b"\x30\x03not a response")
        if self.mode == "reject":
            status = tsp.PKIStatusInfo({"status": "rejection", "status_string": ["bad request"]})
            # asn1crypto's TimeStampResp will not leave the token out; a rejection has none.
            inner = status.dump()
            return self._reply(b"\x30" + bytes([len(inner)]) + inner)
        return self._reply(self.respond(body))

    def _reply(self, content: bytes) -> httpx.Response:
        return httpx.Response(
            200, content=content, headers={"content-type": "application/timestamp-reply"}
        )

    def respond(self, request_der: bytes) -> bytes:
        """A granted `TimeStampResp` (DER) for `request_der`."""
        req = tsp.TimeStampReq.load(request_der)
        imprint = req["message_imprint"]
        if self.mode == "wrong_imprint":
            imprint = tsp.MessageImprint(
                {
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                    "hashed_message": hashlib.sha256(b"something else").digest(),
                }
            )
        nonce = req["nonce"].native
        if self.mode == "wrong_nonce":
            nonce = (nonce or 0) + 1
        self._serial += 1
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": POLICY,
                "message_imprint": imprint,
                "serial_number": self._serial,
                "gen_time": self.at,
                "nonce": nonce,
            }
        )
        token = self._sign(info.dump())
        granted = tsp.PKIStatusInfo({"status": "granted"})
        reply: bytes = tsp.TimeStampResp({"status": granted, "time_stamp_token": token}).dump()
        return reply

    def _sign(self, tst_info: bytes) -> cms.ContentInfo:
        cert = x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))
        ess = tsp.SigningCertificateV2(
            {
                "certs": [
                    tsp.ESSCertIDv2(
                        {
                            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                            "cert_hash": hashlib.sha256(cert.dump()).digest(),
                        }
                    )
                ]
            }
        )
        attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(tst_info).digest()]}
                ),
                cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
            ]
        )
        # The signature covers the attributes' DER as a SET (RFC 5652 §5.4), not as [0].
        signature = self._key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                            {"issuer": cert.issuer, "serial_number": cert.serial_number}
                        )
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature,
            }
        )
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": cms.EncapsulatedContentInfo(
                    {"content_type": "tst_info", "content": core.ParsableOctetString(tst_info)}
                ),
                "certificates": [cert],
                "signer_infos": [signer],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed})
