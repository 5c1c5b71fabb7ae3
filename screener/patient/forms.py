"""WTForms forms built from the questionnaire (the send page's contact form: ``contact``).

A registry maps each question kind to a field (single → radio group, multi → checkbox group,
scale → radio group from min to max with anchor labels). Field names are the question ids and
values come back in the questionnaire's own types (ints for frequency and scale items, strings
for choice ids). Validity is ``rules.answer_problem``'s verdict, put into plain words (lazily
translated: in the page's language). Plain ``wtforms.Form``: the app-wide CSRFProtect guards
every POST, and the forms stay usable without a request.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from wtforms import Form, RadioField, SelectChoice, SelectMultipleField
from wtforms.fields.core import UnboundField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from screener.web.languages import lazy_gettext as _l
from screener.core import rules
from screener.patient.contact import SEND_TEXTS, ContactForm  # noqa: F401 (views use forms.*)
from screener.core.questionnaire import Question, Questionnaire, QuestionnaireError, Step

CONTROL_NAMES = frozenset({"csrf_token", "action"})  # posted with every step, not answers

FieldFactory = Callable[[Question], UnboundField]
FIELD_KINDS: dict[str, FieldFactory] = {}


def field_kind(kind: str) -> Callable[[FieldFactory], FieldFactory]:
    """Register the field factory for a question kind."""
    def register(factory: FieldFactory) -> FieldFactory:
        FIELD_KINDS[kind] = factory
        return factory
    return register


def field_for(question: Question) -> UnboundField:
    """The form field for ``question``; an unknown kind fails loudly."""
    try:
        factory = FIELD_KINDS[question.kind]
    except KeyError:
        raise LookupError(f'question "{question.id}": no form field for kind '
                          f'"{question.kind}" (known: {", ".join(sorted(FIELD_KINDS))})') from None
    return factory(question)


def _coercer(question: Question) -> Callable[[Any], Any]:
    """Posted text → the questionnaire's value ("2" → 2); unknown text is kept for the check."""
    known = {str(value): value for value in question.allowed_values()}
    return lambda raw: known.get(str(raw), raw)


class AnswerCheck:
    """Required-ness and validity (by ``rules.answer_problem``), in plain words."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form: Form, field) -> None:
        if field.process_errors:
            raise StopValidation()
        value = field.data
        if value is None or value == []:
            if self.question.required:
                raise StopValidation(field.required_message)
            raise StopValidation()
        if rules.answer_problem(self.question, value) is not None:
            raise StopValidation(field.invalid_message(value))


class _QuestionField:
    """Mixin: a choice field that knows its question and speaks the questionnaire's types."""

    input_type = "radio"
    layout = "choices"
    required_message = _l("Choose an answer to this question.")

    def __init__(self, label=None, validators=None, question: Question | None = None, **kwargs):
        self.question = question
        super().__init__(label, validators, validate_choice=False, **kwargs)

    def invalid_message(self, value: Any) -> str:
        return _l("Choose one of the options shown.")


def _choices(question: Question) -> list[SelectChoice]:
    if not question.kind_spec.from_choices:
        return [SelectChoice(n, str(n)) for n in question.allowed_values()]
    return [SelectChoice(choice.value, choice.label) for choice in question.choices]


def _question_field(field_class: type, question: Question) -> UnboundField:
    """An unbound field whose choices and coercion are built once, not at every request."""
    return field_class(question.text, [AnswerCheck(question)], question=question,
                       choices=_choices(question), coerce=_coercer(question))


class SingleChoiceField(_QuestionField, RadioField):
    """One answer from a list, as a radio group."""

    def process_formdata(self, valuelist):
        if len(valuelist) > 1:
            raise ValueError(_l("Choose only one answer."))
        super().process_formdata(valuelist)


class ScaleField(SingleChoiceField):
    """A number from min to max, as a radio group with the anchor labels."""

    layout = "scale"
    required_message = _l("Choose a number.")

    def invalid_message(self, value: Any) -> str:
        return _l("Choose a number from %(min)s to %(max)s.", min=self.question.min,
                  max=self.question.max)


class MultiChoiceField(_QuestionField, SelectMultipleField):
    """Any number of answers, as a checkbox group (the name repeats for each ticked box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    input_type = "checkbox"
    required_message = _l("Choose at least one option.")

    def invalid_message(self, value: Any) -> str:
        exclusive = [c for c in self.question.choices if c.exclusive and c.value in value]
        if exclusive and len(value) > 1:
            return _l('"%(option)s" cannot be combined with other options: choose it on its own, '
                      "or untick it.", option=exclusive[0].label)
        if len(set(map(str, value))) != len(value):
            return _l("Choose each option only once.")
        return _l("Choose from the options shown.")


@field_kind("single")
def _single(question: Question) -> UnboundField:
    return _question_field(SingleChoiceField, question)


@field_kind("multi")
def _multi(question: Question) -> UnboundField:
    return _question_field(MultiChoiceField, question)


@field_kind("scale")
def _scale(question: Question) -> UnboundField:
    return _question_field(ScaleField, question)


class StepForm(Form):
    """The questions of one step; field names are the question ids."""

    def answers(self) -> dict[str, Any]:
        """The answered fields, in the questionnaire's value types."""
        return {f.name: f.data for f in self if f.data is not None and f.data != []}

    def valid_answers(self) -> dict[str, Any]:
        """The answered fields whose values are valid (kept by Back without validating)."""
        return {
            name: value for name, value in self.answers().items()
            if not self[name].process_errors
            and rules.answer_problem(self[name].question, value) is None
        }

    def unexpected(self, formdata: Mapping[str, Any], asked: set[str] | None = None) -> list[str]:
        """Posted names this step does not ask (a field of another step, a tampered form).

        ``asked``: every question id of the step, when an answer on the page may have turned a
        follow-up off (its stale answer is then dropped by skip logic, not refused).
        """
        known = {f.name for f in self} | (asked or set())
        return sorted(set(formdata) - known - CONTROL_NAMES)


# Form classes by (questionnaire sha256 and language, step id, enabled question ids): a handful
# per version and language (the labels are the questions' texts in that language).
_FORM_CLASSES: dict[tuple[str, str, str, tuple[str, ...]], type[StepForm]] = {}


def _form_class(questionnaire: Questionnaire, step: Step,
                questions: list[Question]) -> type[StepForm]:
    key = (questionnaire.source_sha256, questionnaire.language, step.id,
           tuple(q.id for q in questions))
    if key not in _FORM_CLASSES:
        fields = {}
        for question in questions:
            if hasattr(StepForm, question.id):
                raise LookupError(f'question id "{question.id}" cannot be a form field name')
            fields[question.id] = field_for(question)
        _FORM_CLASSES[key] = type(f"StepForm_{step.id}", (StepForm,), fields)
    return _FORM_CLASSES[key]


def step_form(
    questionnaire: Questionnaire, step: Step, questions: list[Question],
    formdata=None, answers: Mapping[str, Any] | None = None,
) -> StepForm:
    """The form for the enabled ``questions`` of ``step``, from posted data or stored answers."""
    form_class = _form_class(questionnaire, step, questions)
    if formdata is not None:
        return form_class(formdata=formdata)
    return form_class(data=dict(answers or {}))


def check_forms(questionnaire: Questionnaire) -> None:
    """Build every step's form once, so a kind or id the forms cannot handle stops the app; a
    questionnaire without the send page's texts stops it too."""
    for step in questionnaire.steps:
        step_form(questionnaire, step, list(step.questions))
    missing = [key for key in SEND_TEXTS if key not in questionnaire.texts]
    if missing:
        raise QuestionnaireError([f"texts.{key}: missing text the send page needs"
                                  for key in missing])
