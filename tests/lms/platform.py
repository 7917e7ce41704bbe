"""A small LTI 1.3 platform (an LMS, as the tool sees it) for the tests, on 127.0.0.1.

Written on jwcrypto, a JOSE library the app does not use (it signs and checks with
PyJWT), with its own RSA key: it answers the tool's OIDC login with a signed id_token in
a self-posting form, publishes its keyset, grants tokens for a client assertion that it
checks against the tool's published keyset, takes scores on a line item, and takes the
signed deep linking response back. It records what arrives for the tests to assert on.
"""

import html
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from jwcrypto import jwk, jwt

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
CLIENT_ID = "sharedresp-tool"
DEPLOYMENT = "deployment-1"


class Platform:
    def __init__(self):
        self.key = jwk.JWK.generate(kty="RSA", size=2048, kid="platform-key-1")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.url
        self.tool_launch_url = ""
        self.tool_jwks_url = ""
        self.users: dict[str, dict] = {}  # login_hint -> claims of that person
        self.message: dict = {}  # claims of the next launch beyond the person's
        self.tokens: set[str] = set()
        self.scores: list[dict] = []
        self.deep_link_responses: list[dict] = []
        self.token_errors: list[str] = []
        self.refuse_scores = False
        self.signing_key = None  # another key than the published one: a forgery
        self.expires_in = 300  # negative: an expired id_token
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- what the platform signs

    def id_token(self, nonce: str, person: dict, key=None, expires_in: int = 300) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + expires_in,
            "nonce": nonce,
            LTI + "deployment_id": DEPLOYMENT,
            LTI + "version": "1.3.0",
            LTI + "message_type": "LtiResourceLinkRequest",
            **person,
            **self.message,
        }
        token = jwt.JWT(header={"alg": "RS256", "kid": "platform-key-1"}, claims=claims)
        token.make_signed_token(key or self.key)
        return token.serialize()

    def resource_link(self, target: str, resource_id="link-1", lineitem=True) -> None:
        self.message = {
            LTI + "resource_link": {"id": resource_id},
            LTI + "custom": {"target": target},
        }
        if lineitem:
            self.message[AGS] = {
                "scope": [SCORE_SCOPE],
                "lineitem": f"{self.url}/lineitems/{resource_id}/lineitem?type=quiz",
            }

    def deep_linking(self) -> None:
        self.message = {
            LTI + "message_type": "LtiDeepLinkingRequest",
            DEEP_LINKING + "deep_linking_settings": {
                "deep_link_return_url": f"{self.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "data": "opaque-course-42",
            },
        }

    # --- what the platform checks

    def tool_claims(self, token: str, audience: str) -> dict:
        """Claims of a JWT the tool signed, checked against the tool's published keys."""
        keyset = jwk.JWKSet.from_json(requests.get(self.tool_jwks_url, timeout=5).text)
        checked = jwt.JWT(jwt=token, key=keyset, algs=["RS256"])
        claims = json.loads(checked.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if audience not in audiences or claims["exp"] < time.time():
            raise ValueError("wrong audience or expired")
        return claims

    def handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status: int, body: str, content_type="text/html") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length", 0))
                fields = parse_qs(self.rfile.read(length).decode())
                return {name: values[0] for name, values in fields.items()}

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/jwks":
                    keys = {"keys": [json.loads(platform.key.export_public())]}
                    return self.reply(200, json.dumps(keys), "application/json")
                if url.path == "/auth":
                    query = {name: values[0] for name, values in parse_qs(url.query).items()}
                    person = platform.users.get(query.get("login_hint", ""))
                    if (
                        query.get("client_id") != CLIENT_ID
                        or query.get("redirect_uri") != platform.tool_launch_url
                        or query.get("response_type") != "id_token"
                        or query.get("scope") != "openid"
                        or person is None
                    ):
                        return self.reply(400, "bad authentication request")
                    token = platform.id_token(
                        query["nonce"], person, platform.signing_key, platform.expires_in
                    )
                    return self.reply(
                        200,
                        f'<form method="post" action="{html.escape(query["redirect_uri"])}">'
                        f'<input type="hidden" name="id_token" value="{token}">'
                        f'<input type="hidden" name="state" value="{html.escape(query["state"])}">'
                        "</form>",
                    )
                return self.reply(404, "not found")

            def do_POST(self):
                url = urlsplit(self.path)
                if url.path == "/token":
                    fields = self.form()
                    try:
                        claims = platform.tool_claims(
                            fields["client_assertion"], f"{platform.url}/token"
                        )
                        assert claims["iss"] == claims["sub"] == CLIENT_ID
                        assert fields["grant_type"] == "client_credentials"
                        assert SCORE_SCOPE in fields["scope"].split()
                    except Exception as error:  # any flaw refuses the token
                        platform.token_errors.append(repr(error))
                        return self.reply(401, '{"error": "invalid_client"}', "application/json")
                    token = secrets.token_urlsafe(16)
                    platform.tokens.add(token)
                    body = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
                    return self.reply(200, json.dumps(body), "application/json")
                if re.fullmatch(r"/lineitems/[\w-]+/lineitem/scores", url.path):
                    bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if platform.refuse_scores:
                        return self.reply(503, "gradebook unavailable")
                    if bearer not in platform.tokens:
                        return self.reply(401, "no token")
                    if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                        return self.reply(415, "wrong media type")
                    length = int(self.headers.get("Content-Length", 0))
                    score = json.loads(self.rfile.read(length))
                    platform.scores.append({"path": url.path, "query": url.query, **score})
                    return self.reply(200, "{}", "application/json")
                if url.path == "/deep-link-return":
                    claims = platform.tool_claims(self.form()["JWT"], platform.issuer)
                    platform.deep_link_responses.append(claims)
                    return self.reply(200, "<p>Added to the course.</p>")
                return self.reply(404, "not found")

        return Handler

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def running_platform(tool_url: str, settings) -> Platform:
    """A started platform, registered with the tool at `tool_url`, with LTI turned on
    (`settings`: pytest-django's fixture). The caller stops it."""
    from lms.models import Platform as Registration

    settings.LTI_ENABLED = True
    # The live server speaks plain HTTP, where a browser keeps no Secure cookie.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.LMS_TIMEOUT = 5
    running = Platform()
    running.tool_launch_url = f"{tool_url}/lti/launch/"
    running.tool_jwks_url = f"{tool_url}/lti/jwks/"
    running.users = {
        "hint-sam": {"sub": "sam-0001", "email": "sam@example.com", "name": "Sam Lee"},
        "hint-alice": {"sub": "alice-77", "email": "alice@example.com", "name": "Alice L."},
    }
    running.start()
    running.record = Registration.objects.create(
        name="Test LMS",
        issuer=running.issuer,
        client_id=CLIENT_ID,
        deployment_ids=f"other-deployment\n{DEPLOYMENT}",
        auth_login_url=f"{running.url}/auth",
        access_token_url=f"{running.url}/token",
        jwks_url=f"{running.url}/jwks",
    )
    return running
