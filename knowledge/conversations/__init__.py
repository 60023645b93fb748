"""Conversations: the handoff and feedback stores, agents and their audit log, live takeover by an
agent, analytics and past conversations, review of what went wrong, and redaction of personal data."""
from knowledge.conversations.feedback import FeedbackStore
from knowledge.conversations.handoffs import HandoffStore
from knowledge.conversations.privacy import redact
from knowledge.conversations.review import Item, collect, export, group

__all__ = ["FeedbackStore", "HandoffStore", "Item", "collect", "export", "group", "redact"]
