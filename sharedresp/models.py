from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .identity import EmailIdentityFormField, normalise_email

# Role groups (their permissions: sharedresp/roles.py).
FACILITATOR_GROUP = "Facilitator"
MANAGER_GROUP = "Manager"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users must have an email address")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    @classmethod
    def normalize_email(cls, email):
        return normalise_email(email or "")

    def get_by_natural_key(self, username):
        # An exact match on the normalised form: the field normalises `username` too.
        return self.get(email=username)


class EmailIdentityField(models.EmailField):
    """An email column that holds only normalised addresses (see sharedresp/identity.py).

    Normalising in `to_python` covers forms and the admin (model validation, including
    the unique check, sees the stored form); in `get_prep_value` it covers every query
    and write, `bulk_create` and `update()` included.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_email(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return normalise_email(value) if isinstance(value, str) else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": EmailIdentityFormField, **kwargs})


class User(AbstractBaseUser, PermissionsMixin):
    """A person using the course. Everyone is a learner; role groups add permissions.

    Staff may open the admin (content authors); what anyone may do beyond learning comes
    from permissions, which the role groups (Facilitator, Manager, Training lead, Content
    author) carry.
    """

    email = EmailIdentityField(_("email address"), unique=True)
    name = models.CharField(
        _("full name"), max_length=150, help_text=_("As it should appear on a certificate.")
    )
    is_staff = models.BooleanField(_("staff (content author)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.name or self.email

    def save(self, *args, **kwargs):
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    # Roles are permissions (granted through the role groups, see the migration
    # 0004_role_permissions), so the admin and the views answer the same question.
    @property
    def is_facilitator(self) -> bool:
        return self.has_perm("workshops.run_workshops")

    @property
    def is_manager(self) -> bool:
        return self.has_perm("cohorts.manage_own_cohorts")
