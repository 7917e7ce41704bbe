"""A session store that writes to the database only for people who have logged in.

An anonymous visitor's session (lesson progress, sort results) travels in a signed
cookie, so a page view by a visitor, a crawler or a load generator never inserts a
session row, and the anonymous rows never pile up. Once the session holds a logged-in
user it moves to the database, where logging out or changing the password ends it on
the server (a cookie alone could not be revoked).

Logged-in sessions are Django's cached_db ones: read from the cache in front of the
database (settings.SESSION_CACHE_ALIAS), written to both.

Which store a session is in shows in its key: database keys are 32 letters and digits;
signed cookies contain ":" between the data, the time and the signature.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.core import signing

SALT = "sharedresp.sessions.anonymous"
# Browsers drop cookies above 4096 bytes; larger anonymous data goes to the database.
COOKIE_LIMIT = 3800


def in_cookie(session_key: str | None) -> bool:
    return bool(session_key) and ":" in session_key


class SessionStore(cached_db.SessionStore):
    def load(self):
        if not in_cookie(self.session_key):
            return super().load()
        try:
            return signing.loads(
                self.session_key,
                salt=SALT,
                serializer=self.serializer,
                max_age=self.get_session_cookie_age(),
            )
        except (signing.BadSignature, ValueError):
            self._session_key = None
            return {}

    def exists(self, session_key):
        return not in_cookie(session_key) and super().exists(session_key)

    def save(self, must_create=False):
        if SESSION_KEY not in self._session:
            signed = signing.dumps(
                self._session, salt=SALT, serializer=self.serializer, compress=True
            )
            if len(signed) <= COOKIE_LIMIT:
                self._session_key = signed
                self.modified = True
                return
        if in_cookie(self.session_key):
            # Moving to the database: a fresh random key, never the signed data.
            self._session_key = None
            must_create = True
        super().save(must_create=must_create)

    def delete(self, session_key=None):
        key = self.session_key if session_key is None else session_key
        if in_cookie(key):
            if session_key is None:
                self._session_key = None
                self._session_cache = {}
            return
        super().delete(session_key)
