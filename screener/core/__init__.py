"""The pure core: questionnaire, rules, navigation and the effective-answers view. Imports no framework."""
