"""Random and hostile input for the property tests in */tests/test_hostile_*.py.

`hostile_text()` draws what people and their tools really send: NUL characters,
right-to-left overrides, emoji, markup, SQL-ish strings, huge strings, numbers
out of range, NaN and dates no calendar has. `hostile_bytes()` does the same for
files. `row_counts()` counts the rows of every table of the product in one query,
so a test can say "nothing was written" by comparing two counts.
"""

import codecs
import csv
import io
import re

from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PROJECT_APPS = ("accounts", "schools", "teams", "assessments", "interventions")

# For tests that touch the database on every example: few examples, no deadline.
db_settings = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
# For tests that post one example to several pages.
few_settings = settings(db_settings, max_examples=10)

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202egnp.exe",
    "\u200f\u202b",
    "😀🏫✏️",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE schools_student; --",
    "' OR '1'='1",
    '=HYPERLINK("http://x")',
    "+1+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r\n",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e400",
    "-0",
    "99999999999999999999",
    "-99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "0001-01-01",
    "1.5",
    "1,5",
    "½",
    "٣",
    "Ⅻ",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "%s%s%n",
    "../../etc/passwd",
    "x" * 5000,
    "\ud7ff\ue000\uffff",
]


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """A string a form field may be sent: nasty constants, random unicode
    (NULs, controls and all, but no lone surrogates, which no browser sends),
    and mixes of the two."""
    nasty = st.sampled_from(NASTY)
    random = st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)), max_size=max_size
    )
    return st.one_of(
        nasty, random, st.tuples(nasty, random).map("".join), st.integers().map(str)
    )


def hostile_bytes() -> st.SearchStrategy[bytes]:
    """A file's content: random bytes, nothing at all, or a truncated zip."""
    return st.one_of(
        st.binary(max_size=400),
        st.just(b""),
        st.just(b"PK\x03\x04\x14\x00\x00\x00"),
        st.just(b"\xef\xbb\xbf"),
        st.just(b"\xff\xfe\x00"),
    )


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


def encode_csv(rows: list[list[str]], encoding: str) -> bytes:
    """The rows as a spreadsheet would save them in `encoding`; a character the
    encoding cannot hold becomes "?", as Excel does."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return codecs.encode(out.getvalue(), encoding, errors="replace")


def row_counts() -> dict[str, int]:
    """Rows in every table of the product, in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for label in PROJECT_APPS
            for model in apps.get_app_config(label).get_models(
                include_auto_created=True
            )
        }
    )
    # Table names come from the models, never from input.
    sql = " UNION ALL ".join(
        f"SELECT %s, COUNT(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


# The record of access is written by reads of student data, refused or not.
READ_RECORDS = {"schools_accessrecord", "schools_accessedstudent"}


def written(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Tables whose row count changed, with the change (the record of access
    aside)."""
    return {
        table: after[table] - before[table]
        for table in after
        if after[table] != before[table] and table not in READ_RECORDS
    }


def refused(response) -> bool:
    """A 4xx, or a form shown again with its errors."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 200:
        context = getattr(response, "context", None)
        if context is not None:
            for form in _forms_in(context):
                if form.is_bound and form.errors:
                    return True
    return False


def _forms_in(context):
    from django import forms

    seen = set()
    for layer in context:
        flat = layer.flatten() if hasattr(layer, "flatten") else layer
        for value in flat.values():
            if (
                isinstance(value, forms.BaseForm | forms.BaseFormSet)
                and id(value) not in seen
            ):
                seen.add(id(value))
                yield value


_NAME = re.compile(r'\bname="([^"]+)"')


def field_names(html: bytes | str) -> list[str]:
    """The names of the fields of every form on a page, as a browser would post
    them (the CSRF token aside)."""
    text = html.decode() if isinstance(html, bytes) else html
    return sorted(set(_NAME.findall(text)) - {"csrfmiddlewaretoken"})


def value() -> st.SearchStrategy:
    """One posted value: hostile text, or the same key sent twice."""
    return st.one_of(hostile_text(), st.lists(hostile_text(), min_size=2, max_size=2))


def post_hostile(client, url: str, data: dict, **extra):
    """Post `data`; never a server error, and a refusal writes nothing. A save
    that writes anything records who did it (accounts.Event)."""
    before = row_counts()
    response = client.post(url, data, **extra)
    assert response.status_code < 500, url
    change = written(before, row_counts())
    if refused(response):
        assert change == {}, (url, change)
    elif change:
        assert change.get("accounts_event", 0) >= 1, (url, "saved unrecorded", change)
    return response, change


def hostile_form(data, names) -> dict:
    """Draw a hostile value (or none, leaving the field out) for each of `names`."""
    return {
        name: drawn
        for name in names
        if (drawn := data.draw(st.one_of(st.none(), value()), label=name)) is not None
    }


def page_names(client, url: str) -> list[str]:
    """The names of the fields of the form(s) a person fills in at `url`."""
    response = client.get(url)
    assert response.status_code == 200, url
    return field_names(response.content)
