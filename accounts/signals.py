from django.dispatch import Signal

# Sent inside the transaction that took away some of a person's standing: an admin reset their
# two-factor sign-in, switched their account off or erased it, or took away their analyst or
# programme admin role. Receivers get user, actor and reason (one of ACCESS_WITHDRAWN_REASONS) and
# act in the same transaction; matrix.receivers revokes the person's API tokens.
access_withdrawn = Signal()

ACCESS_WITHDRAWN_REASONS = ("two_factor_reset", "switched_off", "staff_role_removed", "erased")

# Sent inside the transaction that switched an account on or off (or erased it): whether the
# person is expected to review has changed. Receivers get user.
account_active_changed = Signal()
