"""One new row of a model from a statement built once per process: the hot writes of a filing.

`Model.save()` compiles its INSERT afresh on every call; for the rows every filing writes (the grievance,
its first event, the SMS) that compilation was a sixth of the request's CPU. `insert` writes the same
columns with the same conversions (each field's `pre_save` and `get_db_prep_save`) from a cached
statement, and sets the primary key as `save()` does. Model `save()` overrides and signals do not run:
use it only for models that have none that matter on creation.
"""

from functools import cache
from typing import Any

from django.db import connections, models, router


def insert(instance: models.Model, *, unless_conflict_on: str | None = None, updating: tuple[str, ...] = ()) -> bool:
    """INSERT `instance`; True with its primary key set.

    With `unless_conflict_on` (a unique field), a row with the same value already stored wins: two transactions
    inserting one value at once meet at the unique index. Then nothing is written and the answer is False, or,
    with `updating`, those fields of the stored row take the instance's values and its primary key is set
    (`ON CONFLICT DO UPDATE`; the second transaction waits for the first to commit)."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance) or "default"
    connection = connections[using]
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in _inserted_fields(model)]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, using, unless_conflict_on, updating), values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = using
    return True


@cache
def _inserted_fields(model: type[models.Model]) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(model: type[models.Model], using: str, unless_conflict_on: str | None,
                updating: tuple[str, ...]) -> str:
    meta = model._meta
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in _inserted_fields(model))
    placeholders = ", ".join(["%s"] * len(_inserted_fields(model)))
    column = {f.name: quote(str(f.column)) for f in meta.concrete_fields}
    conflict = ""
    if unless_conflict_on is not None:
        updates = ", ".join(f"{column[name]} = EXCLUDED.{column[name]}" for name in updating)
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        conflict = f" ON CONFLICT ({column[unless_conflict_on]}) {action}"
    return (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - the model's names
            f"{conflict} RETURNING {quote(str(meta.pk.column))}")
