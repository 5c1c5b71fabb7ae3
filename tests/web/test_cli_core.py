"""``flask questionnaire check`` and ``flask evaluate``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kit.apps import DATA, PROJECT_ROOT
from tests.helpers import baseline, baseline_1_0_0, baseline_1_1_0, phq9

EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)
SUMMARY = "questionnaire ketamine-screening 1.2.0: 9 steps, 55 questions, 4 scores, 38 rules"
FLASK = Path(sys.executable).parent / "flask"


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def jsonl(*answer_sets) -> str:
    return "".join(json.dumps(a) + "\n" for a in answer_sets)


# --- questionnaire check ------------------------------------------------------------------------

def test_check_configured_questionnaire(runner):
    result = runner.invoke(args=["questionnaire", "check"])
    assert result.exit_code == 0, result.output
    assert result.output == SUMMARY + "\n"


def test_check_a_given_path(runner):
    result = runner.invoke(args=["questionnaire", "check", str(DATA / "minimal.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "questionnaire minimal 0.1: 1 steps, 1 questions, 0 scores, 1 rules")


def test_check_broken_file_lists_every_problem(runner):
    path = DATA / "many_problems.yaml"
    result = runner.invoke(args=["questionnaire", "check", str(path)])
    assert result.exit_code == 1
    output = result.output.splitlines()
    assert output[0] == f"{path}: 11 problem(s)"
    assert len(output) == 12
    for expected in ("colour: unknown key", 'rules[2].outcome: unknown outcome "panic"',
                     "texts.consultation: missing required text"):
        assert f"  {expected}" in output


def test_check_missing_file(runner, tmp_path):
    result = runner.invoke(args=["questionnaire", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read file: No such file or directory" in result.output


# --- evaluate -----------------------------------------------------------------------------------

def test_evaluate_one_object(runner, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(baseline(**EX2), indent=2))  # one object spread over lines
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert lines(result.output) == [{
        "outcome": "possible_fit", "rules": ["depression_fit"], "flags": [],
        "scores": {"phq9": {"value": 10, "band": "moderate"},
                   "gad7": {"value": 0, "band": "minimal"},
                   "cage_aid": {"value": 0, "band": "negative"}},
    }]
    assert result.output.count("\n") == 1 and ": " not in result.output  # compact, one line


def test_evaluate_json_lines(runner, tmp_path):
    path = tmp_path / "sets.jsonl"
    path.write_text(jsonl(
        baseline(**EX2),
        baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)),
        baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3),
    ))
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    results = lines(result.output)
    # Worked example 1: low risk keeps the other answers' outcome, with the self_harm flag
    assert [r["outcome"] for r in results] == [
        "possible_fit", "other_options_first", "other_options_first"]
    assert results[1]["rules"] == ["mild_concerns", "self_harm_thoughts"]  # sorted
    assert results[1]["flags"] == ["self_harm"]
    assert results[2]["scores"]["peg"] == {"value": 11 / 3, "band": None}


def test_evaluate_rules_sorted_including_notes(runner):
    answers = baseline(**EX2, pregnancy="unsure", antidepressants_tried="3_or_more",
                       cage_annoyed="yes", brain_bleed="unsure")
    result = runner.invoke(args=["evaluate", "-"], input=json.dumps(answers))
    assert lines(result.output)[0]["rules"] == [
        "depression_fit", "label_contraindication", "precaution_unsure", "substance_screen_one",
        "treatment_resistant"]


def test_evaluate_stdin(runner):
    result = runner.invoke(args=["evaluate", "-"], input=jsonl(baseline(), baseline(**EX2)))
    assert result.exit_code == 0, result.output
    assert [r["outcome"] for r in lines(result.output)] == ["other_options_first", "possible_fit"]


def test_evaluate_accepts_obvious_encodings(runner):
    answers = {k: str(v) if isinstance(v, int) else v for k, v in baseline(**EX2).items()}
    answers["antidepressants_tried"] = 1
    answers["phq9_difficulty"] = None
    result = runner.invoke(args=["evaluate", "-"], input=json.dumps(answers))
    assert result.exit_code == 0, result.output
    assert lines(result.output)[0]["outcome"] == "possible_fit"


def test_evaluate_bad_lines_in_the_middle(runner):
    incomplete = {k: v for k, v in baseline().items() if k != "pregnancy"}
    text = (jsonl(baseline(**EX2)) + "{not json\n" + jsonl(baseline(age_18_plus="maybe"))
            + "\n" + jsonl([1, 2], incomplete, baseline()))
    result = runner.invoke(args=["evaluate", "-"], input=text)
    assert result.exit_code == 2
    results = lines(result.output)
    assert len(results) == 6  # blank line skipped, every other line answered in place
    assert results[0]["outcome"] == "possible_fit"
    assert results[1]["error"] == "invalid JSON" and results[1]["line"] == 2
    assert results[1]["problems"][0].startswith("line 2: not valid JSON")
    assert results[2] == {"error": "invalid answer set", "line": 3,
                          "problems": ['age_18_plus: "maybe" is not one of the choices']}
    assert results[3]["problems"] == ["expected a JSON object mapping question ids to answers"]
    assert results[4]["problems"] == ["pregnancy: an answer is required"]
    assert results[5]["outcome"] == "other_options_first"


def test_evaluate_first_line_bad(runner):
    result = runner.invoke(args=["evaluate", "-"], input="oops\n" + jsonl(baseline()))
    assert result.exit_code == 2
    results = lines(result.output)
    assert results[0]["error"] == "invalid JSON"
    assert results[1]["outcome"] == "other_options_first"


def test_evaluate_empty_input(runner):
    result = runner.invoke(args=["evaluate", "-"], input="\n\n")
    assert (result.exit_code, result.output) == (0, "")


def test_evaluate_without_any_environment(tmp_path):
    """Production is the default and has no SECRET_KEY: the CLI must still evaluate when told
    it serves nothing (strict=False), and says how when it is not."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    lenient = subprocess.run(
        [str(FLASK), "--app", "screener:create_app(strict=False)", "evaluate", "-"],
        input=json.dumps(baseline(**EX2)), capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=60,
    )
    assert lenient.returncode == 0, lenient.stderr
    assert json.loads(lenient.stdout)["outcome"] == "possible_fit"
    strict = subprocess.run(
        [str(FLASK), "--app", "screener", "evaluate", "-"], input=json.dumps(baseline(**EX2)),
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert strict.returncode == 1 and strict.stdout == ""
    assert "SECRET_KEY is not set" in strict.stderr and "strict=False" in strict.stderr
    assert "Traceback" not in strict.stderr


@pytest.mark.slow
def test_evaluate_ten_thousand_lines(tmp_path):
    """Every line answered, in order. How fast is the benchmark's to say (bench/run.py --only
    engine: "flask evaluate, 10,000 lines", target ≤ 5 s), not a wall-clock limit here."""
    variants = [baseline(), baseline(**EX2), baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)),
                baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3),
                baseline(brain_bleed="unsure", pregnancy="unsure")]
    path = tmp_path / "many.jsonl"
    path.write_text(jsonl(*(variants[i % len(variants)] for i in range(10_000))))
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    result = subprocess.run([str(FLASK), "--app", "screener:create_app(strict=False)",
                             "evaluate", str(path)],
                            capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    outcomes = [json.loads(line)["outcome"] for line in result.stdout.splitlines()]
    assert len(outcomes) == 10_000
    assert outcomes[:5] == ["other_options_first", "possible_fit", "other_options_first",
                            "other_options_first", "safety_review"]
    assert outcomes == outcomes[:5] * 2000


@pytest.mark.parametrize("payload", ["[" * 100_000, '{"phq9_1": ' + "9" * 5000 + "}"])
def test_evaluate_hostile_lines(runner, payload):
    result = runner.invoke(args=["evaluate", "-"], input=payload + "\n" + jsonl(baseline()))
    assert result.exit_code == 2
    results = lines(result.output)
    assert results[0]["error"] == "invalid JSON"
    assert results[1]["outcome"] == "other_options_first"


def test_broken_configured_questionnaire_lists_problems_without_traceback(tmp_path):
    """`flask questionnaire check` with a broken QUESTIONNAIRE_PATH: problems, exit 1."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    broken = tmp_path / "broken.yaml"
    broken.write_text('id: x\nversion: "1"\n')
    env = dict(os.environ, QUESTIONNAIRE_PATH=str(broken))
    env.pop("SECRET_KEY", None)
    flask = str(Path(sys.executable).with_name("flask"))
    result = subprocess.run([flask, "--app", "screener:create_app(strict=False)",
                             "questionnaire", "check"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "steps: missing required key" in result.stderr
    assert "Traceback" not in result.stderr


# --- 1.2.0: complete answer sets only; older versions under their own rules --------------------

def store(app, version: str) -> str:
    """Store an official questions.yaml as the app does for screenings answered under it."""
    from screener.extensions import db
    from screener.storage.models import QuestionnaireVersion

    source = (DATA / f"questions-{version}.yaml").read_text(encoding="utf-8")
    sha = hashlib.sha256(source.encode()).hexdigest()
    with app.app_context():
        db.session.add(QuestionnaireVersion(sha256=sha, questionnaire_id="ketamine-screening",
                                            version=version, source=source))
        db.session.commit()
    return sha


def evaluate(runner, *answer_sets, version=None):
    args = ["evaluate", *(["--questionnaire-version", version] if version else []), "-"]
    result = runner.invoke(args=args, input=jsonl(*answer_sets))
    return result.exit_code, lines(result.output)


def test_evaluate_rejects_a_1_0_0_answer_set_naming_each_problem(runner):
    code, (error, fine) = evaluate(runner, baseline_1_0_0(**EX2), baseline())
    assert code == 2
    assert error == {"error": "invalid answer set", "line": 1, "problems": [
        "ketamine_nonmedical: not in questionnaire 1.2.0",
        *(f"{q}: an answer is required" for q in (
            "prior_ketamine", "psych_hospital_recent", "cssrs_wish_dead", "cssrs_thoughts",
            "suicide_attempt", "taps_alcohol", "taps_drugs", "taps_rx_misuse",
            "nonmedical_ketamine", "bladder_symptoms", "breathing_liver", "medications"))]}
    assert fine["outcome"] == "other_options_first"


@pytest.mark.parametrize("retired", ["self_harm_plan", "heavy_drinking_past_year",
                                     "drug_use_past_year", "ketamine_nonmedical"])
def test_evaluate_names_a_retired_id(runner, retired):
    code, [error] = evaluate(runner, {**baseline(), retired: "no"})
    assert code == 2
    assert error["problems"] == [f"{retired}: not in questionnaire 1.2.0"]


@pytest.mark.parametrize("parent, follow_up", [
    ("suicide_attempt", "suicide_attempt_recent"), ("cssrs_thoughts", "cssrs_plan"),
    ("cssrs_thoughts", "cssrs_intent"), ("taps_drugs", "drugs_cannabis_only")])
def test_evaluate_requires_a_follow_up_whose_parent_is_yes(runner, parent, follow_up):
    answers = baseline(**{parent: "weekly" if parent == "taps_drugs" else "yes"})
    del answers[follow_up]
    code, [error] = evaluate(runner, answers)
    assert code == 2
    assert error["problems"] == [f"{follow_up}: an answer is required"]


@pytest.mark.parametrize("hidden", [{"cssrs_plan": "yes"}, {"suicide_attempt_recent": "no"},
                                    {"drugs_cannabis_only": "yes"}])
def test_evaluate_rejects_a_follow_up_whose_parent_is_no(runner, hidden):
    """Given while its parent says no, it would count for nothing: the line is refused."""
    [question_id] = hidden
    code, [error] = evaluate(runner, {**baseline(), **hidden})
    assert code == 2
    assert error["problems"] == [f"{question_id}: not asked when the answers before it are as given"]


def test_evaluate_rejects_a_minors_substance_answers(runner):
    minor = baseline(**EX2, age_18_plus="no")
    code, [fine, error] = evaluate(runner, minor, {**minor, "taps_alcohol": "never"})
    assert code == 2
    assert (fine["outcome"], fine["rules"]) == ("adults_only", ["depression_fit", "under_18"])
    assert error["problems"] == ["taps_alcohol: not asked when the answers before it are as given"]


@pytest.mark.parametrize("medications", [["none", "opioid"], ["benzodiazepine", "none"]])
def test_evaluate_rejects_none_with_another_medicine(runner, medications):
    result = runner.invoke(args=["evaluate", "-"], input=json.dumps(baseline(
        medications=medications)))
    assert result.exit_code == 2
    assert lines(result.output)[0]["problems"] == [
        'medications: "none" cannot be combined with other choices']


def test_evaluate_worked_example_11_recent_attempt(runner):
    """High risk; the same line without the timing is refused as incomplete (the engine alone
    fails closed, see tests/unit/test_rules.py)."""
    answers = baseline(**EX2, suicide_attempt="yes", suicide_attempt_recent="yes")
    unknown_timing = {k: v for k, v in answers.items() if k != "suicide_attempt_recent"}
    code, (result, error) = evaluate(runner, answers, unknown_timing)
    assert result["outcome"] == "crisis"
    assert result["flags"] == ["urgent_now"]
    assert result["rules"] == ["depression_fit", "recent_suicide_attempt"]
    assert (code, error["problems"]) == (2, ["suicide_attempt_recent: an answer is required"])


def test_evaluate_under_a_stored_1_0_0(app, runner):
    store(app, "1.0.0")
    code, (under_old, new_answers) = evaluate(
        runner, baseline_1_0_0(**EX2, pregnancy="unsure"), baseline(**EX2), version="1.0.0")
    assert code == 2
    assert (under_old["outcome"], under_old["rules"]) == (
        "possible_fit", ["depression_fit", "precaution_unsure"])
    # 1.0.0 knows nothing of the questions later versions added
    assert "cssrs_wish_dead: not in questionnaire 1.0.0" in new_answers["problems"]
    assert "ketamine_nonmedical: an answer is required" in new_answers["problems"]
    code, [current] = evaluate(runner, baseline(**EX2), version="1.2.0")
    assert (code, current["outcome"]) == (0, "possible_fit")


# The 1.1.0 worked examples, as 1.1.0 answered them (spec 1.1.0: item 9 >= 1 was crisis).
EXAMPLES_1_1_0 = [
    (baseline_1_1_0(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)), "crisis", ["self_harm"]),
    (baseline_1_1_0(**EX2), "possible_fit", []),
    (baseline_1_1_0(**EX2, suicide_attempt="yes", suicide_attempt_recent="no"), "possible_fit",
     ["past_attempt"]),
    (baseline_1_1_0(**EX2, suicide_attempt="yes", suicide_attempt_recent="yes"), "crisis",
     ["urgent_now", "past_attempt"]),
    (baseline_1_1_0(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), self_harm_plan="yes"), "crisis",
     ["urgent_now", "self_harm"]),
]


def test_evaluate_under_1_1_0_gives_1_1_0_results_on_a_fresh_database(runner):
    """No 1.1.0 text stored: the official text shipped with the package is used."""
    code, results = evaluate(runner, *(a for a, _, _ in EXAMPLES_1_1_0), version="1.1.0")
    assert code == 0, results
    assert [(r["outcome"], r["flags"]) for r in results] == [
        (outcome, flags) for _, outcome, flags in EXAMPLES_1_1_0]


def test_evaluate_under_1_1_0_prefers_the_stored_text(app, runner):
    store(app, "1.1.0")
    code, results = evaluate(runner, *(a for a, _, _ in EXAMPLES_1_1_0), version="1.1.0")
    assert code == 0
    assert [r["outcome"] for r in results] == [o for _, o, _ in EXAMPLES_1_1_0]


def test_the_shipped_texts_are_the_official_ones():
    """Byte for byte: a shipped text has the hash of the one stored when it was in force."""
    for version in ("1.0.0", "1.1.0"):
        shipped = PROJECT_ROOT / "screener" / "data" / f"questionnaire-{version}.yaml"
        assert shipped.read_bytes() == (DATA / f"questions-{version}.yaml").read_bytes()


def test_evaluate_under_a_version_that_is_not_known(app, runner):
    store(app, "1.0.0")
    result = runner.invoke(args=["evaluate", "--questionnaire-version", "0.9.0", "-"],
                           input=json.dumps(baseline()))
    assert result.exit_code == 1
    assert "questionnaire version 0.9.0 is not stored (known: 1.2.0, 1.1.0, 1.0.0)" in (
        result.output)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("version", ["../questions", "1.1.0/../../x", "1.1"])
def test_evaluate_under_a_strange_version_reads_no_file(runner, version):
    result = runner.invoke(args=["evaluate", "--questionnaire-version", version, "-"],
                           input=json.dumps(baseline()))
    assert result.exit_code == 1
    assert "is not stored" in result.output
