"""Public FHIR endpoints: the Questionnaire resource. (Exports issue.)"""

from flask import Blueprint

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
