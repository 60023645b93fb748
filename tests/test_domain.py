"""Every response the bot can send exists in Arabic and in English."""
from pathlib import Path

import pytest
import yaml

from knowledge.text import detect_language

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text("utf-8"))
RESPONSES = DOMAIN["responses"]


def _language_of(variation):
    conds = variation.get("condition") or []
    values = [c["value"] for c in conds if c.get("type") == "slot" and c.get("name") == "language"]
    return values[0] if len(values) == 1 else None


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_response_has_one_arabic_and_one_english_variation(name):
    langs = sorted(_language_of(v) for v in RESPONSES[name])
    assert langs == ["ar", "en"], f"{name}: variations by language {langs}"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_variation_text_and_buttons_are_in_their_language(name):
    for v in RESPONSES[name]:
        lang = _language_of(v)
        # Strip {placeholders} before detecting: they are English identifiers.
        import re
        text = re.sub(r"\{[a-z_]+\}", "", v["text"])
        assert detect_language(text) == lang, f"{name} [{lang}]: {v['text']!r}"
        for b in v.get("buttons", []):
            assert detect_language(b["title"]) == lang, f"{name} [{lang}] button {b['title']!r}"


def test_arabic_and_english_variations_use_the_same_placeholders():
    import re
    for name, variations in RESPONSES.items():
        fields = {_language_of(v): set(re.findall(r"\{([a-z_]+)\}", v["text"])) for v in variations}
        assert fields["ar"] == fields["en"], name


def test_language_slot_defaults_to_a_language_with_responses():
    slot = DOMAIN["slots"]["language"]
    assert slot["initial_value"] in slot["values"] == ["ar", "en"]
