"""Suggested matches (``achievements.matching`` and the selectors that use it)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from achievements import matching, selectors, services
from tests.liaison.factories import CadreFactory

pytestmark = pytest.mark.django_db


def test_words_leave_out_single_characters_numbers_and_common_words():
    words = matching.words_of("一种高镍三元锂离子电池正极材料及其制备技术研究，2024年")
    assert {"锂离子", "电池", "正极", "材料"} <= set(words)
    assert not {"一种", "及其", "技术", "研究", "2024"} & set(words)
    assert all(len(w) >= 2 for w in words)


def test_rank_puts_the_text_match_first_and_gives_the_shared_words():
    candidates = [
        matching.Candidate(1, "new_energy", matching.terms_of("光伏组件清洗机器人")),
        matching.Candidate(2, "new_materials", matching.terms_of("需要动力电池正极材料包覆改性技术，提升循环寿命")),
        matching.Candidate(3, "new_materials", matching.terms_of("建筑保温材料")),
        matching.Candidate(4, "electronic_information", matching.terms_of("工业视觉缺陷检测")),
    ]
    ranked = matching.rank(
        words=matching.words_of("高镍三元锂电池正极材料包覆改性"), technology_field="new_materials",
        candidates=candidates,
    )
    assert [s.pk for s in ranked] == [2, 3]
    best = ranked[0]
    assert best.same_field and {"正极", "包覆", "改性"} <= set(best.words)
    # The rarer word comes first in the reason: 材料 is in two demands, 正极 in one.
    assert best.words.index("正极") < best.words.index("材料")
    assert 0 < ranked[1].fit < best.fit <= 100


def test_a_candidate_sharing_no_word_is_not_suggested_even_in_the_same_field():
    candidates = [matching.Candidate(1, "new_materials", matching.terms_of("建筑保温"))]
    assert matching.rank(words=["正极"], technology_field="new_materials", candidates=candidates) == []
    assert matching.rank(words=[], technology_field="new_materials", candidates=candidates) == []


@pytest.fixture
def park(db):
    from liaison.models import Unit
    from tests.liaison.factories import UnitFactory

    return UnitFactory(name="高新区管委会", kind=Unit.Kind.PARK)


def test_suggestions_for_an_achievement_rank_the_obvious_demand_first_with_its_reason(at_stage, park):
    park_cadre = CadreFactory(unit=park)
    raise_demand = lambda title, field, description="": services.demand_raise(  # noqa: E731
        by=park_cadre.user, unit=park, title=title, technology_field=field, description=description,
        enterprise="某新能源企业",
    )
    raise_demand("光伏电站运维无人机巡检", "new_energy")
    obvious = raise_demand("寻求高镍正极材料低成本制备工艺", "new_materials", "用于动力电池，降低钴用量")
    raise_demand("新型建筑保温材料", "new_materials")
    raise_demand("中药饮片质量追溯", "biomedicine")
    achievement = at_stage("assessed")

    suggestions = selectors.suggested_demands(achievement=achievement)
    demand, suggestion = suggestions[0]
    assert demand == obvious
    assert {"正极", "制备"} <= set(suggestion.words) and suggestion.same_field
    assert all(s.fit <= suggestion.fit for _d, s in suggestions)

    # And from the demand's side, the achievement comes first.
    found, why = selectors.suggested_achievements(demand=obvious)[0]
    assert found == achievement and "正极" in why.words

    # A record without a word to match (its text all common words) fits nothing, and no candidate
    # is read to find that.
    wordless = raise_demand("技术需求", "new_materials")
    assert wordless.match_terms == ""
    with CaptureQueriesContext(connection) as queries:
        assert selectors.suggested_achievements(demand=wordless) == []
    assert len(queries) == 0


def _fits_as_the_module_says(words, field, candidates):
    """The fit of each candidate sharing a word, worked out from the module's description: a word's
    weight is (log((N + 2) / (df + 2)) + 1)^2 over the N candidates, the text's part the cosine of
    the two word sets so weighted, and fit = 100 x (0.8 x text + 0.2 in the same field)."""
    import math
    from collections import Counter

    frequency = Counter(word for c in candidates for word in set(c.match_terms.split()))
    total = len(candidates) + 1

    def weight(word):
        return (math.log((total + 1) / (frequency.get(word, 0) + 2)) + 1.0) ** 2

    query = set(words)
    query_norm = math.sqrt(sum(map(weight, query)))
    fits = []
    for c in candidates:
        terms = set(c.match_terms.split())
        shared = query & terms
        if shared:
            cosine = sum(map(weight, shared)) / (query_norm * math.sqrt(sum(map(weight, terms))))
            fit = round(100 * min(1.0, 0.8 * cosine + (0.2 if c.technology_field == field else 0.0)))
            fits.append((fit, len(shared), c.pk))
    return [(pk, fit) for fit, _n, pk in sorted(fits, reverse=True)]


def test_a_corpus_ranks_by_the_fit_the_module_describes_and_leaves_out_after_weighing():
    import random

    from achievements.demo import TOPICS

    rng = random.Random(7)
    topics = [(field, topic) for field, items in TOPICS.items() for topic in items]
    texts = []
    for pk in range(1, 301):
        field, (technique, result, sub_field, _kind) = rng.choice(topics)
        texts.append(matching.Candidate(pk, field, matching.terms_of(f"{technique}{result}", sub_field)))
    corpus = matching.Corpus(texts)
    for field, (technique, result, sub_field, _kind) in rng.sample(topics, 10):
        words = matching.words_of(f"寻求{technique}", sub_field)
        ranked = corpus.rank(words=words, technology_field=field, limit=20)
        assert [(s.pk, s.fit) for s in ranked] == _fits_as_the_module_says(words, field, texts)[:20]
        # Leaving a candidate out drops it from the list; the words weigh as before.
        gone = {ranked[0].pk}
        assert corpus.rank(words=words, technology_field=field, limit=19, leave_out=gone) == ranked[1:]
        # One candidate's fit alone (a match's confirmation) is the fit it is ranked by.
        assert corpus.rank(words=words, technology_field=field, only=ranked[-1].pk, limit=1) == ranked[-1:]


def test_the_corpus_is_kept_until_a_candidate_changes(at_stage, park):
    park_cadre = CadreFactory(unit=park)
    demand = services.demand_raise(by=park_cadre.user, unit=park, title="寻求高镍正极材料低成本制备工艺",
                                   technology_field="new_materials", enterprise="某新能源企业")
    achievement = at_stage("assessed")
    assert [a for a, _s in selectors.suggested_achievements(demand=demand)] == [achievement]
    with CaptureQueriesContext(connection) as again:
        selectors.suggested_achievements(demand=demand)
    assert not any("match_terms\" FROM" in q["sql"] for q in again.captured_queries)  # kept: words not read

    # A new candidate, a reworded one, one that leaves the matchable stages: each is seen at once.
    other = at_stage("assessed")
    assert {a for a, _s in selectors.suggested_achievements(demand=demand)} == {achievement, other}
    services.achievement_update(achievement=other, by=other.collected_by.user, title="光伏组件清洗机器人",
                                technology_field="new_energy", achievement_type=other.achievement_type)
    assert [a for a, _s in selectors.suggested_achievements(demand=demand)] == [achievement]
    services.achievement_drop(achievement=achievement, by=achievement.collected_by.user, reason="技术不成熟")
    assert selectors.suggested_achievements(demand=demand) == []
