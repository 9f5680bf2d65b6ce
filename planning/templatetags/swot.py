"""`{% load swot %}{% swot_links goal %}`: the SWOT entries a goal answers, linking to the
board. Uses `goal.swot_entries.all()`, so a prefetch on the caller's side is honoured."""

from django import template

register = template.Library()


@register.inclusion_tag("planning/swot_links.html")
def swot_links(goal):
    return {"entries": list(goal.swot_entries.all())}
