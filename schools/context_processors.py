from schools.access import role_names


def roles(request):
    """The signed-in person's roles, for role-aware navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set()}
    return {"user_roles": role_names(user)}
