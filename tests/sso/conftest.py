"""Real identity providers on 127.0.0.1, started once per test session in their own process."""

import datetime
import os
import random
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import Group, Permission
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor

from sharedresp.roles import grant_role_permissions
from sharedresp.settings import saml_config

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "sharedresp-tests"
CLIENT_SECRET = "not-a-real-secret-only-for-tests"
TEST_CALLBACK = "http://testserver/accounts/oidc/callback/"
# username, password, email, name, provider groups
PEOPLE = [
    ("fran", "fran-idp-pass-1", "Fran.Okafor@Example.com", "Fran Okafor", "facilitators"),
    ("mona", "mona-idp-pass-2", "mona@example.com", "Mona Manager", "managers|everyone"),
    ("lee", "lee-idp-pass-3", "lee@example.com", "Lee Learner", "everyone"),
]
GROUP_ROLES = {"facilitators": "Facilitator", "managers": "Manager"}


def free_port() -> int:
    """A free port in this project's test range (8700-8799), else any free port. Taken
    at random, so parallel test workers rarely try the same one."""
    for port in [*random.sample(range(8701, 8800), 99), 0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def wait_for(port: int, process: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the provider stopped")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("the provider did not start")


@dataclass
class OIDCProvider:
    url: str
    database: Path

    def allow_redirect(self, uri: str) -> None:
        with sqlite3.connect(self.database) as db:
            db.execute(
                "UPDATE oauth2_provider_application SET redirect_uris = redirect_uris || ' ' || ?",
                [uri],
            )

    def settings(self) -> dict:
        return {
            "OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/o/authorize/",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/o/token/",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/o/userinfo/",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/o/.well-known/jwks.json",
            "SSO_LABEL": "Example Corp",
            "SSO_GROUP_ROLES": GROUP_ROLES,
        }


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    database = tmp_path_factory.mktemp("oidc-idp") / "idp.sqlite3"
    for _attempt in range(3):  # another worker may take the port between probe and bind
        port = free_port()
        log = database.with_name("idp.log")
        process = start_provider(port, database, pem, log)
        try:
            wait_for(port, process)
            break
        except RuntimeError:
            process.terminate()
            process.wait(timeout=10)
            database.unlink(missing_ok=True)
    else:
        raise RuntimeError("the OpenID Connect provider did not start")
    try:
        yield OIDCProvider(f"http://127.0.0.1:{port}", database)
    finally:
        process.terminate()
        process.wait(timeout=10)


def start_provider(port: int, database: Path, pem: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "IDP_PORT": str(port),
        "IDP_DATABASE": str(database),
        "IDP_PRIVATE_KEY": pem,
        "IDP_CLIENT_ID": CLIENT_ID,
        "IDP_CLIENT_SECRET": CLIENT_SECRET,
        "IDP_REDIRECT_URI": TEST_CALLBACK,
        "IDP_PEOPLE": ";".join(":".join(person) for person in PEOPLE),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.sso.oidc_idp.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: nobody reads a pipe while the server logs each request.
        stderr=log.open("w"),
    )


def switched_on(provider, settings, backend):
    """Point the settings at a test provider and sign in through its backend."""
    grant_role_permissions(Group, Permission)  # gone after a transactional test's flush
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = ["sharedresp.backends.OneQueryModelBackend", backend]
    return provider


@pytest.fixture
def oidc(oidc_provider, settings):
    """Single sign-on switched on and pointed at the test provider."""
    return switched_on(oidc_provider, settings, "sharedresp.sso.CompanyOIDCBackend")


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A key and certificate for the SAML provider to sign its assertions with."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Corp test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "idp.key", directory / "idp.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@dataclass
class SAMLProvider:
    site_url: str
    metadata: Path

    def settings(self) -> dict:
        return {
            "SAML_ENABLED": True,
            "SAML_CONFIG": saml_config(self.site_url, str(self.metadata)),
            "SAML_LABEL": "Example Corp (SAML)",
            "SSO_GROUP_ROLES": GROUP_ROLES,
        }


@pytest.fixture(scope="session")
def saml_provider(tmp_path_factory, live_server):
    """pysaml2's identity provider, knowing the live server as its service provider."""
    directory = tmp_path_factory.mktemp("saml-idp")
    key, cert = self_signed(directory)
    sp_config = saml_config(live_server.url, "")
    del sp_config["metadata"]
    sp_metadata = directory / "sp.xml"
    sp_metadata.write_text(str(entity_descriptor(SPConfig().load(sp_config))))
    idp_metadata = directory / "idp.xml"
    for _attempt in range(3):  # another worker may take the port between probe and bind
        port = free_port()
        env = {
            **os.environ,
            "IDP_PORT": str(port),
            "IDP_KEY": str(key),
            "IDP_CERT": str(cert),
            "IDP_SP_METADATA": str(sp_metadata),
            "IDP_METADATA_OUT": str(idp_metadata),
            "IDP_PEOPLE": ";".join(":".join(person) for person in PEOPLE),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.sso.saml_idp.serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(directory / "idp.log").open("w"),
        )
        try:
            wait_for(port, process)
            break
        except RuntimeError:
            process.terminate()
            process.wait(timeout=10)
    else:
        raise RuntimeError("the SAML identity provider did not start")
    try:
        yield SAMLProvider(live_server.url, idp_metadata)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def saml(saml_provider, settings):
    """SAML single sign-on switched on and pointed at the test provider."""
    return switched_on(saml_provider, settings, "sharedresp.sso.CompanySaml2Backend")
