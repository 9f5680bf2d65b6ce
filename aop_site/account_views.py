"""Sign-in with the demo hint, and personal preferences (language)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from planning.demo import DEMO_PASSWORD, demo_users
from planning.models import UserProfile

LANGUAGE_COOKIE_DAYS = 365


class DemoLoginView(auth_views.LoginView):
    """The login page; in demo mode it lists the demo users and their password."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            context["demo_users"] = demo_users()
            context["demo_password"] = DEMO_PASSWORD
        return context


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = UserProfile
        fields = ["language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language in its own words, so that a person finds theirs in any UI language.
        own_names = [
            (code, translation.get_language_info(code)["name_local"])
            for code, _n in settings.LANGUAGES
        ]
        self.fields["language"].choices = [("", _("The language of your browser")), *own_names]


@login_required
def preferences(request):
    profile, _created = UserProfile.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(profile.language or settings.LANGUAGE_CODE)
        messages.success(request, _("Your preferences are saved."))
        return _remember_language(redirect("preferences"), profile.language)
    return render(request, "account/preferences.html", {"form": form})


def _remember_language(response, language: str):
    """The sign-in page comes before anyone is known: a cookie lets it speak the chosen language
    too (Django's LocaleMiddleware reads it)."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=LANGUAGE_COOKIE_DAYS * 86400,
            samesite="Lax",
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
