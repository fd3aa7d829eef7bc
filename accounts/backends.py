"""People sign in with their email address, whatever their username is."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Authenticates by email address (any letter case). An address shared by two accounts signs in neither."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        users = list(get_user_model().objects.filter(email__iexact=username.strip())[:2])
        if len(users) != 1:
            # Run the hasher anyway so that a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def sign_in_username(request, credentials) -> str:
    """The email address that django-axes counts failed sign-ins against, written as the backend
    reads it, so that "Sam@Example.org " and "sam@example.org" are the same person."""
    source = credentials if credentials is not None else request.POST
    return str(source.get("username") or "").strip().lower()
