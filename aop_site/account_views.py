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


@login_required
def preferences(request):
    profile, _created = UserProfile.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(profile.language or settings.LANGUAGE_CODE)
        messages.success(request, _("Your preferences are saved."))
        return redirect("preferences")
    return render(request, "account/preferences.html", {"form": form})
