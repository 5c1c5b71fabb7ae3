"""Intake staff: login, queue, submission detail, review actions and admin pages."""
