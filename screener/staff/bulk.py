"""Bulk actions on the queue: assign, change the status of, or add a note to the selected
submissions, all or none."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from screener.staff import review
from screener.staff.blueprint import bp, words
from screener.staff.detail import chosen_assignee
from screener.staff.navigation import queue_view, without_place
from screener.staff.queue_page import render_queue
from screener.web import transactions
from screener.web.auth import permission_required


@bp.post("/bulk")
@permission_required("review")
def bulk():
    """Assign, change the status of, or add a note to the selected submissions: all or none.

    A refused action shows the queue again with the ticks and the note as they were sent (a
    redirect would lose them), the reason at the top."""
    view = queue_view(request.form.get("view"))
    action = request.form.get("action", "")
    note = request.form.get("note", "")
    assignee = None
    try:
        selection = review.parse_selection(request.form.getlist("selected"))
        if action != "note" and note.strip():
            raise review.BulkError(
                f"The note was not added: \u201c{BULK_ACTION_WORDS.get(action, action)}\u201d "
                "does not add one. Choose \u201cAdd a note\u201d to add it, or clear the note; "
                "nothing was changed.")
        if action == "assign":
            assignee = _bulk_assignee(request.form.get("assignee", "").strip())
        count = review.bulk_apply(
            selection, action, current_user._get_current_object(),
            status=request.form.get("status", ""), assignee=assignee, note=note)
    except review.BulkError as problem:
        transactions.rollback()
        flash(str(problem), "error")
        sent = {"selected": {value.partition(":")[0] for value in
                             request.form.getlist("selected")},
                "action": action, "note": note, "status": request.form.get("status", ""),
                "assignee": request.form.get("assignee", "")}
        body, _ = render_queue(MultiDict(parse_qsl(view)), view, bulk_form=sent)
        return body, 409
    done = {"assign": f"assigned to {assignee.name}" if assignee else "unassigned",
            "status": f"marked {words(request.form.get('status')).lower()}",
            "note": "given the note"}[action]
    flash(f"{count} submission{'s' if count != 1 else ''} {done}.", "success")
    return redirect(url_for("staff.queue") + (f"?{without_place(view)}" if view else "")
                    + "#flashes", 303)


BULK_ACTION_WORDS = {"assign": "Assign to\u2026", "status": "Change status to\u2026"}


def _bulk_assignee(choice: str):
    """'me', an active staff member's id, or '' (nobody); BulkError otherwise."""
    try:
        return chosen_assignee(choice)
    except LookupError:
        raise review.BulkError("That staff member does not exist or is no longer active; "
                               "nothing was changed.") from None
