"""The candidates' words kept per process (achievements.corpora): read again at once after any
write of a candidate, and not read while none changes."""

import pytest

from achievements import selectors, services
from achievements.models import Achievement, CorpusVersion
from tests.liaison.factories import CadreFactory


@pytest.fixture
def park(db):
    from liaison.models import Unit
    from tests.liaison.factories import UnitFactory

    return UnitFactory(name="高新区管委会", kind=Unit.Kind.PARK)


@pytest.fixture
def demand(park):
    return services.demand_raise(by=CadreFactory(unit=park).user, unit=park, title="寻求高镍正极材料低成本制备工艺",
                                 technology_field="new_materials", enterprise="某新能源企业")


def test_while_no_candidate_changes_a_suggestion_reads_one_row_not_the_words(at_stage, demand, django_assert_num_queries):
    achievement = at_stage("assessed")
    assert [a for a, _s in selectors.suggested_achievements(demand=demand)] == [achievement]
    # The token, the demand's matches (left out) and the achievements suggested.
    with django_assert_num_queries(3):
        assert [a for a, _s in selectors.suggested_achievements(demand=demand)] == [achievement]


def test_a_candidate_written_or_deleted_outside_the_services_is_seen_at_once(at_stage, demand):
    """Saves and deletes move the token whoever makes them (the admin, an import, a factory)."""
    achievement, other = at_stage("assessed"), at_stage("assessed")
    assert {a for a, _s in selectors.suggested_achievements(demand=demand)} == {achievement, other}

    other = Achievement.objects.get(pk=other.pk)
    other.match_terms = "光伏 组件 清洗 机器人"
    other.save()
    assert [a for a, _s in selectors.suggested_achievements(demand=demand)] == [achievement]

    token = CorpusVersion.objects.get(kind="achievements").token
    demand.delete()
    # A demand's write moves the demands' token, not the achievements'.
    assert CorpusVersion.objects.get(kind="achievements").token == token
    assert selectors.suggested_demands(achievement=achievement) == []
