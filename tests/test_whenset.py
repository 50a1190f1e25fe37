"""The script-made "When ...?" set: questions rebuilt from a sentence, gold from plain dates."""

import json
from datetime import date

from newsqa.eval.whenset import date_strings, gold_day, make_questions


def test_gold_days_follow_the_news_convention():
    friday = date(2022, 1, 28)
    assert gold_day("Friday", friday) == friday
    assert gold_day("Friday", friday, last=True) == date(2022, 1, 21)
    assert gold_day("Tuesday", friday) == date(2022, 1, 25)
    assert gold_day("yesterday", friday) == date(2022, 1, 27)
    assert date_strings(friday)[0] == "January 28, 2022"


def test_questions_are_made_from_unambiguous_past_sentences(tmp_path):
    text = ("French President Emmanuel Macron spoke with Russian President Vladimir Putin on "
            "Friday.\nThe talks will resume on Monday.\nThe council met on Tuesday and again "
            "on Wednesday.\nShe said she was tired.")
    record = {"id": "d1", "published_date": "2022-01-28", "text": text}
    (tmp_path / "docs.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    questions = make_questions(tmp_path)
    assert [q.question for q in questions] == [
        "When did French President Emmanuel Macron speak with Russian President Vladimir Putin?"]
    assert questions[0].answer == "January 28, 2022" and questions[0].type == "when"
    assert questions[0].evidence.article_ids == ["d1"]


def test_a_bold_date_counts_only_when_it_is_the_same_day():
    from newsqa.eval.verdict import short_matches

    gold = ["January 28, 2022", "Jan. 28, 2022", "2022-01-28"]
    assert short_matches("Friday, January 28, 2022", gold)
    assert not short_matches("Friday, January 21, 2022", gold)  # shares month and year only
    assert not short_matches("Friday", gold)
