from django.dispatch import Signal

# Sent inside the transaction that changed what a round's matrix is computed from: with
# version_id, one version's submitted reviews (submitted, changed, withdrawn, imported); without
# it, the round's rule, principles or versions. Receivers get round_id and version_id.
matrix_inputs_changed = Signal()
