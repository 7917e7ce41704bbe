from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import sso, views
from .forms import EmailAuthenticationForm, EmailPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/sent/", views.signup_sent, name="signup_sent"),
    path("accounts/signup/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=EmailPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/oidc/authenticate/", sso.oidc_start, name="oidc_authentication_init"),
    path("accounts/oidc/callback/", sso.oidc_callback, name="oidc_authentication_callback"),
    path("accounts/saml/login/", sso.saml_login, name="saml2_login"),
    path("accounts/saml/acs/", sso.saml_acs, name="saml2_acs"),
    path("accounts/saml/metadata/", sso.saml_metadata, name="saml2_metadata"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("lessons.urls")),
    path("", include("quiz.urls")),
    path("", include("workshops.urls")),
    path("", include("cohorts.urls")),
    path("", include("lms.urls")),
]

handler400 = "sharedresp.views.bad_request"
