from django.dispatch import Signal

# Sent inside the transaction that changed what a round's matrix is computed from: with
# version_id, one version's submitted reviews (submitted, changed, withdrawn, imported); without
# it, the round's rule, principles or versions. Receivers get round_id and version_id.
matrix_inputs_changed = Signal()

# Sent inside the transaction that changed who a round expects a review from (an assignment
# added, removed, declined, given to someone else or given a new due date; chosen reviewers):
# reviews.receivers refreshes the round's stored progress counts after commit. Receivers get
# round_id and version_ids (None: the whole round).
progress_inputs_changed = Signal()
