from django.utils.functional import SimpleLazyObject

from interventions.notice_selectors import unread_for


def whats_new(request):
    """The signed-in person's unread notifications, for the navigation's count
    and the home page: one query, and only on a page that shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"whats_new": SimpleLazyObject(lambda: unread_for(user))}
