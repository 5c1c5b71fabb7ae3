"""The answer sets and contact details of the patient journeys (one per outcome)."""

from __future__ import annotations

from tests.browser.browser_patient import Contact
from tests.helpers import baseline, gad7, phq9

# Journey 1, mouse: a typical submission — moderate depression and long-lasting pain.
MOUSE = baseline(diagnoses=["depression", "anxiety"], chronic_pain="yes",
                 peg_1=6, peg_2=5, peg_3=5, phq9_difficulty="somewhat",
                 **phq9(2, 1, 2, 2, 1, 1, 1, 0, 0))
MOUSE_CONTACT = Contact(name="Jordan Mouse", email="jordan.mouse@example.com",
                        method_label="Email", message="Mornings are best.")
# Journey 8, real use on a phone: journey 1's answers, a person of its own (names stay unique in
# the shared browser-test database, so staff tests can click a name).
REAL_USE_CONTACT = Contact(name="Robin Realuse", email="robin.realuse@example.com",
                           method_label="Email", message="Evenings are best.")

# Journey 2, keyboard: mild symptoms, finds it hard to stop once started.
KEYBOARD = baseline(addictive_tendency="yes", current_care="no",
                    **phq9(1, 1, 1, 1, 0, 1, 0, 0, 0), **gad7(1, 1, 0, 0, 1, 0, 0))
KEYBOARD_CONTACT = Contact(name="Kim Keys", phone="555 010 0199")

# Journey 3, no JavaScript: moderate depression, "not sure" about bleeding in the brain.
NO_SCRIPT = baseline(brain_bleed="unsure", **phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))
NO_SCRIPT_CONTACT = Contact(name="Noor Noscript", email="noor@example.com",
                            phone="555 010 0123", method_label="Phone call")

# Journey 4, crisis: item 9 "Several days" (1), thoughts of suicide and a plan (C-SSRS).
SEVERAL_DAYS = 1
CRISIS = baseline(cssrs_thoughts="yes", cssrs_plan="yes",
                  **phq9(1, 1, 1, 1, 1, 1, 1, 1, SEVERAL_DAYS))
CRISIS_CONTACT = Contact(name="Casey Crisis", phone="555 010 0111", method_label="Phone call")

# Journey 7: a suicide attempt in the past 3 months (told on the safety step), weekly heavy
# drinking, two medicines to check and "not sure" about the bladder question.
PAST_ATTEMPT = baseline(suicide_attempt="yes", suicide_attempt_recent="yes",
                        prior_ketamine="not_helped", taps_alcohol="weekly",
                        medications=["stimulant", "lamotrigine"], bladder_symptoms="unsure",
                        **phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))
PAST_ATTEMPT_CONTACT = Contact(name="Pat Attempt", phone="555 010 0177",
                               method_label="Phone call")

# Journey 9, 1.2.0 on a phone. Item 9 at 0, and the safety step asked all the same.
NO_ITEM_9 = baseline(cssrs_wish_dead="yes", **phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))
# Worked example 22: example 1 with thoughts and a plan, then item 9 and thoughts taken back.
PLAN = baseline(cssrs_thoughts="yes", cssrs_plan="yes", **phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
TAKEN_BACK = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
# Worked example 23: under 18.
MINOR = baseline(age_18_plus="no", **phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))

SENT = {"mouse": (MOUSE, MOUSE_CONTACT), "crisis": (CRISIS, CRISIS_CONTACT)}
