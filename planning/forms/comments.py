"""The comment form of a discussion thread."""

from django import forms
from django.utils.translation import gettext_lazy as _

from planning.models import Comment


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["text"]
        labels = {"text": _("Your comment")}
        help_texts = {"text": _("Type @ and a username to tell a plan member.")}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"text": {"required": _("Write something before posting.")}}
