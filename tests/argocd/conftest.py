"""Fixtures: the swagger, a spec-checked fake Argo CD, clients, a throwaway CA."""
from __future__ import annotations

import datetime
import ipaddress
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from argocd_fake import FakeArgoCD  # noqa: E402
from argocd_spec import Spec  # noqa: E402

from kustguard.argocd import ArgoCD, Session  # noqa: E402


@pytest.fixture(scope="session")
def spec() -> Spec:
    return Spec()


def _check_clean(fake: FakeArgoCD) -> None:
    fake.stop()
    assert not fake.violations, "requests or responses outside the swagger:\n" + \
        "\n".join(fake.violations)
    # A real argocd-server would have refused these (415): the client broke a rule.
    assert not fake.refused, "requests argocd-server refuses:\n" + "\n".join(
        f"{r['method']} {r['path']} (Content-Type {r['content_type']!r})" for r in fake.refused)


@pytest.fixture
def fake(spec: Spec) -> Iterator[FakeArgoCD]:
    server = FakeArgoCD(spec)
    yield server
    _check_clean(server)


@pytest.fixture
def token(fake: FakeArgoCD) -> str:
    return fake.issue_token()


@pytest.fixture
def make_client(fake: FakeArgoCD):
    clients: list[ArgoCD] = []

    def make(**kwargs) -> ArgoCD:
        kwargs.setdefault("backoff", 0.01)
        kwargs.setdefault("read_timeout", 5)
        client = ArgoCD(Session(fake.url, **kwargs))
        clients.append(client)
        return client
    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client, token: str) -> ArgoCD:
    return make_client(token=token)


# -- TLS ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1, made with cryptography."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kustguard test CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                            crl_sign=True, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                              critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    pem = serialization.Encoding.PEM
    files = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    files["ca"].write_bytes(ca_cert.public_bytes(pem))
    files["cert"].write_bytes(cert.public_bytes(pem))
    files["key"].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return files


@pytest.fixture
def tls_fake(spec: Spec, tls_files) -> Iterator[FakeArgoCD]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files["cert"], tls_files["key"])
    server = FakeArgoCD(spec, tls=context)
    yield server
    _check_clean(server)
