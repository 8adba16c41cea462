"""What happens after kept mastery changes is decided by higher apps.

The intervention ladder flags students the moment their mastery changes; it
registers itself here in its AppConfig.ready(), so assessments never imports it
(the same pattern as the access rules in `schools.access`).
"""

from collections.abc import Callable, Collection

MasteryChanged = Callable[[Collection[int]], object]
_callbacks: list[MasteryChanged] = []


def on_mastery_changed(callback: MasteryChanged) -> None:
    if callback not in _callbacks:
        _callbacks.append(callback)


def mastery_changed(student_ids: Collection[int]) -> None:
    """Tell every registered app which students' kept mastery just changed."""
    if not student_ids:
        return
    for callback in _callbacks:
        callback(sorted(student_ids))
