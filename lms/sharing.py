"""What lms adds to a certificate's page (quiz/certificate_links.py): the Open Badges
credential to download, and "Add to LinkedIn". Each only once configured, and never for
a revoked certificate."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from quiz.certificate_links import CertificateLink
from quiz.models import Certificate

from . import badges

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's add-to-profile address, filled in: the learner only confirms."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "expirationYear": certificate.expires_at.year,
        "expirationMonth": certificate.expires_at.month,
        "certUrl": badges.absolute(certificate.get_absolute_url()),
        "certId": certificate.code,
    }
    if settings.LINKEDIN_ORGANIZATION_ID:
        params["organizationId"] = settings.LINKEDIN_ORGANIZATION_ID
    else:
        params["organizationName"] = settings.OPEN_BADGES_ISSUER_NAME
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"


def certificate_links(request, certificate: Certificate, status) -> list[CertificateLink]:
    if status == Certificate.Status.REVOKED:
        return []
    links = []
    if badges.usable_key() is not None:
        links.append(
            CertificateLink(
                url=reverse("lms:badge_download", args=[certificate.code]),
                label=_("Download as an Open Badge"),
                detail=_("A signed credential (Open Badges 3.0) for any badge wallet."),
                download=f"sharedresp-{certificate.code}.jwt",
            )
        )
    if settings.LINKEDIN_ADD_TO_PROFILE:
        links.append(
            CertificateLink(
                url=linkedin_url(certificate),
                label=_("Add to LinkedIn"),
                detail=_("Opens LinkedIn with this certificate filled in."),
                external=True,
            )
        )
    return links
