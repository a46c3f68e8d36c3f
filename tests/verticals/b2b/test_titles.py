"""Title inference on the labelled corpus: the accuracy is printed and held to a floor."""

from __future__ import annotations

import pytest

from verticals.b2b.accounts.settings import AccountsSettings
from verticals.b2b.accounts.titles import read_title

from .title_corpus import CORPUS

#: What the rules reach today (printed by the test); a change that lowers either fails.
ROLE_FLOOR = 0.90
LEVEL_FLOOR = 0.95


def _infer(title: str) -> tuple[str, str]:
    reading = read_title(title)
    return AccountsSettings().infer_role(reading.department, reading.level), reading.level


def test_the_corpus_is_large_and_names_the_briefs_titles() -> None:
    titles = [title for title, _, _ in CORPUS]
    assert len(CORPUS) >= 150
    assert len(set(titles)) == len(titles)
    for needed in ("VP, Procurement", "Head of Data Platform", "Chief of Staff", "Sr. Counsel"):
        assert needed in titles
    assert "IT Director" in titles


def test_accuracy_on_the_labelled_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    role_hits = level_hits = 0
    misses: list[str] = []
    for title, role, level in CORPUS:
        got_role, got_level = _infer(title)
        role_hits += got_role == role
        level_hits += got_level == level
        if (got_role, got_level) != (role, level):
            misses.append(
                f"  {title!r}: expected {role or '-'}/{level}, got {got_role or '-'}/{got_level}"
            )
    total = len(CORPUS)
    with capsys.disabled():
        print(
            f"\ntitle inference on {total} titles: role {role_hits}/{total} "
            f"= {role_hits / total:.1%}, level {level_hits}/{total} = {level_hits / total:.1%}"
        )
        print("\n".join(misses))
    assert role_hits / total >= ROLE_FLOOR
    assert level_hits / total >= LEVEL_FLOOR


@pytest.mark.parametrize(
    ("title", "role", "level"),
    [
        ("VP, Procurement", "procurement", "vp"),
        ("Head of Data Platform", "economic_buyer", "vp"),
        ("Chief of Staff", "", "director"),
        ("Sr. Counsel", "legal_compliance", "other"),
        ("IT Director", "champion", "director"),
    ],
)
def test_the_briefs_titles(title: str, role: str, level: str) -> None:
    assert _infer(title) == (role, level)


def test_a_crm_value_maps_through_the_roles_and_a_blocker_has_none() -> None:
    settings = AccountsSettings()
    assert settings.crm_role("CHAMPION") == "champion"
    assert settings.crm_role("influencer;budget_holder") == "economic_buyer"
    assert settings.crm_role("BLOCKER") == ""
    assert settings.crm_role("") is None
    assert settings.crm_role(7) is None
