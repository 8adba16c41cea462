"""The result grid's cell, drawn in Python.

A grid of a class is some three hundred cells; drawn through a template
include each, they were most of the grid's time. `_cell.html` (a cell saved,
cells pasted) and `grid.html` both draw it here, so there is one cell.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def entry_cell(context, grid_cell, student):
    """One cell of the grid: an input while results are entered (saved on
    change through htmx), its value otherwise; with the error, if the last
    save was refused, and the cell's version for the next save."""
    item = grid_cell.item
    result = context.get("result")
    error = getattr(result, "error", "") if result else ""
    saved = getattr(result, "saved", False) if result else False
    conflict = getattr(result, "conflict", False) if result else False
    ids = f"{student.pk}-{item.pk}"
    state = " has-error" if error else (" just-saved" if saved else "")
    # A constant of this function, never input: safe as it stands.
    oob = mark_safe(' hx-swap-oob="true"') if context.get("oob") else ""
    name = f"{student.first_name} {student.last_name}"
    if not context.get("editable"):
        return format_html(
            '<td class="entry-cell{}" id="cell-{}"{}>'
            '<span aria-label="Item {}, {}">{}</span></td>',
            state,
            ids,
            oob,
            item.number,
            name,
            grid_cell.value or "—",
        )
    url = context.get("cell_url") or reverse(
        "assessments:cell", args=[context["assessment"].pk, context["section"].pk]
    )
    value = context.get("typed", "") if error and not conflict else grid_cell.value
    invalid = (
        format_html(' aria-invalid="true" aria-describedby="err-{}"', ids)
        if error
        else ""
    )
    message = (
        format_html('<div class="cell-error" id="err-{}">{}</div>', ids, error)
        if error
        else ""
    )
    return format_html(
        '<td class="entry-cell{state}" id="cell-{ids}"{oob}>'
        '<input type="text" inputmode="decimal" autocomplete="off" '
        'spellcheck="false" class="form-control form-control-sm text-center{bad}" '
        'id="value-{ids}" name="value" value="{value}" '
        'aria-label="Item {number}, {name}, out of {out_of}"{invalid} '
        'data-student="{student}" data-item="{item}" data-version="{version}" '
        'hx-post="{url}" hx-trigger="change" hx-target="closest td" '
        "hx-swap=\"outerHTML\" hx-vals='{vals}'>{message}</td>",
        state=state,
        ids=ids,
        oob=oob,
        bad=" is-invalid" if error else "",
        value=value if value is not None else "",
        number=item.number,
        name=name,
        out_of=floatformat(item.max_points, "-2"),
        invalid=invalid,
        student=student.pk,
        item=item.pk,
        version=grid_cell.version,
        url=url,
        vals=format_html(
            '{{"student": "{}", "item": "{}", "version": "{}"}}',
            student.pk,
            item.pk,
            grid_cell.version,
        ),
        message=message,
    )
