"""The case page's parent notices, read where the section is drawn (two
queries, and none for people who may not read the letters)."""

from django import template

from interventions.notice_selectors import CaseNotices, case_notices

register = template.Library()


@register.simple_tag
def case_parent_notices(case) -> CaseNotices:
    return case_notices(case)
