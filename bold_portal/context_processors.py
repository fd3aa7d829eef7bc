from django.utils.translation import gettext_lazy as _


def service(request):
    """The service name shown in the header and page titles."""
    return {"service_name": _("BOLD use case review")}
