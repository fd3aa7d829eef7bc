"""Who may read the API: analysts and programme admins (matrix.view_matrix), as for the pages."""

import rules
from rest_framework.permissions import BasePermission


class IsAnalyst(BasePermission):
    message = "Only analysts and programme admins may use the API."

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and rules.has_perm("matrix.view_matrix", request.user)
        )
