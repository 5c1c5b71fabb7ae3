"""FHIR R4 resources: the Questionnaire, QuestionnaireResponse, NDJSON writer and public routes."""
