"""Maintenance: training (Rasa in its own environment), evaluation reports, NLU cross-validation, versions."""
