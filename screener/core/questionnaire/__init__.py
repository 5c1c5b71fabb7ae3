"""The questionnaire: ``load`` and validate ``questions.yaml`` into frozen, typed objects.

This is the one module the rest of the app imports from. The work is split across ``types``
(the parts as dataclasses), ``document`` (the whole ``Questionnaire``, its lookup tables and
language views), ``kinds`` (the question kinds: what each takes, how it is read and exported),
``evaluation`` (the condition types and what a condition and an answer check mean), ``loader``
(reading the files), ``builder`` (the top level, scores, outcomes, flags, rules), ``steps``
(steps and questions), ``sections`` (crisis resources, safety answers, ``at_risk``, help lines,
texts), ``conditions`` (parsing and checking the condition language), ``translations`` (the
sibling files of other languages: ``questions.es.yaml``, checked and turned into a localized
view) and ``checks`` (helpers). Pure Python: none of them imports Flask or SQLAlchemy.
"""

from screener.core.questionnaire.document import Questionnaire
from screener.core.questionnaire.kinds import QuestionKind
from screener.core.questionnaire.loader import load, loads, read_source, read_translations
from screener.core.questionnaire.types import (
    OPERATORS, QUESTION_KINDS, RESERVED_STEP_IDS, SCORE_METHODS, AllOf, AnswerValue, AnyOf, AtRisk,
    Band, Choice, Coding, Comparison, Condition, CrisisResource, Flag, Helpline, Link, NotOf,
    Outcome, Question, QuestionnaireError, Rule, SafetyAnswers, Score, Step,
)

__all__ = [
    "OPERATORS", "QUESTION_KINDS", "RESERVED_STEP_IDS", "SCORE_METHODS", "AllOf", "AnswerValue",
    "AnyOf", "AtRisk", "Band", "Choice", "Coding", "Comparison", "Condition", "CrisisResource",
    "Flag", "Helpline", "Link", "NotOf", "Outcome", "Question", "QuestionKind", "Questionnaire",
    "QuestionnaireError", "Rule", "SafetyAnswers", "Score", "Step", "load", "loads", "read_source",
    "read_translations",
]
