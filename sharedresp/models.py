from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FACILITATOR_GROUP = "Facilitator"
MANAGER_GROUP = "Manager"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users must have an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
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

    def get_by_natural_key(self, username):
        # People type their address in any case; it is one account all the same.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using the course. Everyone is a learner; groups add roles.

    Staff are content authors (admin access); the Facilitator and Manager groups unlock
    workshops and cohorts.
    """

    email = models.EmailField(_("email address"), unique=True)
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
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    def has_role(self, group_name: str) -> bool:
        # Cached per request object: the header asks on every page.
        if not hasattr(self, "_group_names"):
            self._group_names = set(self.groups.values_list("name", flat=True))
        return self.is_superuser or group_name in self._group_names

    @property
    def is_facilitator(self) -> bool:
        return self.has_role(FACILITATOR_GROUP)

    @property
    def is_manager(self) -> bool:
        return self.has_role(MANAGER_GROUP)
