"""Per-user language: a signed-in person sees the UI in the language of their profile."""

from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = getattr(request.user, "profile", None) if request.user.is_authenticated else None
        language = getattr(profile, "language", "") if profile else ""
        if not language:
            return self.get_response(request)
        request.LANGUAGE_CODE = language
        # override() restores the previous language afterwards, so it never leaks into the next
        # request served by the same thread.
        with translation.override(language):
            return self.get_response(request)
