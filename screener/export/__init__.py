"""Clinician exports: CSV, FHIR R4 (Questionnaire, QuestionnaireResponse, NDJSON) and the printable summary."""
