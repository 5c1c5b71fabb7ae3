"""The patient wizard: blueprint, views, flow, forms built from the questionnaire, fragment cache."""
