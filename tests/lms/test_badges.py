"""Open Badges 3.0: each certificate as a signed credential, checked by jwcrypto.

The app signs with `cryptography`; these tests verify with jwcrypto, against the public
key the site publishes, as an outside verifier would.
"""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import checks
from jwcrypto import jwk, jws, jwt

from quiz.models import Certificate
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def download(client, certificate):
    return client.get(f"/certificates/{certificate.code}/badge.jwt")


def published_keys(client) -> jwk.JWKSet:
    response = client.get("/badges/jwks.json")
    assert response.status_code == 200
    return jwk.JWKSet.from_json(response.content)


def verified_claims(token: str, keys: jwk.JWKSet) -> dict:
    """The claims, if the key the header names (from the published set) signed them."""
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    key = keys.get_key(header["kid"])
    assert key is not None, header
    checked = jwt.JWT(
        jwt=token,
        key=key,
        algs=["EdDSA"],
        check_claims={"iss": "https://training.example.com/badges/issuer.json"},
    )
    return json.loads(checked.claims)


def test_a_learner_downloads_a_credential_anyone_can_verify(
    certificate, client, learner, badge_key, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_assert_max_num_queries(4):
        response = download(client, certificate)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert f'filename="sharedresp-{certificate.code}.jwt"' in response["Content-Disposition"]
    token = response.content.decode()

    client.logout()  # the verifier is anyone
    keys = published_keys(client)
    assert keys.get_key(badge_key.thumbprint()) is not None
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "EdDSA"
    assert header["kid"] == badge_key.thumbprint()
    credential = verified_claims(token, keys)

    assert credential["@context"][:2] == [VC_CONTEXT, OB_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["jti"] == credential["id"]
    assert credential["id"].startswith("urn:uuid:")
    issuer = credential["issuer"]
    assert issuer["type"] == ["Profile"]
    assert issuer["id"] == "https://training.example.com/badges/issuer.json"
    profile = client.get("/badges/issuer.json").json()
    assert profile["id"] == issuer["id"]
    assert profile["type"] == ["Profile"]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == certificate.course_title
    assert achievement["criteria"]["narrative"]
    names = [i["identityHash"] for i in subject["identifier"] if i["identityType"] == "name"]
    assert names == ["Alice Learner"]
    assert "alice@example.com" not in token
    assert "alice@example.com" not in json.dumps(credential)
    assert credential["validFrom"].startswith(f"{certificate.issued_at:%Y-%m-%d}")
    assert credential["nbf"] == int(certificate.issued_at.timestamp())
    assert credential["exp"] == int(certificate.expires_at.timestamp())

    status_url = credential["credentialStatus"]["id"]
    assert credential["credentialStatus"]["type"] == "1EdTechRevocationList"
    status = client.get(urlsplit(status_url).path).json()
    assert status["status"] == "valid"
    assert status["revokedCredentials"] == []


def test_a_tampered_credential_fails_verification(certificate, client, learner, badge_key):
    client.force_login(learner)
    token = download(client, certificate).content.decode()
    keys = published_keys(client)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jws.InvalidJWSSignature):
        verified_claims(f"{header}.{forged}.{signature}", keys)
    # Signed with some other Ed25519 key: the published one does not accept it either.
    other = jwk.JWK.generate(kty="OKP", crv="Ed25519", kid=badge_key.thumbprint())
    impostor = jwt.JWT(header={"alg": "EdDSA", "kid": badge_key.thumbprint()}, claims=claims)
    impostor.make_signed_token(other)
    with pytest.raises(jws.InvalidJWSSignature):
        verified_claims(impostor.serialize(), keys)
    # The real one still verifies: the failures above are the tampering, not the test.
    assert verified_claims(token, keys)["id"] == claims["id"]


def test_a_revoked_certificate_says_revoked_in_its_status(
    certificate, client, learner, badge_key, staff
):
    client.force_login(learner)
    credential = verified_claims(
        download(client, certificate).content.decode(), published_keys(client)
    )
    certificate.revoke(staff, "Exam taken by someone else")
    status = client.get(urlsplit(credential["credentialStatus"]["id"]).path).json()
    assert status["status"] == "revoked"
    assert status["revokedCredentials"] == [{"id": credential["id"]}]
    assert "someone else" not in json.dumps(status)  # the reason stays on the site
    # No new credential for it, and the page offers none.
    assert download(client, certificate).status_code == 404
    page = client.get(f"/certificates/{certificate.code}/print")
    assert "badge.jwt" not in page.text


def test_the_certificate_page_offers_the_download_once_configured(
    certificate, client, learner, settings, tmp_path, django_assert_max_num_queries
):
    client.force_login(learner)
    url = f"/certificates/{certificate.code}/print"
    settings.OPEN_BADGES_PRIVATE_KEY_FILE = ""
    assert "badge.jwt" not in client.get(url).text
    for path in ["/badges/jwks.json", "/badges/issuer.json", f"/badges/status/{certificate.code}"]:
        assert client.get(path).status_code == 404, path
    assert download(client, certificate).status_code == 404

    key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    (tmp_path / "key.pem").write_bytes(key.export_to_pem(private_key=True, password=None))
    settings.OPEN_BADGES_PRIVATE_KEY_FILE = str(tmp_path / "key.pem")
    with django_assert_max_num_queries(6):
        page = client.get(url)
    assert f'href="/certificates/{certificate.code}/badge.jwt"' in page.text
    assert "Download as an Open Badge" in page.text


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        (None, "cannot be read"),
        (b"not a key at all", "not an unencrypted PEM private key"),
        ("rsa", "not an Ed25519 key"),
    ],
    ids=["missing", "garbage", "rsa"],
)
def test_a_broken_key_hides_the_badge_and_tells_staff(
    certificate, client, learner, staff, settings, tmp_path, contents, message
):
    path = tmp_path / "badges.pem"
    if contents == "rsa":
        contents = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(
            private_key=True, password=None
        )
    if contents is not None:
        path.write_bytes(contents)
    settings.OPEN_BADGES_PRIVATE_KEY_FILE = str(path)

    client.force_login(learner)
    page = client.get(f"/certificates/{certificate.code}/print")
    assert page.status_code == 200  # never a 500 for the learner
    assert "badge.jwt" not in page.text
    assert download(client, certificate).status_code == 404

    warnings = [w for w in checks.run_checks() if w.id == "lms.W001"]
    assert len(warnings) == 1
    assert message in warnings[0].msg
    assert str(path) in warnings[0].msg

    client.force_login(staff)
    setup = client.get("/lms/badges/")
    assert setup.status_code == 200
    assert message in setup.text


def test_the_badge_setup_page_asks_for_the_revoke_permission(client, learner, staff, badge_key):
    client.force_login(learner)
    assert client.get("/lms/badges/").status_code == 403
    client.force_login(staff)
    page = client.get("/lms/badges/")
    assert "Open Badges are on" in page.text
    assert badge_key.thumbprint() in page.text


def test_only_the_holder_downloads_the_credential(certificate, client, badge_key, other_learner):
    assert download(client, certificate).status_code == 302  # to the login page
    client.force_login(other_learner)
    assert download(client, certificate).status_code == 404
    assert client.get("/certificates/not-a-code/badge.jwt").status_code == 404


def test_the_status_of_an_unknown_code_is_not_found(client, badge_key, db):
    assert client.get("/badges/status/AAAA-BBBB-CCCC").status_code == 404
    assert client.get("/badges/status/nonsense!").status_code == 404


def test_add_to_linkedin_fills_in_the_certificate(certificate, client, learner, settings):
    client.force_login(learner)
    url = f"/certificates/{certificate.code}/print"
    assert "linkedin.com" not in client.get(url).text  # off until switched on
    settings.LINKEDIN_ADD_TO_PROFILE = True
    settings.SITE_URL = "https://training.example.com"
    settings.OPEN_BADGES_ISSUER_NAME = "Example Corp"
    page = client.get(url).text
    start = page.index("https://www.linkedin.com/profile/add?")
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == [certificate.course_title]
    assert query["organizationName"] == ["Example Corp"]
    assert query["issueYear"] == [str(certificate.issued_at.year)]
    assert query["issueMonth"] == [str(certificate.issued_at.month)]
    assert query["certId"] == [certificate.code]
    assert query["certUrl"] == [f"https://training.example.com/certificates/{certificate.code}/"]
    certificate.revoke(make_user("lead@example.com", "Lead"), "Mistake")
    assert "linkedin.com" not in client.get(url).text
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is not None


def test_a_site_without_its_public_address_is_warned(badge_key, settings):
    settings.DEBUG = False
    assert [w for w in checks.run_checks() if w.id.startswith("lms.")] == []
    settings.SITE_URL = "http://localhost:8000"
    assert [w.id for w in checks.run_checks() if w.id.startswith("lms.")] == ["lms.W002"]
