"""The pure CSV builder: columns, cells, quoting, the formula-injection guard."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import yaml

from screener.export import csv_table as csv_export
from screener.core import rules
from screener.core.questionnaire import load, loads
from screener.storage.submissions import assessment_record
from tests.kit.apps import DATA, QUESTIONS
from tests.helpers import baseline, baseline_1_0_0, phq9

SUBMITTED = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=timezone.utc)


def record(questionnaire, answers, **contact):
    """A row as the export reads it from the database."""
    assessment = rules.evaluate(questionnaire, answers)
    fields = dict(contact_name="Alex Example", contact_email="alex@example.com",
                  contact_phone=None, contact_method="email", contact_time=None,
                  contact_message=None, reference="K7Q-4M9", language="en")
    fields.update(contact)
    return SimpleNamespace(
        id=uuid.UUID("12345678-1234-5678-1234-567812345678"), submitted_at=SUBMITTED,
        questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
        questionnaire_sha256=questionnaire.source_sha256, review_status="new",
        outcome=assessment.outcome,
        flag_list=(" " + " ".join(assessment.flags) + " ") if assessment.flags else "",
        assessment=assessment_record(assessment), answers=answers, assignee=None, notes=0,
        contact_attempts=0, **fields,
    )


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def cells(columns, questionnaire, rec) -> list:
    """One record's cells, as the export computes them."""
    return next(csv_export.rows(columns, [rec], lambda sha: questionnaire))


def cells_by_header(questionnaire, answers, **contact) -> dict[str, object]:
    columns = csv_export.layout([questionnaire])
    return dict(zip(columns.headers, cells(columns, questionnaire,
                                           record(questionnaire, answers, **contact))))


# --- guard ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dangerous", ["=1+1", "+1 555 0100", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                       "=HYPERLINK(\"http://evil\")"])
def test_guard_neutralises_formula_starts(dangerous):
    assert csv_export.guard(dangerous) == "'" + dangerous


@pytest.mark.parametrize("safe", ["Alex", "", " =1", "a=b", "3_or_more", "2026-03-04T05:06:07Z"])
def test_guard_leaves_other_text_alone(safe):
    assert csv_export.guard(safe) == safe


@pytest.mark.parametrize("number", [-3, -0.5, 0, 27, 3.6666666666666665])
def test_guard_leaves_numbers_as_numbers(number):
    assert csv_export.guard(number) == number


# --- writer -----------------------------------------------------------------------------------

def test_write_quotes_per_rfc4180_with_crlf():
    text = "".join(csv_export.write(["a", "b"], [['comma, here', 'quote " here'],
                                                  ["line\nbreak", None]]))
    # Every text cell is quoted (issue 16), empty ones too; numbers are not.
    assert text == '"a","b"\r\n"comma, here","quote "" here"\r\n"line\nbreak",""\r\n'
    assert parse(text)[1:] == [["comma, here", 'quote " here'], ["line\nbreak", ""]]


def test_write_guards_every_text_cell_including_labels():
    text = "".join(csv_export.write(["a"], [["=cmd|' /C calc'!A0"], [-4]], labels=["-label"]))
    assert parse(text) == [["a"], ["'-label"], ["'=cmd|' /C calc'!A0"], ["-4"]]


def test_write_header_comes_first_and_alone_then_rows_in_chunks():
    chunks = list(csv_export.write(["h"], ([i] for i in range(5)), chunk_rows=2))
    assert chunks == ['"h"\r\n', "0\r\n1\r\n", "2\r\n3\r\n", "4\r\n"]


def test_write_with_no_rows_is_just_the_header():
    assert list(csv_export.write(["a", "b"], [])) == ['"a","b"\r\n']


def test_bom_only_when_asked():
    assert "".join(csv_export.write(["a"], [], bom=True)) == '\ufeff"a"\r\n'
    assert not "".join(csv_export.write(["a"], [])).startswith("\ufeff")


# --- layout and rows --------------------------------------------------------------------------

def test_columns_in_the_documented_order(questionnaire):
    columns = csv_export.layout([questionnaire])
    fixed = [c for c, _ in csv_export.FIXED_COLUMNS]
    scores = [f"{s.id}_{part}" for s in questionnaire.scores for part in ("score", "band")]
    contact = [c for c, _ in csv_export.CONTACT_COLUMNS]
    # The questions a later version added come after every 1.0.0 question and after the review
    # columns (issue 15), 1.1.0's before 1.2.0's, so no column of an earlier export moves
    questions = list(questionnaire.questions)
    added = {version: [q for q in questions if questionnaire.questions[q].added_in == version]
             for version in ("1.1.0", "1.2.0")}
    review = [c for c, _ in csv_export.REVIEW_COLUMNS]
    first = [q for q in questions if questionnaire.questions[q].added_in is None]
    # Columns later issues add come after the questions of the versions in force when they
    # landed (patients' reference: after 1.2.0's; then the Spanish issue's language), so a new
    # version moves none of them and none of them moved a question column of an earlier export.
    assert list(columns.headers) == fixed + scores + ["rules"] + contact + first + review + (
        added["1.1.0"] + added["1.2.0"] + ["reference", "language"])
    assert len(columns.labels) == len(columns.headers)
    assert columns.labels[columns.headers.index("phq9_1")] == questionnaire.questions["phq9_1"].text


def test_new_questions_come_after_the_1_0_0_columns_which_keep_their_order(questionnaire):
    """Exporting every stored version: 1.0.0's columns first and in place (retired questions
    keep theirs), then 1.1.0's additions in their 1.1.0 order, then 1.2.0's, then the reference
    (issue 24, landed after 1.2.0: the exports of the 1.0.0 and 1.1.0 days had none)."""
    old = load(DATA / "questions-1.0.0.yaml")
    middle = load(DATA / "questions-1.1.0.yaml")
    assert (old.version, middle.version) == ("1.0.0", "1.1.0")

    def then(questionnaires):
        return [c for c in csv_export.layout(questionnaires).headers
                if c not in ("reference", "language")]

    old_columns = then([old])
    middle_columns = then([middle, old])
    new_columns = list(csv_export.layout([questionnaire, middle, old]).headers)
    assert middle_columns[:len(old_columns)] == old_columns
    assert new_columns[:len(middle_columns)] == middle_columns
    assert middle_columns[len(old_columns):] == [
        "prior_ketamine", "suicide_attempt", "suicide_attempt_recent", "psych_hospital_recent",
        "heavy_drinking_past_year", "drug_use_past_year", "bladder_symptoms", "breathing_liver",
        "medications"]
    assert new_columns[len(middle_columns):] == [
        "cssrs_wish_dead", "cssrs_thoughts", "cssrs_method", "cssrs_intent", "cssrs_plan",
        "taps_alcohol", "taps_drugs", "drugs_cannabis_only", "taps_rx_misuse",
        "nonmedical_ketamine", "reference", "language"]


def test_a_1_0_0_submission_fills_its_own_columns_and_leaves_the_new_ones_empty(questionnaire):
    old = load(DATA / "questions-1.0.0.yaml")
    columns = csv_export.layout([questionnaire, old])
    values = dict(zip(columns.headers, cells(columns, old, record(old, baseline_1_0_0(
        **phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))))))
    assert values["questionnaire_version"] == "1.0.0"
    assert (values["phq9_1"], values["pregnancy"], values["outcome"]) == (2, "no", "possible_fit")
    assert all(values[q] is None for q in ("prior_ketamine", "medications", "suicide_attempt"))


def test_deidentified_layout_has_no_contact_columns(questionnaire):
    columns = csv_export.layout([questionnaire], contact=False)
    assert not set(columns.headers) & {c for c, _ in csv_export.CONTACT_COLUMNS}
    assert "contact_attempts" in columns.headers  # a count, no contact detail
    assert len(cells(columns, questionnaire, record(questionnaire, baseline()))) == len(
        columns.headers)


def test_row_values(questionnaire):
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), diagnoses=["depression", "ptsd"])
    cells = cells_by_header(questionnaire, answers, contact_phone="+1 555 0100")
    assert cells["submission_id"] == "12345678-1234-5678-1234-567812345678"
    assert cells["submitted_at"] == "2026-03-04T05:06:07Z"
    assert (cells["questionnaire_id"], cells["questionnaire_version"]) == (
        questionnaire.id, questionnaire.version)
    assert cells["outcome"] == "possible_fit"  # low risk keeps the other answers' outcome
    assert cells["flags"] == "self_harm"
    assert (cells["phq9_score"], cells["phq9_band"]) == (11, "moderate")
    assert (cells["peg_score"], cells["peg_band"]) == (None, None)
    assert set(cells["rules"].split(";")) >= {"self_harm_thoughts", "depression_fit"}
    assert cells["diagnoses"] == "depression;ptsd"
    assert cells["phq9_1"] == 2 and cells["cssrs_wish_dead"] == "no"
    assert cells["contact_phone"] == "+15550100"  # E.164: no apostrophe needed (issue 15)


def test_answers_that_skip_logic_disabled_are_left_empty(questionnaire):
    answers = baseline(chronic_pain="no", peg_1=9, peg_2=9, peg_3=9)
    cells = cells_by_header(questionnaire, answers)
    assert (cells["peg_1"], cells["peg_2"], cells["peg_3"]) == (None, None, None)
    enabled = cells_by_header(questionnaire,
                              baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3))
    assert (enabled["peg_1"], enabled["peg_3"]) == (4, 3)
    assert enabled["peg_score"] == 3.67  # 11 / 3 at 2 decimals in CSV (issue 15)
    assert enabled["peg_band"] is None


def test_the_written_row_round_trips(questionnaire):
    columns = csv_export.layout([questionnaire])
    rec = record(questionnaire, baseline(), contact_name="=1+2",
                 contact_message='Hi, "doc"\nthanks')
    text = "".join(csv_export.write(columns.headers, csv_export.rows(
        columns, [rec], lambda sha: questionnaire)))
    header, written = parse(text)
    values = dict(zip(header, written))
    assert values["contact_name"] == "'=1+2"
    assert values["contact_message"] == 'Hi, "doc"\nthanks'
    assert values["phq9_score"] == "0"


def older_version(questionnaire_text: str):
    """The questionnaire with one extra question in the about step, as an older version."""
    data = yaml.safe_load(questionnaire_text)
    data["version"] = "0.9.0"
    data["steps"][0]["questions"].append(
        {"id": "retired_question", "kind": "single", "choices": "yes_no", "text": "Retired?"})
    return loads(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_questions_only_an_older_version_had_keep_a_column(questionnaire):
    """Its answers are not lost from the export (where the column stands is the test above)."""
    old = older_version(QUESTIONS.read_text(encoding="utf-8"))
    columns = csv_export.layout([questionnaire, old])
    assert columns.labels[columns.headers.index("retired_question")] == "Retired?"
    assert columns.headers.count("age_18_plus") == 1
    values = dict(zip(columns.headers, cells(columns, old,
                                             record(old, baseline(retired_question="yes")))))
    assert values["retired_question"] == "yes"
    assert values["questionnaire_version"] == "0.9.0"


def test_a_question_id_colliding_with_a_fixed_column_fails_loudly():
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    data["steps"][0]["questions"].append(
        {"id": "outcome", "kind": "single", "choices": "yes_no", "text": "Clash"})
    clashing = loads(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    with pytest.raises(ValueError, match="outcome"):
        csv_export.layout([clashing])


def test_iso_utc_converts_other_zones():
    eastern = datetime(2026, 1, 1, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert csv_export.iso_utc(eastern) == "2026-01-02T01:00:00Z"
    assert csv_export.iso_utc(None) == ""


@pytest.mark.parametrize("given, written", [
    ("+1 555 0100", "+15550100"),
    ("+1 (555) 010-7788", "+15550107788"),
    ("0044 20 7946 0000", "+442079460000"),
    ("0555 0100", "0555 0100"),
    ("(555) 010-7788", "(555) 010-7788"),
    ("+", "+"),
    ("+1 555 0100 =cmd", "+15550100"),
    (None, None),
])
def test_phone_cell_is_e164_for_international_numbers(given, written):
    assert csv_export.phone_cell(given) == written


@pytest.mark.parametrize("cell, guarded", [
    ("+15550100", "+15550100"),
    ("+1 555 0100", "'+1 555 0100"),
    ("+1555E2", "'+1555E2"),
    ("+1+1", "'+1+1"),
    ("+" + "1" * 16, "'+" + "1" * 16),
])
def test_guard_spares_only_e164_numbers(cell, guarded):
    assert csv_export.guard(cell) == guarded
    assert parse("".join(csv_export.write(["h"], [[cell]])))[1] == [guarded]
# --- issue 16: look-alike formula starts, and quoting every text cell --------------------------

@pytest.mark.parametrize("dangerous", [
    "\u200b=1+1", "\u200b\u200d+1", "\ufeff@SUM(A1)", "\u202e=1", "\u2060-2+3",  # invisibles
    "＝1+1", "＋1", "－2", "＠SUM(A1)", "﹦1", "⁼1", "\u200b＝1",  # fullwidth, small, superscript
])
def test_guard_neutralises_look_alike_formula_starts(dangerous):
    assert csv_export.guard(dangerous) == "'" + dangerous


@pytest.mark.parametrize("safe", ["Zoë", "café=bar", "\u200bAlex", "１２３", "日本語", "a＝b"])
def test_guard_leaves_other_unicode_text_alone(safe):
    assert csv_export.guard(safe) == safe


def test_a_list_separator_inside_a_cell_is_quoted():
    """Unquoted, a spreadsheet whose list separator is ';' splits this and runs '=1+1'."""
    text = "".join(csv_export.write(["name"], [["x;=1+1"], ["\u200b=1+1"], [7]]))
    assert text.split("\r\n")[1:4] == ['"x;=1+1"', "\"'\u200b=1+1\"", "7"]


def column_order_last(questionnaire) -> str:
    """The last question column of ``questionnaire`` (its newest version's last question)."""
    return csv_export.column_order(questionnaire)[-1].id


def test_a_later_version_puts_its_questions_after_the_reference(questionnaire):
    """A 1.3.0 that adds a question appends it after the reference and the language: no
    existing column moves."""
    from dataclasses import replace
    step = questionnaire.steps[-1]
    new = replace(step.questions[0], id="new_in_1_3_0", added_in="1.3.0")
    last = replace(step, questions=step.questions + (new,))
    later = questionnaire.changed(version="1.3.0", steps=questionnaire.steps[:-1] + (last,))
    before = csv_export.layout([questionnaire]).headers
    after = csv_export.layout([later, questionnaire]).headers
    assert after[:len(before)] == before and after[len(before):] == ("new_in_1_3_0",)


def test_writer_and_guard_agree_on_every_cell():
    cells = ["=1", "＝1", "\u200b=1", "x;=1", "Alex", "", None, -3, 2.5]
    written = parse("".join(csv_export.write(["c"] * len(cells), [cells])))[1]
    assert written == ["" if c is None else str(csv_export.guard(c)) for c in cells]


def test_the_reference_follows_the_1_2_0_questions_and_is_blank_when_de_identified(questionnaire):
    """Staff match a patient's call to the row by its reference; a de-identified export must
    not carry it (DECISIONS, "Exports")."""
    from tests.helpers import baseline
    identified = csv_export.layout([questionnaire])
    cells = csv_export.row(identified, record(questionnaire, baseline()), baseline())
    at = identified.headers.index("reference")
    assert identified.headers[at - 1] == column_order_last(questionnaire) and cells[at] == "K7Q-4M9"
    assert len(cells) == len(identified.headers)
    anonymous = csv_export.layout([questionnaire], contact=False)
    cells = csv_export.row(anonymous, record(questionnaire, baseline()), baseline())
    assert cells[anonymous.headers.index("reference")] is None
    assert "K7Q-4M9" not in cells


def test_the_language_follows_the_reference_and_stays_when_de_identified(questionnaire):
    """Which language the patient screened in ("en", "es"), right after the reference (issue
    27, appended: DECISIONS, "Exports"); it identifies nobody, so a de-identified export keeps
    it while the reference goes."""
    from tests.helpers import baseline
    for contact in (True, False):
        columns = csv_export.layout([questionnaire], contact=contact)
        at = columns.headers.index("language")
        assert columns.headers[at - 1] == "reference" and at == len(columns.headers) - 1
        assert columns.labels[at] == "Language"
        for language in ("es", "en"):
            cells = csv_export.row(columns, record(questionnaire, baseline(), language=language),
                                   baseline())
            assert cells[at] == language and len(cells) == len(columns.headers)
    # A row flushed before the server default filled the column reads as English.
    columns = csv_export.layout([questionnaire])
    cells = csv_export.row(columns, record(questionnaire, baseline(), language=None), baseline())
    assert cells[columns.headers.index("language")] == "en"
