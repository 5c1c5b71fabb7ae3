"""The questionnaire: ``load`` and validate ``questions.yaml`` into frozen, typed objects.

This is the one module the rest of the app imports from. The work is split across
``questionnaire_types`` (the dataclasses), ``questionnaire_loader`` (YAML, building, validation),
``questionnaire_conditions`` (the condition language) and ``questionnaire_checks`` (helpers).
Pure Python: none of them imports Flask or SQLAlchemy.
"""

from screener.core.questionnaire.loader import load, loads, read_source
from screener.core.questionnaire.types import (
    OPERATORS, QUESTION_KINDS, RESERVED_STEP_IDS, SCORE_METHODS, AllOf, AnswerValue, AnyOf, Band,
    Choice, Coding, Comparison, Condition, CrisisResource, Flag, Outcome, Question, Questionnaire,
    QuestionnaireError, Rule, Score, Step,
)

__all__ = [
    "OPERATORS", "QUESTION_KINDS", "RESERVED_STEP_IDS", "SCORE_METHODS", "AllOf", "AnswerValue",
    "AnyOf", "Band", "Choice", "Coding", "Comparison", "Condition", "CrisisResource", "Flag",
    "Outcome", "Question", "Questionnaire", "QuestionnaireError", "Rule", "Score", "Step", "load",
    "loads", "read_source",
]
