"""Fixtures for the learning-system integrations: the quiz fixtures they build on, an
issuer key, a certificate, and the outside systems the tests start on 127.0.0.1: a Ralph
LRS and an LTI 1.3 platform."""

import pytest
from jwcrypto import jwk

from tests.quiz.conftest import clock, exam, exam_bank, small_bank  # noqa: F401 (fixtures)
from tests.quiz.test_certificates import certificate  # noqa: F401 (fixture)

from .lrs import lrs  # noqa: F401 (fixture)
from .platform import running_platform


@pytest.fixture
def badge_key(tmp_path, settings):
    """An Ed25519 key made by jwcrypto (not the library the app signs with), switched on."""
    key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    path = tmp_path / "badges.pem"
    path.write_bytes(key.export_to_pem(private_key=True, password=None))
    settings.OPEN_BADGES_PRIVATE_KEY_FILE = str(path)
    settings.SITE_URL = "https://training.example.com"
    return key


@pytest.fixture
def platform(live_server, settings, transactional_db):
    """The test platform, running and registered with the tool, with LTI on."""
    running = running_platform(live_server.url, settings)
    try:
        yield running
    finally:
        running.stop()
