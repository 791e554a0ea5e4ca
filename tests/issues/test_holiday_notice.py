"""The holiday notice reader (issues.holiday_notice): the notices as published, against chinesecalendar.

chinesecalendar's ``holidays`` dict lists every day of a holiday range, weekend days included, and
a 补休 day; its ``workdays`` dict lists the makeup workdays. For 2025 and 2026 the notice's days
equal the package's exactly. For older years the package sometimes lists the weekend next to a
"与周末连休" day (2019) and sometimes not (2016), and it follows later amendments (2015's 70th
anniversary days, 2020's longer Spring Festival); those years are compared exactly where the notice
and the package agree, and otherwise day by day as working days, with the difference named.
"""

import datetime

import chinese_calendar
from chinese_calendar.constants import holidays as PACKAGE_HOLIDAYS, workdays as PACKAGE_WORKDAYS

from issues.holiday_notice import (
    BAD_DATE,
    BAD_RANGE,
    CONFLICT,
    COUNT_MISMATCH,
    NOT_A_RULE,
    NO_YEAR,
    WEEKDAY_MISMATCH,
    YEAR_MISMATCH,
    parse_notice,
)

D = datetime.date

CLOSING = """
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
{signed}
"""


def notice(year, items, *, number="国办发明电〔2025〕7号", signed="2025年11月4日"):
    """The notice as published: title, number, addressees, preamble, the items, closing, signature."""
    return (
        f"国务院办公厅关于{year}年部分节假日安排的通知\n{number}\n\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
        f"　　经国务院批准，现将{year}年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。\n"
        + items
        + CLOSING.format(signed=signed)
    )


NOTICE_2025 = notice(
    2025,
    "一、元旦：1月1日（周三）放假1天，不调休。二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，"
    "共8天。1月26日（周日）、2月8日（周六）上班。三、清明节：4月4日（周五）至6日（周日）放假，共3天。四、劳动节：5月1日"
    "（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。"
    "六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。",
    number="国办发明电〔2024〕12号",
    signed="2024年11月12日",
)

NOTICE_2026 = notice(
    2026,
    "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。二、春节：2月15日（农历腊月二十八、周日）"
    "至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。三、清明节：4月4日（周六）至6日"
    "（周一）放假，共3天。四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。五、端午节：6月19日"
    "（周五）至21日（周日）放假，共3天。六、中秋节：9月25日（周五）至27日（周日）放假，共3天。七、国庆节：10月1日（周四）"
    "至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。",
)

# Older styles, one item a line as they were published: 补休, 与周末连休, no 共N天, 星期 weekdays.
NOTICE_2015 = notice(2015, """
一、元旦：1月1日至3日放假调休，共3天。1月4日（星期日）上班。
二、春节：2月18日至24日放假调休，共7天。2月15日（星期日）、2月28日（星期六）上班。
三、清明节：4月5日放假，4月6日（星期一）补休。
四、劳动节：5月1日放假。
五、端午节：6月20日放假，6月22日（星期一）补休。
六、中秋节：9月27日放假。
七、国庆节：10月1日至7日放假调休，共7天。10月10日（星期六）上班。
""", number="国办发明电〔2014〕28号", signed="2014年12月16日")

NOTICE_2016 = notice(2016, """
一、元旦：1月1日放假，与周末连休。
二、春节：2月7日至13日放假调休，共7天。2月6日（星期六）、2月14日（星期日）上班。
三、清明节：4月4日放假，与周末连休。
四、劳动节：5月1日放假，5月2日（星期一）补休。
五、端午节：6月9日至11日放假调休，共3天。6月12日（星期日）上班。
六、中秋节：9月15日至17日放假调休，共3天。9月18日（星期日）上班。
七、国庆节：10月1日至7日放假调休，共7天。10月8日（星期六）、10月9日（星期日）上班。
""", number="国办发明电〔2015〕18号", signed="2015年12月10日")

# 2019's 劳动节 item as amended in March 2019 (国办发明电〔2019〕2号), which the package follows.
NOTICE_2019 = notice(2019, """
一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。
二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班。
三、清明节：4月5日放假，与周末连休。
四、劳动节：5月1日至4日放假调休，共4天。4月28日（星期日）、5月5日（星期日）上班。
五、端午节：6月7日放假，与周末连休。
六、中秋节：9月13日放假，与周末连休。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。
""", number="国办发明电〔2018〕15号", signed="2018年12月6日")

NOTICE_2020 = notice(2020, """
一、元旦：2020年1月1日放假，共1天。
二、春节：1月24日至30日放假调休，共7天。1月19日（星期日）、2月1日（星期六）上班。
三、清明节：4月4日至6日放假调休，共3天。
四、劳动节：5月1日至5日放假调休，共5天。4月26日（星期日）、5月9日（星期六）上班。
五、端午节：6月25日至27日放假调休，共3天。6月28日（星期日）上班。
六、国庆节、中秋节：10月1日至8日放假调休，共8天。9月27日（星期日）、10月10日（星期六）上班。
""", number="国办发明电〔2019〕16号", signed="2019年11月21日")

# 2024's has an advice beside its items (除夕 off, encouraged, not a holiday): skipped, not flagged.
NOTICE_2024 = notice(2024, """
一、元旦：1月1日放假，与周末连休。
二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。
三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。
五、端午节：6月10日放假，与周末连休。
六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。
""", number="国办发明电〔2023〕7号", signed="2023年10月25日")


def package_days(year, months=range(1, 13)):
    holidays = {d for d in PACKAGE_HOLIDAYS if d.year == year and d.month in months}
    workdays = {d for d in PACKAGE_WORKDAYS if d.year == year and d.month in months}
    return holidays, workdays


def days_of(parsed):
    return set(parsed.holidays), set(parsed.workdays)


def working_days_disagreeing(parsed, year):
    """The days of ``year`` the notice and the package count differently (working day or not)."""
    holidays, workdays = days_of(parsed)
    day, wrong = D(year, 1, 1), []
    while day.year == year:
        by_notice = day in workdays or (day.weekday() < 5 and day not in holidays)
        if by_notice != chinese_calendar.is_workday(day):
            wrong.append(day)
        day += datetime.timedelta(days=1)
    return wrong


def test_2025_as_published_equals_the_package():
    parsed = parse_notice(NOTICE_2025)
    assert parsed.unread == ()
    assert parsed.year == 2025
    assert parsed.title == "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）"
    assert days_of(parsed) == package_days(2025)
    assert len(parsed.holidays) == 28 and len(parsed.workdays) == 5
    assert parsed.holidays[D(2025, 1, 28)] == "春节" and parsed.workdays[D(2025, 10, 11)] == "国庆节、中秋节"


def test_2026_as_published_equals_the_package():
    parsed = parse_notice(NOTICE_2026)
    assert parsed.unread == () and parsed.year == 2026
    assert days_of(parsed) == package_days(2026)
    assert parsed.holidays[D(2026, 1, 3)] == "元旦" and parsed.workdays[D(2026, 1, 4)] == "元旦"


def test_2016_older_style_equals_the_package():
    # 与周末连休 names one day; 补休 is a holiday; the package lists exactly those.
    parsed = parse_notice(NOTICE_2016)
    assert parsed.unread == ()
    assert days_of(parsed) == package_days(2016)


def test_2024_with_its_advice_on_new_years_eve_equals_the_package():
    parsed = parse_notice(NOTICE_2024)
    assert parsed.unread == ()
    assert days_of(parsed) == package_days(2024)
    assert D(2024, 2, 9) not in parsed.holidays


def test_2015_equals_the_package_but_for_the_later_70th_anniversary_days():
    parsed = parse_notice(NOTICE_2015)
    assert parsed.unread == ()
    holidays, workdays = package_days(2015)
    assert set(parsed.holidays) == holidays - {D(2015, 9, 3), D(2015, 9, 4)}
    assert set(parsed.workdays) == workdays - {D(2015, 9, 6)}
    assert set(parsed.holidays) >= {D(2015, 4, 6), D(2015, 6, 22)}  # the 补休 days


def test_2019_reads_the_december_days_of_the_year_before_and_counts_as_the_package():
    parsed = parse_notice(NOTICE_2019)
    assert parsed.unread == ()
    assert {d for d in parsed.holidays if d.year == 2018} == {D(2018, 12, 30), D(2018, 12, 31)}
    assert {d for d in parsed.workdays if d.year == 2018} == {D(2018, 12, 29)}
    assert package_days(2018, months=[12]) == ({D(2018, 12, 30), D(2018, 12, 31)}, {D(2018, 12, 29)})
    # The package also lists the weekend beside each 与周末连休 day; as working days they agree.
    assert set(parsed.holidays) - {D(2018, 12, 30), D(2018, 12, 31)} < package_days(2019)[0]
    assert working_days_disagreeing(parsed, 2019) == []


def test_2020_counts_as_the_package_but_for_the_later_longer_spring_festival():
    parsed = parse_notice(NOTICE_2020)
    assert parsed.unread == ()
    holidays, workdays = package_days(2020)
    assert set(parsed.holidays) == holidays - {D(2020, 1, 31), D(2020, 2, 1), D(2020, 2, 2)}
    assert set(parsed.workdays) == workdays | {D(2020, 2, 1)}
    assert working_days_disagreeing(parsed, 2020) == [D(2020, 1, 31), D(2020, 2, 1)]


def test_a_december_date_without_a_year_belongs_to_the_year_before():
    parsed = parse_notice("一、元旦：12月30日（周三）至1月1日（周五）放假调休，共3天。", year=2027)
    assert parsed.unread == () and parsed.year == 2027
    assert set(parsed.holidays) == {D(2026, 12, 30), D(2026, 12, 31), D(2027, 1, 1)}


def test_full_width_digits_and_the_year_from_the_preamble():
    parsed = parse_notice("现将２０２７年节假日安排通知如下：一、元旦：１月１日（星期五）至３日（星期日）放假，共３天。")
    assert parsed.unread == () and parsed.year == 2027
    assert set(parsed.holidays) == {D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)}


def reasons(parsed):
    return [(u.text, u.reason) for u in parsed.unread]


def test_a_wrong_count_names_the_sentence_and_gives_none_of_its_days():
    text = NOTICE_2026.replace("共9天", "共8天")
    parsed = parse_notice(text)
    assert reasons(parsed) == [("二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共8天", COUNT_MISMATCH)]
    assert parsed.unread[0].params == {"said": 8, "counted": 9}
    assert D(2026, 2, 16) not in parsed.holidays
    assert D(2026, 2, 14) in parsed.workdays  # the next sentence, read on its own


def test_unreadable_day_rules_are_named_and_the_rest_is_read():
    text = NOTICE_2026.replace("1月4日（周日）上班", "1月4日（周一）上班").replace(
        "5月9日（周六）上班", "5月9日（周六）照常上课"
    ).replace("六、中秋节：9月25日", "六、中秋节：9月31日") + "\n八、植树节：3月12日起放假若干天。"
    parsed = parse_notice(text)
    assert [u.reason for u in parsed.unread] == [WEEKDAY_MISMATCH, NOT_A_RULE, BAD_DATE, NOT_A_RULE]
    assert parsed.unread[0].params == {"date": "2026-01-04", "weekday": "周一"}
    assert parsed.unread[3].text == "八、植树节：3月12日起放假若干天"
    assert D(2026, 1, 4) not in parsed.workdays and D(2026, 2, 15) in parsed.holidays


def test_a_range_backwards_a_conflict_a_missing_year_and_another_years_title():
    parsed = parse_notice("一、元旦：1月3日至1月1日放假。二、春节：2月1日放假。2月1日上班。", year=2027)
    assert [u.reason for u in parsed.unread] == [BAD_RANGE, CONFLICT]
    assert parse_notice("一、元旦：1月1日放假。").unread[0].reason == NO_YEAR
    assert parse_notice(NOTICE_2026, year=2027).unread[0].reason == YEAR_MISMATCH
