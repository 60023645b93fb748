"""Maintenance: training (Rasa in its own environment), evaluation reports, NLU cross-validation, versions.

Public API: `train` (knowledge.maintain.train), `evaluate` and `compare` (knowledge.maintain.report),
`ensure_model` and `model_inputs_hash` (knowledge.maintain.rasa), `own_cv` (knowledge.maintain.nlu_cv).
Imported from their modules, not re-exported here: `ops/` needs only the Rasa helpers and should
not pull the evaluation stack in with them.
"""
