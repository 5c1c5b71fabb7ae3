"""Export blueprint: CSV, FHIR NDJSON, printable summary. (Exports issue.)"""

from flask import Blueprint

bp = Blueprint("export", __name__)
