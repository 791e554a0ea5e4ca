"""The order in which units are listed everywhere: the office, city departments, districts and
counties, then parks; within each group by the pinyin of the name.

Pure (no Django imports) so that the model, its data migration and the tests share one rule.
Databases sort Chinese by code point, which is meaningless to a reader (长沙县 after 岳麓区);
the key spells the name in pinyin so that a plain ``ORDER BY sort_key`` reads alphabetically.
"""

from pypinyin import Style, lazy_pinyin

#: Rank of each kind of unit (``Unit.Kind`` values); the office comes before all of them.
_OFFICE_RANK = 0
_KIND_RANK = {"city_department": 1, "district": 2, "park": 3}
#: A kind added later without a rank sorts after the known ones rather than failing.
_UNKNOWN_KIND_RANK = 9

#: Room for the rank, and up to 100 characters each spelled in at most 6 letters plus a space.
SORT_KEY_MAX_LENGTH = 720


def unit_sort_key(*, name: str, kind: str, is_office: bool) -> str:
    """The key ``Unit.sort_key`` stores: ``"<rank> <pinyin of the name> | <name>"``.

    Syllables are separated by spaces so that 西安 (xi an) sorts before 仙 (xian), as in a
    dictionary; characters without pinyin (Latin letters, digits) are kept as written, lowercased.
    The name itself ends the key so that homophones still sort the same way on every database.
    """
    rank = _OFFICE_RANK if is_office else _KIND_RANK.get(kind, _UNKNOWN_KIND_RANK)
    spelled = " ".join(lazy_pinyin(name, style=Style.NORMAL, errors="default")).lower()
    return f"{rank} {spelled} | {name}"[:SORT_KEY_MAX_LENGTH]
