from django.urls import path

from . import badge_views, scorm_views, views

app_name = "lms"
urlpatterns = [
    # SCORM 1.2 export (staff).
    path("lms/scorm/", scorm_views.export_page, name="scorm_export"),
    path("lms/scorm/package.zip", scorm_views.download, name="scorm_download"),
    # Open Badges 3.0: the staff page, the public issuer, key and status, the download.
    path("lms/badges/", badge_views.setup, name="badges_setup"),
    path("badges/issuer.json", badge_views.issuer, name="badge_issuer"),
    path("badges/jwks.json", badge_views.jwks, name="badge_jwks"),
    path("badges/status/<str:code>", badge_views.status, name="badge_status"),
    path("certificates/<str:code>/badge.jwt", badge_views.download, name="badge_download"),
    # LTI 1.3 tool.
    path("lti/jwks/", views.jwks, name="jwks"),
    path("lti/login/", views.login_initiation, name="login"),
    path("lti/launch/", views.launch, name="launch"),
    path("lti/link/", views.link_account, name="link_account"),
    path("lti/deep-link/", views.deep_link, name="deep_link"),
    path("lti/platforms/", views.platforms, name="platforms"),
    path("lti/platforms/<int:platform_id>/", views.platforms, name="platform"),
]
