"""The two environments pin different camel-tools (1.5.7 for Rasa, 1.6.0 here); the text
handling both rely on must give identical output, or the classifier and search would see
different Arabic."""
import json
import subprocess

from knowledge.aspects import detect_aspect
from knowledge.config import ROOT
from knowledge.text import detect_language, normalize, search_form, tokenize

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = """
import json, sys
from knowledge.aspects import detect_aspect
from knowledge.text import detect_language, normalize, search_form, tokenize
texts = json.load(sys.stdin)
print(json.dumps([[normalize(t), tokenize(t), detect_language(t), search_form(t), detect_aspect(t)] for t in texts]))
"""


def corpus(catalog) -> list[str]:
    texts = ["أَهْلاً وسَهْلاً", "مـــطراش٢", "إقامة مسؤول رئيس مستشفى", "abi ajaddid el iqama", "kam rosoom el QID",
             "ابي اجدد ال RP", "how do I renew استمارة", "\u200fمرحبا\x00", "٣٤٥ ۱۲"]
    for s in catalog.services:
        texts += [s.name_ar, s.name_en, s.description_ar, *s.keywords_ar, *s.keywords_en]
    texts += [q.text for q in catalog.questions]
    return texts


def test_both_environments_normalize_identically(catalog):
    texts = corpus(catalog)
    out = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT], input=json.dumps(texts), capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    theirs = json.loads(out.stdout)
    ours = [[normalize(t), tokenize(t), detect_language(t), search_form(t), detect_aspect(t)] for t in texts]
    diffs = [(t, a, b) for t, a, b in zip(texts, ours, theirs) if a != b]
    assert diffs == [] and len(theirs) == len(texts) > 500
