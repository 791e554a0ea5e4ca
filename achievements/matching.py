"""Suggested matches between achievements and technology demands, with the words that matched.

The fit of an achievement and a demand is mostly their text and a little their field:

- The text is cut into words by jieba (``lcut_for_search``, which also yields the shorter words
  inside a long compound, so 锂离子电池 meets 锂电池 on 电池). Single characters, numbers and a short
  list of words every text has (技术, 研究, 需求, ...) are left out. These words are stored with each
  achievement and demand (``match_terms``), written by the services, so ranking never re-cuts the
  candidates.
- Words weigh their rarity among the candidates (inverse document frequency): two texts sharing
  钙钛矿 say more than two sharing 材料. The text's part of the fit is the cosine of the two
  texts' word sets weighted that way (0 to 1).
- Fit = 100 x (0.8 x text + 0.2 if both are in the same high-tech field), rounded. A candidate
  sharing no word is never suggested, whatever its field: the field alone says too little.

The reason shown with a suggestion is the shared words, rarest first, and the shared field.

Cost: the pages rank against a ``Corpus``, the candidates' words with their frequencies and each
candidate's norm worked out once and kept (``achievements.selectors``, until a candidate changes),
so a request weighs only the candidates sharing a word with it. The rarity of a word is then its
rarity among every candidate of the kind (the open demands, or the matchable achievements), those
already matched with the record included: one pair matched does not reweigh every word. Measured
in ``bench/matching_bench.py`` and ``bench/pages_bench.py`` (bench/README.md).
"""

import heapq
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

jieba.setLogLevel(logging.WARNING)

#: Suggestions shown for one achievement or one demand.
SUGGESTIONS = 10
#: Shared words shown as the reason.
REASON_WORDS = 6
TEXT_WEIGHT, FIELD_WEIGHT = 0.8, 0.2

#: Words so common in achievements and demands that sharing them says nothing.
STOP_WORDS = frozenset(
    """
    技术 研究 开发 研发 应用 系统 方法 一种 及其 基于 相关 进行 需要 需求 提供 企业 产品 我们 希望 能够 实现
    用于 以及 具有 通过 问题 项目 工作 提高 解决 可以 目前 公司 合作 寻求 方面 领域 主要 其中 一个 这个 等等
    利用 采用 包括 对于 没有 已经 如何 是否 或者 并且 以上 以下 进一步 有限公司 有限 研究院 研究所 大学 学院
    装置 设备 工艺 技术开发 关键技术 成果 转化 推广 开展 完成 形成 建立 达到 国内 国际 先进 水平 我司 本公司 涉及 提升 降低
    实际 较高 良好 显著 有效 重要 新型 高效
    """.split()
)

_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z][a-z0-9\-]+")


def words_of(*texts: str) -> list[str]:
    """The distinct words of ``texts`` worth comparing, in their first order."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for token in jieba.lcut_for_search(text.lower()):
            token = token.strip()
            if token in seen or token in STOP_WORDS or not _WORD.fullmatch(token):
                continue
            seen[token] = None
    return list(seen)


def terms_of(*texts: str) -> str:
    """What the services store in ``match_terms``: the words, space-separated."""
    return " ".join(words_of(*texts))


@dataclass(frozen=True)
class Suggestion:
    """One ranked candidate: its id, its fit (0-100) and why."""

    pk: int
    fit: int
    words: tuple[str, ...]
    same_field: bool


@dataclass(frozen=True)
class Candidate:
    pk: int
    technology_field: str
    match_terms: str


def rank(
    *, words: Iterable[str], technology_field: str, candidates: Iterable[Candidate], limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """The ``limit`` candidates that fit ``words`` and ``technology_field`` best, best first
    (ties: the newer candidate, i.e. the higher id): ``Corpus(candidates).rank``, for candidates
    ranked once."""
    if not set(words):
        return []
    return Corpus(candidates).rank(words=words, technology_field=technology_field, limit=limit)


def _squared_weight(total: int, count: int) -> float:
    return (math.log((total + 1) / (count + 2)) + 1.0) ** 2


class Corpus:
    """Candidates ranked often: each one's words, each word's frequency among them and
    the candidates having it, and each candidate's norm, worked out once. ``rank`` weighs a query
    against them (the fit, as the module says), leaving out ``leave_out`` after the weighing (they
    still count in the words' rarity)."""

    def __init__(self, candidates: Iterable[Candidate]):
        words: dict[str, str] = {}  # one string object per word, shared by every candidate having it
        self.pks, self.fields, self.terms = [], [], []
        frequency = Counter()
        for candidate in candidates:
            # A tuple, not a set: a tenth of the memory (85 MB for 34,000 candidates as sets), and
            # intersecting the query's set with it costs the same.
            terms = tuple(dict.fromkeys(words.setdefault(word, word) for word in candidate.match_terms.split()))
            self.pks.append(candidate.pk)
            self.fields.append(candidate.technology_field)
            self.terms.append(terms)
            frequency.update(terms)
        self.total = len(self.pks) + 1
        self.squared = {word: _squared_weight(self.total, count) for word, count in frequency.items()}
        self.having: dict[str, list[int]] = {}
        for index, terms in enumerate(self.terms):
            for word in terms:
                self.having.setdefault(word, []).append(index)
        squared = self.squared
        self.norms = [math.sqrt(sum(map(squared.__getitem__, terms))) for terms in self.terms]

    def rank(self, *, words: Iterable[str], technology_field: str, leave_out=frozenset(),
             limit: int = SUGGESTIONS) -> list[Suggestion]:
        query = set(words)
        if not query:
            return []
        unseen = _squared_weight(self.total, 0)
        query_squared = {word: self.squared.get(word, unseen) for word in query}
        query_norm = math.sqrt(sum(query_squared.values()))
        sharing = set()
        for word in query:
            sharing.update(self.having.get(word, ()))
        # Only the best ``limit`` are kept as the loop goes (a heap: the worst of them first), so the
        # tens of thousands weighed at national scale leave nothing behind to collect.
        best: list[tuple] = []
        pks, terms, norms, fields, weight = self.pks, self.terms, self.norms, self.fields, query_squared.__getitem__
        for index in sharing:
            pk = pks[index]
            if pk in leave_out:
                continue
            shared = query.intersection(terms[index])
            cosine = sum(map(weight, shared)) / (query_norm * norms[index])
            fit = round(100 * min(1.0, TEXT_WEIGHT * cosine + (FIELD_WEIGHT if fields[index] == technology_field else 0.0)))
            entry = (fit, len(shared), pk, index)
            if len(best) < limit:
                heapq.heappush(best, entry)
            elif entry > best[0]:
                heapq.heapreplace(best, entry)
        suggestions = []
        for fit, _n, pk, index in sorted(best, reverse=True):
            shared = query.intersection(terms[index])
            suggestions.append(Suggestion(
                pk=pk, fit=fit, same_field=fields[index] == technology_field,
                words=tuple(sorted(shared, key=lambda word: (-query_squared[word], word))[:REASON_WORDS])))
        return suggestions


def fit_of(*, words: Iterable[str], technology_field: str, candidate: Candidate, corpus: Iterable[Candidate]) -> Suggestion | None:
    """The fit of one pair, weighed against ``corpus`` (the candidates it would be ranked among)."""
    others = [c for c in corpus if c.pk != candidate.pk]
    for suggestion in rank(words=words, technology_field=technology_field, candidates=[candidate, *others],
                           limit=len(others) + 1):
        if suggestion.pk == candidate.pk:
            return suggestion
    return None
