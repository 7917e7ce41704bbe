"""Limits on guessing passwords and on asking for reset or sign-up emails.

Each attempt is counted twice through quiz's rate limit (the shared cache, so the
counts hold across app processes with REDIS_URL): once per client address, which stops
one machine trying many accounts, and once per account, which stops many machines
trying one account. Past either limit the attempt is refused without being checked.

A per-account limit lets someone hold up another person's password log-ins for the
rest of the window; the limits are set so that this costs them many requests, and the
reset email and single sign-on still work for that person.
"""

import hashlib
import logging
from dataclasses import dataclass

from quiz.ratelimit import client_address, over_limit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    action: str
    per_account: int
    per_address: int
    window: int  # seconds

    def exceeded(self, request, email: str) -> bool:
        """Count one attempt on `email` from this request's client; True when refused."""
        account = hashlib.sha256(email.encode()).hexdigest()[:32]
        by_address = over_limit(request, f"{self.action}-address", self.per_address, self.window)
        by_account = over_limit(
            request, f"{self.action}-account", self.per_account, self.window, key=account
        )
        if by_address or by_account:
            logger.warning(
                "Refused a %s attempt for %s from %s: too many per %s",
                self.action,
                email,
                client_address(request),
                "account" if by_account else "address",
            )
        return by_address or by_account


LOGIN = Limit("login", per_account=10, per_address=30, window=15 * 60)
PASSWORD_RESET = Limit("password-reset", per_account=3, per_address=10, window=60 * 60)
SIGNUP = Limit("signup", per_account=3, per_address=10, window=60 * 60)
