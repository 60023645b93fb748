"""rasa-sdk custom actions: thin adapters between the dialogue and knowledge/."""
