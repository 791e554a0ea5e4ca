"""Each change of an achievement's state, and each refusal, through ``achievements.services``."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from achievements import services
from achievements.models import Achievement, AchievementEvent
from liaison import services as liaison_services
from tests.liaison.factories import CadreFactory, ContactFactory, UserFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def kinds(achievement):
    return list(AchievementEvent.objects.filter(achievement=achievement).values_list("kind", flat=True))


def fresh(achievement):
    return Achievement.objects.get(pk=achievement.pk)


# --- collecting ------------------------------------------------------------------------------------


def test_the_responsible_cadre_collects_and_is_credited(collect, cadre, platform):
    a = collect(registration_numbers="ZL202310456789.1", sub_field="先进电池材料")
    assert (a.stage, a.collected_by, a.platform, a.stage_entered_on) == ("collected", cadre, platform,
                                                                       datetime.date(2026, 4, 1))
    event = a.events.get()
    assert event.kind == "collected" and event.actor == cadre.user
    assert event.after["stage"] == "collected" and event.after["technology_field"] == "new_materials"


def test_collecting_at_a_contact_takes_its_date(collect, cadre, platform):
    contact = ContactFactory(cadre=cadre, platform=platform, date=datetime.date(2026, 4, 20))
    a = collect(contact=contact, collected_on=None)
    assert a.contact == contact and a.collected_on == datetime.date(2026, 4, 20)


def test_another_cadre_may_not_collect(collect, other_cadre):
    with pytest.raises(PermissionDenied, match="Only the cadre responsible"):
        collect(by=other_cadre.user)
    assert not Achievement.objects.exists()


def test_a_cadre_may_not_collect_for_a_day_before_serving_the_platform(collect):
    with pytest.raises(PermissionDenied):
        collect(collected_on=datetime.date(2025, 12, 1))


def test_collecting_refuses_a_future_date_and_missing_fields(collect):
    with pytest.raises(ValidationError) as error:
        collect(collected_on=TODAY + datetime.timedelta(days=1))
    assert "collected_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        collect(title=" ", achievement_type="poem", technology_field="magic", description="长" * 2001)
    assert set(error.value.message_dict) == {"title", "achievement_type", "technology_field", "description"}


def test_collecting_refuses_another_platforms_contact(collect, cadre):
    contact = ContactFactory(cadre=cadre, date=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as error:
        collect(contact=contact)
    assert "contact" in error.value.message_dict


# --- each transition -----------------------------------------------------------------------------------


def test_the_whole_way_to_transformed(collect, cadre, district):
    by = cadre.user
    a = collect()
    a = services.achievement_assess(achievement=a, by=by, readiness_level=6, judgement="high",
                                    ip_status="已授权发明专利2项", market_prospects="需求旺盛", recommended_mode="licence",
                                    on=datetime.date(2026, 4, 10))
    assert (a.stage, a.readiness_level, a.judgement, a.assessed_by, a.stage_entered_on) == (
        "assessed", 6, "high", by, datetime.date(2026, 4, 10))
    assert a.readiness_meaning.startswith("System prototype")
    a = services.achievement_advance(achievement=a, by=by, note="与湖南某公司对接", on=datetime.date(2026, 4, 20))
    assert a.stage == "matched"
    a = services.achievement_advance(achievement=a, by=by, note="商务谈判", on=datetime.date(2026, 5, 1))
    assert a.stage == "negotiating"
    a = services.achievement_transform(
        achievement=a, by=by, transformation_mode="licence", counterpart_enterprise="湖南某科技有限公司",
        contract_amount="350.5", landing_unit=district, transformed_on=datetime.date(2026, 5, 8),
    )
    a = fresh(a)
    assert (a.stage, a.transformation_mode, a.contract_amount, a.landing_unit, a.transformed_on) == (
        "transformed", "licence", Decimal("350.50"), district, datetime.date(2026, 5, 8))
    assert kinds(a) == ["collected", "assessed", "advanced", "advanced", "transformed"]
    last = a.events.last()
    assert last.before["stage"] == "negotiating" and last.after["stage"] == "transformed"
    assert last.after["contract_amount"] == "350.50" and last.after["landing_unit"]["id"] == district.pk


def test_reassessing_replaces_the_assessment_and_keeps_the_old_on_the_timeline(at_stage, cadre):
    a = at_stage("assessed")
    a = services.achievement_assess(achievement=a, by=cadre.user, readiness_level=4, judgement="low")
    assert (a.stage, a.readiness_level, a.judgement) == ("assessed", 4, "low")
    event = a.events.last()
    assert (event.before["readiness_level"], event.after["readiness_level"]) == (6, 4)


def test_transforming_straight_from_matched(at_stage, cadre):
    a = at_stage("matched")
    a = services.achievement_transform(achievement=a, by=cadre.user, transformation_mode="transfer",
                                       counterpart_enterprise="某公司", contract_amount=0)
    assert a.stage == "transformed" and a.contract_amount == 0


@pytest.mark.parametrize("stage", ["collected", "assessed", "matched", "negotiating"])
def test_dropping_from_any_stage_before_transformed_and_stepping_back_to_it(at_stage, cadre, stage):
    a = at_stage(stage)
    a = services.achievement_drop(achievement=a, by=cadre.user, reason="企业放弃")
    assert (a.stage, a.dropped_from, a.drop_reason) == ("dropped", stage, "企业放弃")
    a = services.achievement_step_back(achievement=a, by=cadre.user, reason="企业重新表达意向")
    assert (a.stage, a.dropped_from, a.drop_reason) == (stage, "", "")
    assert a.events.last().kind == "stepped_back" and a.events.last().before["stage"] == "dropped"


@pytest.mark.parametrize("stage, back", [("assessed", "collected"), ("matched", "assessed"),
                                         ("negotiating", "matched"), ("transformed", "negotiating")])
def test_stepping_back_one_stage(at_stage, cadre, stage, back):
    a = at_stage(stage)
    a = services.achievement_step_back(achievement=a, by=cadre.user, reason="登记有误")
    assert a.stage == back
    if stage == "transformed":
        assert (a.transformation_mode, a.contract_amount, a.transformed_on) == ("", None, None)
        assert a.events.last().before["contract_amount"] == "120.50"


def test_correcting_the_details_and_commenting(at_stage, cadre):
    a = at_stage("assessed")
    a = services.achievement_update(achievement=a, by=cadre.user, title="新标题", achievement_type="software",
                                    technology_field="electronic_information")
    assert (a.title, a.achievement_type, a.technology_field) == ("新标题", "software", "electronic_information")
    assert a.events.last().before["title"] == "高镍三元正极材料低成本制备技术"
    services.achievement_comment(achievement=a, by=cadre.user, text="平台已提供技术资料")
    assert kinds(a)[-2:] == ["updated", "commented"]


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 10, -1, None])
def test_readiness_outside_1_to_9_is_refused(collect, cadre, level):
    a = collect()
    with pytest.raises(ValidationError) as error:
        services.achievement_assess(achievement=a, by=cadre.user, readiness_level=level, judgement="high")
    assert "1 to 9" in " ".join(error.value.message_dict["readiness_level"])
    assert fresh(a).stage == "collected"


def test_a_negative_amount_is_refused(at_stage, cadre):
    a = at_stage("negotiating")
    with pytest.raises(ValidationError) as error:
        services.achievement_transform(achievement=a, by=cadre.user, transformation_mode="licence",
                                       counterpart_enterprise="某公司", contract_amount="-1")
    assert "negative" in " ".join(error.value.message_dict["contract_amount"])
    assert fresh(a).stage == "negotiating"


def test_a_future_transformation_date_is_refused(at_stage, cadre):
    a = at_stage("negotiating")
    with pytest.raises(ValidationError) as error:
        services.achievement_transform(achievement=a, by=cadre.user, transformation_mode="licence",
                                       counterpart_enterprise="某公司", contract_amount=1,
                                       transformed_on=TODAY + datetime.timedelta(days=1))
    assert "future" in error.value.message_dict["transformed_on"][0]


def test_dropping_without_a_reason_is_refused(at_stage, cadre):
    a = at_stage("matched")
    with pytest.raises(ValidationError) as error:
        services.achievement_drop(achievement=a, by=cadre.user, reason="  ")
    assert "reason" in error.value.message_dict
    assert fresh(a).stage == "matched"


@pytest.mark.parametrize("stage, call", [
    ("collected", lambda a, by: services.achievement_advance(achievement=a, by=by, note="x")),
    ("collected", lambda a, by: services.achievement_transform(achievement=a, by=by, transformation_mode="licence",
                                                               counterpart_enterprise="x", contract_amount=1)),
    ("matched", lambda a, by: services.achievement_assess(achievement=a, by=by, readiness_level=5, judgement="low")),
    ("negotiating", lambda a, by: services.achievement_advance(achievement=a, by=by, note="x")),
    ("transformed", lambda a, by: services.achievement_drop(achievement=a, by=by, reason="x")),
    ("transformed", lambda a, by: services.achievement_update(achievement=a, by=by, title="x",
                                                              achievement_type="patent", technology_field="aerospace")),
    ("dropped", lambda a, by: services.achievement_drop(achievement=a, by=by, reason="x")),
    ("collected", lambda a, by: services.achievement_step_back(achievement=a, by=by, reason="x")),
])
def test_the_wrong_stage_is_refused_with_a_message_on_stage(at_stage, cadre, stage, call):
    a = at_stage(stage)
    count = a.events.count()
    with pytest.raises(ValidationError) as error:
        call(a, cadre.user)
    assert "stage" in error.value.message_dict
    assert fresh(a).stage == stage and a.events.count() == count


def test_a_step_dated_before_the_stage_began_or_in_the_future_is_refused(collect, cadre):
    a = collect()
    for day in (datetime.date(2026, 3, 31), TODAY + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            services.achievement_drop(achievement=a, by=cadre.user, reason="x", on=day)
        assert "on" in error.value.message_dict


# --- who may act --------------------------------------------------------------------------------------


def test_the_wrong_role_is_refused_with_a_clear_message(collect, other_cadre):
    a = collect()
    stranger = UserFactory(username="stranger")
    for user in (other_cadre.user, stranger, other_cadre.unit.leader):
        with pytest.raises(PermissionDenied, match="responsible cadre"):
            services.achievement_assess(achievement=a, by=user, readiness_level=5, judgement="high")
        with pytest.raises(PermissionDenied):
            services.achievement_drop(achievement=a, by=user, reason="x")
    with pytest.raises(PermissionDenied):
        services.achievement_comment(achievement=a, by=stranger, text="x")
    assert fresh(a).stage == "collected"


def test_the_leader_bureau_staff_and_admins_may_act(collect, unit_leader, bureau_user, admin_user):
    a = collect()
    a = services.achievement_assess(achievement=a, by=unit_leader, readiness_level=5, judgement="medium")
    a = services.achievement_advance(achievement=a, by=bureau_user, note="对接")
    a = services.achievement_advance(achievement=a, by=admin_user, note="谈判")
    assert a.stage == "negotiating"


def test_credit_stays_with_the_collecting_cadre_after_a_transfer(collect, cadre, platform):
    a = collect()
    successor = CadreFactory(user=UserFactory(username="successor"))
    liaison_services.assignment_transfer(platform=platform, to_cadre=successor, reason="原干部调岗")
    a = fresh(a)
    assert a.collected_by == cadre
    assert cadre.collected_achievements.get() == a
    # Both may still act: the collector keeps the achievement, the successor serves the platform now.
    a = services.achievement_assess(achievement=a, by=successor.user, readiness_level=5, judgement="medium")
    a = services.achievement_advance(achievement=a, by=cadre.user, note="对接")
    assert fresh(a).collected_by == cadre and a.stage == "matched"
    # The successor collects the platform's new ones.
    new = services.achievement_collect(by=successor.user, platform=platform, title="新成果", achievement_type="software",
                                       technology_field="electronic_information")
    assert new.collected_by == successor
