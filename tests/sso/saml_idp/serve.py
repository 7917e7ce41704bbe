"""A real SAML 2.0 identity provider for the tests: pysaml2's own IdP, in its own process.

Environment: IDP_PORT, IDP_KEY, IDP_CERT (file paths), IDP_SP_METADATA (the site's
metadata file), IDP_METADATA_OUT (where to write this provider's metadata), and
IDP_PEOPLE: `username:password:email:First Last:group1|group2;...`
"""

import html
import os
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIServer, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import AUTHN_PASSWORD, NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server

BASE = f"http://127.0.0.1:{os.environ['IDP_PORT']}"
PEOPLE = {
    username: (password, email, name, [g for g in groups.split("|") if g])
    for username, password, email, name, groups in (
        person.split(":") for person in os.environ["IDP_PEOPLE"].split(";")
    )
}
CONFIG = {
    "entityid": f"{BASE}/metadata",
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "service": {
        "idp": {
            "name": "Example Corp SAML",
            "endpoints": {
                "single_sign_on_service": [(f"{BASE}/sso/redirect", BINDING_HTTP_REDIRECT)]
            },
            "name_id_format": [NAMEID_FORMAT_TRANSIENT],
            "policy": {
                "default": {
                    "lifetime": {"minutes": 15},
                    "attribute_restrictions": None,
                    "name_form": NAME_FORMAT_URI,
                }
            },
        }
    },
    "key_file": os.environ["IDP_KEY"],
    "cert_file": os.environ["IDP_CERT"],
    "metadata": {"local": [os.environ["IDP_SP_METADATA"]]},
}
LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Example Corp SAML sign-in</title></head>
<body><main><h1>Example Corp SAML sign-in</h1>{error}
<form method="post" action="/sso/login">
<p><label for="username">Username</label> <input id="username" name="username"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password"></p>
<input type="hidden" name="SAMLRequest" value="{request}">
<input type="hidden" name="RelayState" value="{relay}">
<button type="submit">Sign in</button></form></main></body></html>"""


def make_app(server: Server):
    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/metadata":
            start_response("200 OK", [("Content-Type", "text/xml")])
            return [str(entity_descriptor(server.config)).encode()]
        if path == "/sso/redirect":
            query = parse_qs(environ["QUERY_STRING"])
            return login_page(
                start_response, query["SAMLRequest"][0], query.get("RelayState", [""])[0]
            )
        if path == "/sso/login" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {
                k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()
            }
            return sign_in(server, start_response, form)
        if path == "/favicon.ico":  # asked for by the browser on the auto-posting page
            start_response("204 No Content", [])
            return [b""]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return app


def login_page(start_response, saml_request, relay, error=""):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    page = LOGIN_PAGE.format(
        error=f"<p>{error}</p>" if error else "",
        request=html.escape(saml_request),
        relay=html.escape(relay),
    )
    return [page.encode()]


def sign_in(server: Server, start_response, form):
    person = PEOPLE.get(form.get("username", ""))
    if person is None or person[0] != form.get("password"):
        return login_page(
            start_response, form["SAMLRequest"], form.get("RelayState", ""), "Wrong password."
        )
    _password, email, name, groups = person
    request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
    response_args = server.response_args(request.message, [BINDING_HTTP_POST])
    binding = response_args.pop("binding")
    response = server.create_authn_response(
        {"mail": [email], "displayName": [name], "isMemberOf": groups},
        userid=email,
        authn={"class_ref": AUTHN_PASSWORD, "authn_auth": BASE},
        sign_assertion=True,
        sign_response=True,
        **response_args,
    )
    http_args = server.apply_binding(
        binding,
        str(response),
        response_args["destination"],
        form.get("RelayState", ""),
        response=True,
    )
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [http_args["data"].encode()]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


if __name__ == "__main__":
    idp = Server(config=IdPConfig().load(CONFIG))
    with open(os.environ["IDP_METADATA_OUT"], "w") as out:
        out.write(str(entity_descriptor(idp.config)))
    port = int(os.environ["IDP_PORT"])
    make_server("127.0.0.1", port, make_app(idp), server_class=ThreadingServer).serve_forever()
