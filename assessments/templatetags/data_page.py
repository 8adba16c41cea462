"""The data page's figures, drawn by functions instead of a template include
per cell: a course of thirty-odd classes draws a hundred of them."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html

register = template.Library()

NO_RESULTS = format_html('<span class="text-body-secondary">{}</span>', "no results")
NO_PERCENT = format_html('<span class="text-body-secondary">{}</span>', "—")


@register.simple_tag
def share_cell(share, below=False):
    """A share of students who reached mastery: the percent, "reteach" when the
    class is below the threshold, and the count it rests on."""
    if share.percent is None:
        return NO_RESULTS
    return format_html(
        '<span class="pct">{}%</span>{}<span class="d-block small count">'
        "{} of {}</span>",
        floatformat(share.percent, 1),
        format_html(' <span class="below-flag">{}</span>', "reteach") if below else "",
        share.proficient,
        share.assessed,
    )


@register.simple_tag
def share_bar(share):
    """The percent with a bar as long (the bar is decoration: the figure says it)."""
    if share.percent is None:
        return NO_PERCENT
    return format_html(
        '<span class="pct">{}%</span><span class="data-bar" aria-hidden="true">'
        '<span class="w-pct-{}"></span></span>',
        floatformat(share.percent, 1),
        floatformat(share.percent, "0"),
    )
