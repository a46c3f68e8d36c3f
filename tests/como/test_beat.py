"""como.beat: a crontab a person typed is five valid fields or a ValueError saying why, never
another exception (celery's own parser raises ParseException, which is no ValueError)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from como.beat import crontab_fields


@pytest.mark.parametrize(
    "value", ["-1 * * * *", "1,,2 * * * *", "* * * * -", "*/0 * * * *", "60 * * * *", "a b c d e"]
)
def test_crontabs_celery_cannot_parse_are_value_errors(value: str) -> None:
    with pytest.raises(ValueError, match="not a valid crontab"):
        crontab_fields(value)


def test_a_valid_crontab_gives_its_fields() -> None:
    assert crontab_fields(" 30  6 * *\tmon-fri ") == {
        "minute": "30",
        "hour": "6",
        "day_of_month": "*",
        "month_of_year": "*",
        "day_of_week": "mon-fri",
    }


FIELD = st.text(alphabet="0123456789*/-,?LW#abcdefjlmnorstuwy ", max_size=8)


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(FIELD, min_size=5, max_size=5).map(" ".join)))
def test_any_text_is_fields_or_a_value_error(value: str) -> None:
    try:
        fields = crontab_fields(value)
    except ValueError:
        return
    assert len(fields) == 5


@pytest.mark.django_db(transaction=True)
def test_an_upsert_in_autocommit_locks_in_a_transaction_of_its_own() -> None:
    # The demo seeder calls it outside any transaction; select_for_update once refused that.
    from django_celery_beat.models import PeriodicTask

    from como.beat import interval_schedule, periodic_task_upsert

    every = interval_schedule(3, "minutes")
    values = {"task": "como.tests.noop", "interval": every, "enabled": True}
    first = periodic_task_upsert("tests/beat/autocommit", values)
    again = periodic_task_upsert("tests/beat/autocommit", {**values, "enabled": False})

    assert again.pk == first.pk
    assert PeriodicTask.objects.get(name="tests/beat/autocommit").enabled is False
