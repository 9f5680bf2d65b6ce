"""The comment form of a discussion thread."""

from django import forms
from django.utils.translation import gettext_lazy as _

from planning.concurrency import VersionedFormMixin
from planning.models import Comment


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["text"]
        labels = {"text": _("Your comment")}
        help_texts = {"text": _("Type @ and a username to tell a plan member.")}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"text": {"required": _("Write something before posting.")}}


class CommentEditForm(VersionedFormMixin, forms.ModelForm):
    """Correcting one's comment: the text, and the version the edit started from."""

    class Meta:
        model = Comment
        fields = ["text"]
        labels = {"text": _("Your comment")}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"text": {"required": _("Write something, or delete the comment.")}}
