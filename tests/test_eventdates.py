"""Event dates: relative date phrases read against the article's publication date."""

from datetime import date

import pytest

from newsqa.index.eventdates import as_date, resolve

FRIDAY = date(2022, 1, 28)  # the sample article's date, a Friday


@pytest.mark.parametrize("phrase, day", [
    ("Friday", "2022-01-28"),  # the same weekday is the publication day, not a week back
    ("on Friday", "2022-01-28"),
    ("late Friday", "2022-01-28"),
    ("Friday evening", "2022-01-28"),
    ("Friday at 9 p.m. ET", "2022-01-28"),
    ("Friday.", "2022-01-28"),
    ("Thursday night", "2022-01-27"),
    ("Saturday", "2022-01-22"),  # reported in the past: the Saturday before
    ("on Monday", "2022-01-24"),
    ("last Friday", "2022-01-21"),  # "last" is strictly before
    ("yesterday", "2022-01-27"),
    ("today", "2022-01-28"),
    ("tomorrow", "2022-01-29"),
    ("two days ago", "2022-01-26"),
    ("Jan. 28", "2022-01-28"),
    ("Dec. 30", "2021-12-30"),  # no year: the one nearest publication
    ("Jan. 28, 2022", "2022-01-28"),
    ("December 5, 2021", "2021-12-05"),
])
def test_days_are_fixed_from_the_publication_date(phrase, day):
    found = resolve(phrase, FRIDAY)
    assert found is not None and found.period == "day"
    assert found.iso == day


def test_the_display_names_the_weekday_and_the_date():
    assert resolve("on Friday", FRIDAY).display() == "Friday, January 28, 2022"


def test_the_tense_of_the_sentence_turns_a_weekday_forward():
    assert resolve("Saturday", FRIDAY, future=True).iso == "2022-01-29"
    assert resolve("Friday", FRIDAY, future=True).iso == "2022-01-28"
    assert resolve("next Friday", FRIDAY).iso == "2022-02-04"
    assert resolve("Feb. 3", FRIDAY, future=False).iso == "2021-02-03"
    assert resolve("Dec. 30", FRIDAY, future=True).iso == "2022-12-30"


def test_a_year_boundary_and_a_leap_day():
    new_year = date(2022, 1, 2)  # a Sunday
    assert resolve("Friday", new_year).iso == "2021-12-31"
    assert resolve("Dec. 31", new_year).iso == "2021-12-31"
    assert resolve("Feb. 29", date(2024, 3, 1)).iso == "2024-02-29"


@pytest.mark.parametrize("phrase, period", [
    ("last week", "week"), ("this week", "week"), ("last month", "month"),
    ("earlier this month", "month"), ("in March", "month"), ("2021", "year"),
])
def test_phrases_that_fix_no_day_keep_their_period(phrase, period):
    found = resolve(phrase, FRIDAY)
    assert found is not None and found.day is None and found.period == period


def test_what_fixes_no_day_is_shown_with_the_article_date():
    assert resolve("last week", FRIDAY).display() == "last week (in an article of January 28, 2022)"
    assert resolve("March 2021", FRIDAY).display() == "March 2021"
    assert resolve("evening", FRIDAY).day is None
    assert resolve("9 p.m.", FRIDAY).display() == "9 p.m. (in an article of January 28, 2022)"


def test_without_a_publication_date_a_relative_day_is_not_guessed():
    assert resolve("Friday", None) is None or resolve("Friday", None).day is None
    assert resolve("January 28, 2022", None).iso == "2022-01-28"


@pytest.mark.parametrize("phrase", ["hello world", "the company", "", "Putin"])
def test_words_that_are_no_date(phrase):
    assert resolve(phrase, FRIDAY) is None


def test_publication_dates_from_metadata():
    assert as_date("2022-01-28") == FRIDAY
    assert as_date("2022-01-28T14:00:29+00:00") == FRIDAY
    assert as_date("yesterday") is None and as_date(None) is None
