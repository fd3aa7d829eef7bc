from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

from accounts import recovery_codes
from bold_portal.text import refuse_control_characters, text_limit

# The longest text each free-text field takes, in characters. The fields, the database's checks,
# the forms and the import all read them from here (docs/architecture.md, "Text the portal accepts").
EMAIL_MAX = 254  # the longest address the email standards allow
FULL_NAME_MAX = 150


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An account needs an email address.")
        user = self.model(email=self.normalize_email(email).strip(), **extra_fields)
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

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The email address is the identifier: one account per address,
    whatever its letter case, so any address Django's EmailValidator accepts can join."""

    email = models.EmailField(
        _("email address"),
        max_length=EMAIL_MAX,
        unique=True,
        validators=[refuse_control_characters],
        error_messages={"unique": _("An account with this email address already exists.")},
    )
    # GOV.UK asks for one full name rather than first and last names.
    full_name = models.CharField(
        _("full name"), max_length=FULL_NAME_MAX, blank=True, validators=[refuse_control_characters]
    )
    is_staff = models.BooleanField(
        _("may use the Django admin"), default=False, help_text=_("Superusers only: the portal has its own pages.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Switched off accounts cannot sign in and are not expected to review.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Set when the person's personal data was erased on request (accounts.services.personal_data.account_erase):
    # the account stays, anonymous, so that its reviews keep their pseudonym.
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        # The table keeps the name it had when accounts lived in the audiences app (migration
        # accounts.0001_initial), so that moving the model moved no data.
        db_table = "audiences_user"
        ordering = ["email"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_any_case",
                violation_error_message=_("An account with this email address already exists."),
            ),
            text_limit("user", "email", EMAIL_MAX, _("An email address")),
            text_limit("user", "full_name", FULL_NAME_MAX, _("A full name")),
        ]

    def __str__(self):
        return str(_("Former reviewer")) if self.erased_at else self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name or str(self)


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A person's recovery codes, as django-otp sees them: one device that passes the code step
    with any of its codes, each once. Each wrong code doubles the wait before the next is checked
    (ThrottlingMixin). Only the codes' hashes are kept (RecoveryCode)."""

    class Meta:
        db_table = "audiences_recoverycodedevice"  # as for User
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self):
        return settings.RECOVERY_CODE_THROTTLE_FACTOR

    def verify_token(self, token):
        """django-otp's verify_token calls this with the device's row locked, so two uses of one
        code at once cannot both pass."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        used = next((code for code in self.codes.all() if code.matches(token)), None)
        if used is None:
            self.throttle_increment()
            return False
        used.delete()
        self.throttle_reset()
        return True


class RecoveryCode(models.Model):
    """One recovery code, as a keyed and salted hash (accounts.recovery_codes); deleted once used."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        db_table = "audiences_recoverycode"  # as for User
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self):
        return str(_("Recovery code"))

    @classmethod
    def hashed(cls, code: str, *, device: RecoveryCodeDevice) -> "RecoveryCode":
        salt = recovery_codes.new_salt()
        return cls(device=device, salt=salt, code_hash=recovery_codes.code_digest(code, salt=salt))

    def matches(self, code: str) -> bool:
        return recovery_codes.code_matches(code, salt=self.salt, code_hash=self.code_hash)
