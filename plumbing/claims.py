"""What a sign-in protocol (OpenID Connect, LTI 1.3) says about a person, read one way."""


def display_name(claims: dict) -> str:
    """The person's name from the standard claims: `name`, else given and family name,
    else the part of `email` before the @; spaces collapsed, at most 150 characters."""
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return " ".join(str(name).split())[:150] or claims["email"].partition("@")[0]
