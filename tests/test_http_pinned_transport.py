import datetime
import ssl
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from smartshare import http
from tests.fakes.dns import FakeDNS
from tests.fakes.receiver import Receiver
from tests.fakes.server import free_port


@pytest.fixture
def fake_dns(monkeypatch):
    fake = FakeDNS.install(monkeypatch)
    fake.records["receiver.test"] = []
    return fake


def test_tls_verifies_url_host_name(tmp_path, fake_dns):
    certificate = write_certificate(tmp_path, "receiver.test")
    receiver = Receiver()

    with serve_tls(receiver, tmp_path) as port:
        response = post_pinned(f"https://receiver.test:{port}/hook", certificate)

    assert response.status_code == 200
    assert receiver.requests[0].headers["host"] == f"receiver.test:{port}"
    assert "receiver.test" not in fake_dns.lookups


def test_tls_rejects_certificate_for_other_name(tmp_path, fake_dns):
    certificate = write_certificate(tmp_path, "other.test")

    with (
        serve_tls(Receiver(), tmp_path) as port,
        pytest.raises(httpx.ConnectError, match="certificate verify failed"),
    ):
        post_pinned(f"https://receiver.test:{port}/hook", certificate)


def post_pinned(url: str, certificate: str) -> httpx.Response:
    verify = ssl.create_default_context(cafile=certificate)
    transport = http.PinnedTransport("127.0.0.1", verify=verify)
    with http.client(timeout=5, transport=transport) as client:
        return client.post(url, content=b"{}")


def write_certificate(folder, host_name: str) -> str:
    """Write a self-signed certificate for `host_name` and its key.

    Returns the certificate's path.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host_name)]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )

    (folder / "cert.pem").write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
    )
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(folder / "cert.pem")


@contextmanager
def serve_tls(app, folder):
    """Serve `app` over HTTPS on 127.0.0.1 with the certificate in `folder`."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(folder / "cert.pem"),
        ssl_keyfile=str(folder / "key.pem"),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"TLS test server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
