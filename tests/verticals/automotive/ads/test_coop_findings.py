"""A launch proposal carries the co-op findings of the dealer's confirmed programs: a covered
make's creative without the program's disclaimer is left out with the finding; an
unconfirmed program (the vertical's illustrative defaults) gates nothing."""

from __future__ import annotations

from como.agents.models import AgentAction
from como.workspaces.models import Workspace
from tests.verticals.automotive.coop.support import program
from verticals.automotive.ads.kinds import LAUNCH
from verticals.automotive.inventory.models import Rooftop

from .support import car
from .test_agent import react

DISCLAIMER = "See dealer for complete details."


def social_launch(workspace: Workspace) -> AgentAction | None:
    return AgentAction.objects.filter(
        workspace=workspace, kind=LAUNCH, channel="paid_social"
    ).first()


def test_a_confirmed_programs_missing_disclaimer_leaves_the_covered_make_out(
    dealer: Workspace, rooftop: Rooftop
) -> None:
    program(dealer, brands=["Ford"], confirmed=True)
    ford = car(rooftop, 1, make="Ford", model="F-150")
    honda = car(rooftop, 2)
    react(dealer, rooftop, created=[ford.pk, honda.pk])

    launch = social_launch(dealer)
    assert launch is not None
    assert launch.payload["vehicle_ids"] == [honda.pk]
    [left] = launch.payload["left_out"]
    assert left["id"] == ford.pk
    assert "coop.disclaimer_missing" in {f["rule"] for f in left["findings"]}
    # The program pays for Google too but requires no disclaimer there: the Ford goes out.
    search = AgentAction.objects.get(workspace=dealer, kind=LAUNCH, channel="paid_search")
    assert sorted(search.payload["vehicle_ids"]) == sorted([ford.pk, honda.pk])


def test_the_disclaimer_in_the_template_clears_it(dealer: Workspace, rooftop: Rooftop) -> None:
    from verticals.automotive.ads.creative.editing import creative_template_save
    from verticals.automotive.ads.creative.specs import META

    program(dealer, brands=["Ford"], confirmed=True)
    creative_template_save(
        workspace=dealer,
        kind=META.key,
        fields={"description": "{{ vehicle.advertised_price_text }}. " + DISCLAIMER},
        user=None,
    )
    ford = car(rooftop, 1, make="Ford", model="F-150")
    react(dealer, rooftop, created=[ford.pk])
    launch = social_launch(dealer)
    assert launch is not None
    assert launch.payload["vehicle_ids"] == [ford.pk]


def test_an_unconfirmed_program_gates_nothing(dealer: Workspace, rooftop: Rooftop) -> None:
    program(dealer, brands=["Ford"], confirmed=False)
    ford = car(rooftop, 1, make="Ford", model="F-150")
    react(dealer, rooftop, created=[ford.pk])
    launch = social_launch(dealer)
    assert launch is not None
    assert launch.payload["vehicle_ids"] == [ford.pk]
