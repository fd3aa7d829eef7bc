from django.dispatch import Signal

# Sent inside the transaction that took a person out of an organisation (membership_remove).
# Receivers get user, organisation and actor and act in the same transaction: reviews.receivers
# revokes the person's personal review links.
membership_removed = Signal()
