from django.dispatch import Signal

# Sent inside the transaction that published a use case's new version, with version and actor: the
# reviews app declares the interests of the organisations it names as data parties.
version_published = Signal()
