"""Technology demands and matches: each change of state and each refusal, through the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from achievements import selectors, services
from achievements.models import Achievement, AchievementEvent, Demand, Match
from liaison.models import Unit
from tests.liaison.factories import CadreFactory, UnitFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def park(db):
    return UnitFactory(name="高新区管委会", kind=Unit.Kind.PARK)


@pytest.fixture
def park_cadre(park):
    return CadreFactory(unit=park)


@pytest.fixture
def demand(park, park_cadre):
    return services.demand_raise(
        by=park_cadre.user, unit=park, title="寻求高镍正极材料低成本制备工艺", technology_field="new_materials",
        enterprise="长沙某电池有限公司", budget="300", wanted_by=datetime.date(2026, 12, 31),
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- demands ----------------------------------------------------------------------------------------


def test_a_park_cadre_raises_a_demand_with_its_words(demand, park_cadre):
    assert (demand.status, demand.raised_by, demand.raised_on, demand.budget) == (
        "open", park_cadre.user, TODAY, Decimal("300.00"))
    assert "正极" in demand.match_terms.split()


def test_the_unit_leader_and_bureau_staff_raise_demands_a_cadre_of_another_unit_may_not(park, bureau_user, cadre):
    fields = {"title": "需求", "technology_field": "new_materials"}
    services.demand_raise(by=park.leader, unit=park, **fields)
    services.demand_raise(by=bureau_user, unit=park, **fields)
    with pytest.raises(PermissionDenied, match="Only the cadres and the leader of 高新区管委会"):
        services.demand_raise(by=cadre.user, unit=park, **fields)
    assert Demand.objects.count() == 2


def test_a_city_department_does_not_raise_demands(bureau_user, unit):
    with pytest.raises(ValidationError) as error:
        services.demand_raise(by=bureau_user, unit=unit, title="需求", technology_field="new_materials")
    assert "unit" in error.value.message_dict


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": "  "}, "title"),
        ({"technology_field": "nanotech"}, "technology_field"),
        ({"budget": "-1"}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"budget": "1.234"}, "budget"),
        ({"wanted_by": TODAY - datetime.timedelta(days=1)}, "wanted_by"),
        ({"description": "长" * 5000}, "description"),
    ],
)
def test_a_demand_with_bad_values_is_refused_field_by_field(park, park_cadre, changes, field):
    values = {"title": "需求", "technology_field": "new_materials", **changes}
    with pytest.raises(ValidationError) as error:
        services.demand_raise(by=park_cadre.user, unit=park, **values)
    assert field in error.value.message_dict
    assert not Demand.objects.exists()


def test_a_demand_is_updated_closed_with_a_reason_and_reopened(demand, park_cadre, cadre):
    updated = services.demand_update(demand=demand, by=park_cadre.user, title="寻求钠离子电池正极材料",
                                     technology_field="new_energy", enterprise=demand.enterprise)
    assert "钠离子" in updated.match_terms.split() and updated.technology_field == "new_energy"
    with pytest.raises(PermissionDenied):
        services.demand_close(demand=demand, by=cadre.user, reason="已解决")
    with pytest.raises(ValidationError) as error:
        services.demand_close(demand=demand, by=park_cadre.user, reason=" ")
    assert "reason" in error.value.message_dict
    closed = services.demand_close(demand=demand, by=park_cadre.user, reason="企业已自行解决")
    assert (closed.status, closed.close_reason) == ("closed", "企业已自行解决")
    with pytest.raises(ValidationError):
        services.demand_close(demand=demand, by=park_cadre.user, reason="再关一次")
    assert services.demand_reopen(demand=demand, by=park_cadre.user).status == "open"


# --- matches ----------------------------------------------------------------------------------------


def test_confirming_a_match_moves_an_assessed_achievement_and_an_open_demand_to_matched(at_stage, demand, cadre):
    achievement = at_stage("assessed")
    [(_demand, suggested)] = selectors.suggested_demands(achievement=achievement)
    match = services.match_confirm(achievement=achievement, demand=demand, by=cadre.user, note="企业有兴趣")
    assert (match.status, match.confirmed_by, match.confirmed_on) == ("proposed", cadre.user, TODAY)
    # The match keeps the fit and the reason its suggestion showed.
    assert (match.fit, match.reasons) == (suggested.fit, list(suggested.words)) and "正极" in match.reasons
    assert fresh(achievement).stage == "matched" and fresh(demand).status == "matched"
    event = AchievementEvent.objects.filter(achievement=achievement).last()
    assert event.kind == "match" and event.before["stage"] == "assessed" and event.after["stage"] == "matched"
    assert event.after["match_status"] == "proposed" and event.actor == cadre.user


def test_the_demands_unit_may_confirm_a_match_an_unrelated_cadre_may_not(at_stage, demand, park_cadre, other_cadre):
    achievement = at_stage("assessed")
    with pytest.raises(PermissionDenied):
        services.match_confirm(achievement=achievement, demand=demand, by=other_cadre.user)
    services.match_confirm(achievement=achievement, demand=demand, by=park_cadre.user)
    with pytest.raises(ValidationError, match="already matched"):
        services.match_confirm(achievement=achievement, demand=demand, by=park_cadre.user)


@pytest.mark.parametrize("stage", ["collected", "transformed", "dropped"])
def test_only_an_assessed_matched_or_negotiating_achievement_is_matched(at_stage, demand, cadre, stage):
    with pytest.raises(ValidationError) as error:
        services.match_confirm(achievement=at_stage(stage), demand=demand, by=cadre.user)
    assert "stage" in error.value.message_dict
    assert not Match.objects.exists()


def test_a_closed_demand_takes_no_new_match(at_stage, demand, cadre, park_cadre):
    services.demand_close(demand=demand, by=park_cadre.user, reason="已满足")
    with pytest.raises(ValidationError) as error:
        services.match_confirm(achievement=at_stage("assessed"), demand=demand, by=cadre.user)
    assert "demand" in error.value.message_dict


def test_a_match_moves_forward_to_signed_and_transforms_the_achievement(at_stage, demand, cadre, park):
    achievement = at_stage("assessed")
    match = services.match_confirm(achievement=achievement, demand=demand, by=cadre.user)
    match = services.match_set_status(match=match, by=cadre.user, status="contacted", note="已电话联系")
    assert fresh(achievement).stage == "matched"
    match = services.match_set_status(match=match, by=cadre.user, status="negotiating")
    assert fresh(achievement).stage == "negotiating"
    with pytest.raises(ValidationError, match="only moves forward"):
        services.match_set_status(match=match, by=cadre.user, status="contacted")
    with pytest.raises(ValidationError) as error:
        services.match_set_status(match=match, by=cadre.user, status="signed", transformation_mode="licence",
                                  contract_amount="-5")
    assert "contract_amount" in error.value.message_dict
    assert fresh(match).status == "negotiating" and fresh(achievement).stage == "negotiating"

    services.match_set_status(match=match, by=cadre.user, status="signed", transformation_mode="licence",
                              contract_amount="150.00")
    done = fresh(achievement)
    assert (done.stage, done.counterpart_enterprise, done.landing_unit, done.contract_amount) == (
        "transformed", "长沙某电池有限公司", park, Decimal("150.00"))
    assert fresh(match).status == "signed"
    statuses = [e.after.get("match_status") for e in AchievementEvent.objects.filter(achievement=achievement, kind="match")]
    assert statuses == ["proposed", "contacted", "negotiating", "signed"]
    with pytest.raises(ValidationError):
        services.match_set_status(match=match, by=cadre.user, status="failed", note="反悔")


def test_only_the_achievements_stewards_sign(at_stage, demand, cadre, park_cadre):
    match = services.match_confirm(achievement=at_stage("assessed"), demand=demand, by=cadre.user)
    services.match_set_status(match=match, by=park_cadre.user, status="contacted")
    with pytest.raises(PermissionDenied, match="Signing"):
        services.match_set_status(match=match, by=park_cadre.user, status="signed", transformation_mode="licence",
                                  contract_amount="1")


def test_a_failed_match_needs_a_reason_and_frees_the_demand(at_stage, demand, cadre):
    match = services.match_confirm(achievement=at_stage("assessed"), demand=demand, by=cadre.user)
    with pytest.raises(ValidationError) as error:
        services.match_set_status(match=match, by=cadre.user, status="failed")
    assert "note" in error.value.message_dict
    services.match_set_status(match=match, by=cadre.user, status="failed", note="企业预算不足")
    assert fresh(match).status == "failed" and fresh(demand).status == "open"


def test_signing_one_match_fails_the_achievements_other_matches(at_stage, demand, cadre, park, park_cadre):
    other_demand = services.demand_raise(by=park_cadre.user, unit=park, title="正极材料回收利用",
                                         technology_field="new_materials")
    achievement = at_stage("assessed")
    first = services.match_confirm(achievement=achievement, demand=demand, by=cadre.user)
    second = services.match_confirm(achievement=achievement, demand=other_demand, by=cadre.user)
    services.match_set_status(match=first, by=cadre.user, status="signed", transformation_mode="transfer",
                              contract_amount="80")
    assert fresh(second).status == "failed" and fresh(other_demand).status == "open"
    assert Achievement.objects.get(pk=achievement.pk).stage == "transformed"


@pytest.mark.parametrize("ending", ["transform", "drop"])
def test_an_achievement_transformed_or_dropped_directly_ends_its_matches(at_stage, demand, cadre, ending):
    achievement = at_stage("assessed")
    match = services.match_confirm(achievement=achievement, demand=demand, by=cadre.user)
    if ending == "transform":
        services.achievement_transform(achievement=achievement, by=cadre.user, transformation_mode="transfer",
                                       counterpart_enterprise="另一家企业", contract_amount="5")
    else:
        services.achievement_drop(achievement=achievement, by=cadre.user, reason="平台放弃")
    assert fresh(match).status == "failed" and fresh(demand).status == "open"
    with pytest.raises(ValidationError):
        services.match_set_status(match=match, by=cadre.user, status="contacted")
