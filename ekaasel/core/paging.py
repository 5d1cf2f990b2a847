"""Pages of long lists whose count stays cheap at national scale.

Django's Paginator counts every matching row for "N grievances" and "page X of Y": at ten million grievances
the PMO's unfiltered queue would spend most of its time counting rows nobody pages through. A capped
paginator counts at most `cap` + 1 rows (`SELECT count(*) FROM (… LIMIT cap + 1)`): up to the cap it says
the exact number; beyond it, that there are more than `cap`, and it pages through the first `cap` (filters
and search reach the others).
"""

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _bounded_count(self) -> int:
        rows: Any = self.object_list  # a queryset: the slice is counted in the database
        return int(rows[: self.cap + 1].count())

    @cached_property
    def count(self) -> int:
        """The number of rows, or `cap` when there are more."""
        return min(self._bounded_count, self.cap)

    @property
    def capped(self) -> bool:
        """There are more rows than `cap`; only the first `cap` are paged through."""
        return self._bounded_count > self.cap
