"""One decision per query: answer (the first hit), clarify (offer the close candidates) or
decline, from all the evidence the ranking has.

Two questions, two logistic models over CONF_FEATURES, both fitted on the development
questions by `dalil calibrate`:
  P(in scope)        is the question about any service of ours? (in scope vs out of scope)
  P(first is right)  given that it is, is the first hit the one? (in-scope questions only)
Then:
  decline  when P(in scope) < t_scope, or the question names another country's system;
  clarify  when P(first is right) < t_answer and 2-3 candidates score within `clarify_margin`
           of the first (genuinely close, both plausible: a residence permit and a driving
           licence never are);
  answer   otherwise. An in-scope question is never declined for being hard: a wrong refusal
           costs as much as a wrong answer, and the first hit is right far more often than not.
The thresholds and the margin minimise, on the development questions, the cost of a wrong
answer (1), a wrong refusal of an in-scope question (1) and a clarification (0.35; 1 when
the right service is not among the options; 0.5 for an out-of-scope question), with a floor on
out-of-scope declined (evaluation.COSTS, MIN_OOS_DECLINED).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from knowledge.text import is_arabizi, normalize

CONF_FEATURES = ("top", "margin", "q_dense", "doc_dense", "q_word", "q_char", "doc_word", "foreign",
                 "foreign_document", "short", "oos_dense", "oos_gap", "arabizi")
# The direction each feature may push either probability (0: either way).
CONF_SIGNS = {"top": 1, "margin": 1, "q_dense": 1, "doc_dense": 1, "q_word": 1, "q_char": 1, "doc_word": 1,
              "foreign": -1, "foreign_document": -1, "short": 0, "oos_dense": -1, "oos_gap": 1,
              "arabizi": 0}

# Names of other countries (also as Arabizi spells them: the transliteration drops their
# vowels) and of their government systems, and of private companies and apps. "Renew iqama
# on Absher", "Emirates ID renewal" or "reset my Instagram password" share their service words
# with a Qatar government service but are not ours. Nationalities are left out:
# "my Filipino maid's RP" and "exchange my Indian licence" are ours.
# A feature, not a rule: its weight is learnt, and an in-scope question that names a
# country ("attest my degree from India") still scores on everything else. Banks and loans
# are not here: complaints about a bank (QCB) and housing loans (QDB, MSDF) are services.
FOREIGN = frozenset(normalize(w) for w in """
saudi ksa riyadh jeddah absher muqeem tawakkalna qiwa nafath jawazat-ksa uae emirates emirati dubai
abu dhabi sharjah ajman icp amer gdrfa rta kuwait kuwaiti sahel bahrain bahraini oman omani muscat rop
egypt cairo jordan amman lebanon india pakistan nadra philippines oec poea owwa dmw bangladesh nepal sri lanka
kenya uk britain brp london usa us america uscis esta schengen europe germany france canada australia turkey
السعوديه السعودية الرياض جده ابشر أبشر مقيم توكلنا قوى نفاذ الامارات الإمارات اماراتيه دبي ابوظبي
الشارقه عجمان الكويت الكويتيه البحرين عمان العمانيه مسقط مصر المصريه القاهره الاردن الاردنيه لبنان
الهند الهنديه باكستان الفلبين بنغلاديش نيبال بريطانيا البريطانيه لندن امريكا الامريكيه شنغن اوروبا
المانيا فرنسا كندا استراليا تركيا المغرب تونس الجزائر العراق سوريا اليمن السودان ايران جده
saudia saudiya sa3odiya sa3udiya sa3oudia soudia emarat imarat dubai dbi riyad kwait urdon ordon masr misr 3oman
ba7rain ba7rein qahira lubnan turkiya maghrib morocco tunisia algeria iraq syria yemen sudan iran
instagram facebook whatsapp gmail google apple iphone android netflix tiktok snapchat twitter amazon uber careem
talabat ooredoo vodafone airline airlines flight hotel restaurant
انستقرام انستغرام فيسبوك واتساب جوجل قوقل ايفون نتفلكس تيك سناب تويتر امازون اوبر كريم طلبات اوريدو
فودافون طيران الطيران رحله فندق مطعم
""".split())
# Other countries' government systems by name: a question naming one is never about a Qatar
# service, whatever else it shares with ours, so it is declined outright.
FOREIGN_SYSTEMS = frozenset(normalize(w) for w in """
absher muqeem tawakkalna qiwa nafath icp amer gdrfa sahel nadra oec poea owwa uscis esta brp schengen vfs
ابشر أبشر توكلنا نفاذ شنغن
""".split()) | {"emirates id", "civil id", "abu dhabi", "dubai police", "saudi visa", "umrah visa"}
# Nationalities: alone they are ours ("my Filipino maid's RP"); right next to a national
# document they are another country's ("Egyptian passport renewal", "الهوية الاماراتية").
NATIONALITIES = frozenset(normalize(w) for w in """
saudi emirati kuwaiti bahraini omani egyptian jordanian lebanese syrian sudanese indian pakistani
filipino philippine bangladeshi nepali nepalese sri lankan kenyan british american canadian turkish
iranian iraqi yemeni moroccan tunisian algerian indonesian ethiopian ugandan
emaratiya emaratia imaratiya emaratiyya sa3odiya saudiya kuwaitiya omaniya 3omaniya masri masriya hindi hindiya
سعودي سعوديه اماراتي اماراتيه كويتي كويتيه بحريني بحرينيه عماني عمانيه مصري مصريه اردني اردنيه
لبناني لبنانيه سوري سوريه سوداني سودانيه هندي هنديه باكستاني باكستانيه فلبيني فلبينيه بنغالي
نيبالي بريطاني بريطانيه امريكي امريكيه كندي كنديه تركي تركيه ايراني عراقي عراقيه يمني يمنيه مغربي
مغربيه تونسي جزائري اندونيسي اثيوبي
""".split())
NATIONAL_DOCUMENTS = frozenset(normalize(w) for w in """
passport passports id pcc oci aadhaar jawaz jawaaz hawiya hawiyya hawiyah bi6aqa be6a8a betaqa e8ama iqama
جواز جوازه جوازي الجواز هويه الهويه بطاقه البطاقه
""".split())
_WORD_RE = re.compile(r"\w+")
_CLITICS = ("وبال", "فبال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ب", "ف", "ل", "ك")


def _words(text: str) -> list[str]:
    """Normalized words, each also without a leading Arabic clitic and with ال instead
    ("بالسعوديه" -> "سعوديه", "السعوديه")."""
    out = []
    for w in _WORD_RE.findall(normalize(text)):
        out.append(w)
        for c in _CLITICS:
            if w.startswith(c) and len(w) - len(c) >= 3:
                out += [w[len(c):], "ال" + w[len(c):]]
                break
    return out


@dataclass(frozen=True)
class Decision:
    action: str  # answer | clarify | decline
    probability: float
    n_options: int = 0


def mentions_foreign(text: str) -> bool:
    words = _words(text)
    pairs = {" ".join(p) for p in zip(words, words[1:])}
    return any(w in FOREIGN for w in words) or bool(pairs & {"abu dhabi", "sri lanka"})


def names_foreign_system(text: str) -> bool:
    words = _words(text)
    pairs = {" ".join(p) for p in zip(words, words[1:])}
    return bool(FOREIGN_SYSTEMS & (set(words) | pairs))


def foreign_document(text: str) -> bool:
    """A nationality within two words of a national document: "Egyptian passport", "الهويه الاماراتيه"."""
    words = _WORD_RE.findall(normalize(text))
    stripped = [_words(w)[1] if len(_words(w)) > 1 else w for w in words]
    for i, w in enumerate(stripped):
        if w in NATIONALITIES or words[i] in NATIONALITIES:
            near = stripped[max(0, i - 2):i] + stripped[i + 1:i + 3] + words[max(0, i - 2):i] + words[i + 1:i + 3]
            if any(n in NATIONAL_DOCUMENTS for n in near):
                return True
    return False


def decision_features(ranked: list[tuple[int, float, list[float]]], text: str, oos: float = 0.0) -> list[float]:
    """CONF_FEATURES of a ranking (see ranking.FEATURES for the order of each candidate's
    features); `oos`: the cosine of the closest out-of-scope question."""
    if not ranked:
        return [0.0] * len(CONF_FEATURES)
    _, top, f = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    short = 1.0 if len(_WORD_RE.findall(text)) <= 2 else 0.0
    foreign = 2.0 if names_foreign_system(text) else 1.0 if mentions_foreign(text) else 0.0
    # Arabizi scores lower on every channel for the same certainty (transliteration is lossy):
    # its own weight lets the models set its bar apart.
    return [top, top - second, f[1], f[0], f[4], f[5], f[2], foreign, 1.0 if foreign_document(text) else 0.0, short,
            oos, max(f[1], f[0]) - oos, 1.0 if is_arabizi(text) else 0.0]


def probability(features: list[float], p: dict, model: str = "conf") -> float:
    """P(first hit is right) (model "conf") or P(in scope) (model "scope") from the calibrated
    model; uncalibrated, the top score itself."""
    if not p.get(f"{model}_weights"):
        return float(features[0])
    z = sum(w * x for w, x in zip(p[f"{model}_weights"], features)) + p[f"{model}_bias"]
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def decide(features: list[float], top_scores: list[float], p: dict) -> Decision:
    if not top_scores:
        return Decision("decline", 0.0)
    if features[CONF_FEATURES.index("foreign")] >= 2.0:
        return Decision("decline", 0.0)  # another country's system, named
    if probability(features, p, "scope") < p["t_scope"]:
        return Decision("decline", 0.0)
    prob = probability(features, p)
    close = sum(1 for s in top_scores[:3] if top_scores[0] - s <= p["clarify_margin"])
    if prob < p["t_answer"] and close >= 2:
        return Decision("clarify", prob, close)
    return Decision("answer", prob)
