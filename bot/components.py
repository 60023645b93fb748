"""Custom Rasa 3.6 NLU graph components: an Arabic-aware tokenizer and a language detector.

Both use knowledge.text, the same module the search index uses, so Arabic is
normalized identically in the NLU pipeline and in retrieval.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.text import _AR_LETTER, detect_language, normalize

# Words are Arabic-letter runs, Latin/digit runs (with inner apostrophes or dots:
# "Nesma'ak", "e.g"), or Arabic-Indic digit runs; punctuation and emoji are dropped.
_WORD_RE = re.compile(rf"[{_AR_LETTER}\u064B-\u0652\u0640]+|[0-9٠-٩۰-۹]+|[A-Za-z\u00C0-\u024F0-9]+(?:['.][A-Za-z0-9]+)*")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ArabicAwareTokenizer(Tokenizer):
    """Splits on word boundaries of the original text (so entity offsets stay right) and
    gives each token its normalized form as text and lemma: diacritics, tatweel, alef,
    alef maksura, teh marbuta and hamza variants folded; Latin lower-cased."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent_tokenization_flag": False, "intent_split_symbol": "_", "token_pattern": None,
                "prefix_separator_symbol": None}

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = []
        for m in _WORD_RE.finditer(text):
            norm = normalize(m.group())
            if norm:
                tokens.append(Token(norm, m.start(), m.end(), lemma=norm))
        if not tokens:
            # Rasa needs at least one token per message; emoji-only or punctuation-only
            # text becomes one placeholder token that carries no features of note.
            tokens = [Token("__empty__", 0, max(1, len(text)), lemma="__empty__")]
        return self._apply_token_pattern(tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds a `detected_language` entity ("ar"/"en") that fills the `language` slot.

    Messages with no letters (digits, emoji) get none, so the slot keeps the
    conversation's current language.
    """

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetector":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            lang: Optional[str] = detect_language(text)
            if lang is None:
                continue
            entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != "detected_language"]
            entities.append({"entity": "detected_language", "value": lang, "start": 0, "end": len(text),
                             "confidence": 1.0, "extractor": self.__class__.__name__})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
