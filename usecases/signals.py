from django.dispatch import Signal

# Sent inside the transaction that changed a review's effect on a round's matrix
# (submitted, edited after submission, withdrawn, imported). Receivers get round_id.
round_reviews_changed = Signal()
