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

Cost: the pages (and a match's confirmation) rank against a ``Corpus``, the candidates' words with
their frequencies and each candidate's norm worked out once and kept (``achievements.corpora``,
until a candidate changes), so a request only weighs them. The rarity of a word is then its rarity
among every candidate of the kind (the open demands, or the matchable achievements), those
already matched with the record included: one pair matched does not reweigh every word. Measured
in ``bench/matching_bench.py`` and ``bench/pages_bench.py`` (bench/README.md).
"""

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import jieba
import numpy as np

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
    still count in the words' rarity).

    The weighing is done on arrays (NumPy), a word at a time: at national scale a demand's 20-odd
    words reach every one of 23,000 achievements through 170,000 postings, which took 55 ms
    candidate by candidate in Python and takes about a millisecond this way (bench/README.md)."""

    def __init__(self, candidates: Iterable[Candidate]):
        words: dict[str, str] = {}  # one string object per word, shared by every candidate having it
        having: dict[str, list[int]] = {}
        pks, fields = [], []
        self.terms = []
        for index, candidate in enumerate(candidates):
            # A tuple, not a set: a tenth of the memory (85 MB for 34,000 candidates as sets). Only
            # the best few are intersected with the query, for their reason.
            terms = tuple(dict.fromkeys(words.setdefault(word, word) for word in candidate.match_terms.split()))
            pks.append(candidate.pk)
            fields.append(candidate.technology_field)
            self.terms.append(terms)
            for word in terms:
                having.setdefault(word, []).append(index)
        self.total = len(pks) + 1
        self.squared = {word: _squared_weight(self.total, len(indexes)) for word, indexes in having.items()}
        self.having = {word: np.array(indexes, dtype=np.intp) for word, indexes in having.items()}
        squared = self.squared
        self.norms = np.array([math.sqrt(sum(map(squared.__getitem__, terms))) for terms in self.terms])
        self.pks = np.array(pks, dtype=np.int64)
        self.field_codes = {name: code for code, name in enumerate(sorted(set(fields)))}
        self.fields = np.array([self.field_codes[name] for name in fields], dtype=np.int32)

    def rank(self, *, words: Iterable[str], technology_field: str, leave_out=frozenset(), only: int | None = None,
             limit: int = SUGGESTIONS) -> list[Suggestion]:
        """The best ``limit`` candidates for ``words`` and ``technology_field``, best first; with
        ``only``, that candidate's fit alone (a list of it, or empty if it shares no word)."""
        query = set(words)
        if not query or limit <= 0:
            return []
        unseen = _squared_weight(self.total, 0)
        query_squared = {word: self.squared.get(word, unseen) for word in query}
        query_norm = math.sqrt(sum(query_squared.values()))
        # Each candidate's share of the query's weight, and how many words it shares.
        weight = np.zeros(len(self.pks))
        shared = np.zeros(len(self.pks), dtype=np.int64)
        for word in query:
            indexes = self.having.get(word)
            if indexes is not None:
                weight[indexes] += query_squared[word]
                shared[indexes] += 1
        sharing = np.flatnonzero(shared)
        if only is not None:
            sharing = sharing[self.pks[sharing] == only]
        if leave_out:
            sharing = sharing[~np.isin(self.pks[sharing], np.fromiter(leave_out, dtype=np.int64))]
        if not sharing.size:
            return []
        cosine = weight[sharing] / (query_norm * self.norms[sharing])
        same_field = self.fields[sharing] == self.field_codes.get(technology_field, -1)
        # rint rounds half to even, as round() does.
        fits = np.rint(100 * np.minimum(1.0, TEXT_WEIGHT * cosine + FIELD_WEIGHT * same_field)).astype(np.int64)
        # Best first: the fit, then the words shared, then the newer candidate; as one number
        # (fit < 2^7, words shared < 2^16, id < 2^40) so that the best are picked without a sort.
        order = (fits << 56) | (np.minimum(shared[sharing], 0xFFFF) << 40) | self.pks[sharing]
        best = np.argpartition(order, -limit)[-limit:] if order.size > limit else np.arange(order.size)
        best = best[np.argsort(order[best])[::-1]]
        suggestions = []
        for position in best.tolist():
            index = int(sharing[position])
            words_shared = query.intersection(self.terms[index])
            suggestions.append(Suggestion(
                pk=int(self.pks[index]), fit=int(fits[position]), same_field=bool(same_field[position]),
                words=tuple(sorted(words_shared, key=lambda word: (-query_squared[word], word))[:REASON_WORDS])))
        return suggestions
