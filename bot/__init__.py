"""Rasa-side code (Python 3.10 env): custom NLU graph components."""
