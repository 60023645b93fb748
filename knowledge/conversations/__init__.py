"""Conversations: the handoff and feedback stores, review of what went wrong, and redaction of personal data."""
