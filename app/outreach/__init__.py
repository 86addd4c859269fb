"""Reaching the debtor: their link and reminders by e-mail and SMS, within the contact rules.

``rules`` says when a message may go, ``texts`` writes it in the debtor's language, ``email``
and ``sms`` hand it over, and ``outbox`` keeps what is to be sent so a crash sends nobody's
message twice and misses none.
"""
