from django.dispatch import Signal

# Sent inside the transaction that took a person out of an organisation (membership_remove).
# Receivers get user, organisation and actor and act in the same transaction: reviews.receivers
# revokes the person's personal review links.
membership_removed = Signal()

# Sent inside the transaction that added people to an organisation, changed a member's role or
# took a member out: who its organisation-wide assignments expect may have changed. Receivers get
# organisation_id.
membership_changed = Signal()
