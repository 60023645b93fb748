"""What a question asks about a service: its documents, fees, steps, channel, processing time
or eligibility ("aspect"), and whether it names a service at all.

Users do not tell "what documents" from "how do I renew my RP" by intent, so the NLU has one
question intent and this module finds the aspect (the Rasa component `AspectExtractor` puts
it in an `aspect` entity; the action falls back to it). Patterns run on normalized text
(knowledge.text.normalize, both environments), most specific aspect first.
"""
from __future__ import annotations

import re

from knowledge.text import normalize, search_form, tokenize

ASPECTS = ("documents", "fees", "steps", "channel", "processing_time", "eligibility")

# Order matters: the first aspect whose pattern matches wins ("how much time" is time, not fees;
# "where do I start" is steps, not channel).
_PATTERNS: list[tuple[str, str]] = [
    ("steps", r"\bstep|where do i start|walk me through|guide me through|go about|break it down|stages|"
              r"what happens after|how (can|do|should) i apply|first thing|what do i click|which button|من وين ابدا|خطو|اضغط|اول شي"),
    ("processing_time", r"how long|how many (days|weeks|hours|working|months)|how much time|how soon|"
                        r"when (will|do|can|does|is)|by when|processing time|turnaround|instant|immediate|same day|"
                        r"urgent|express|the time\b|duration|months\b|done today|is that normal|بسرعه|quick|fast|waiting|wait\b|take long|valid for|"
                        r"كم (ياخذ|تاخذ|تستغرق|يوم|اسبوع|ساعه|المده|مده|بياخذ)|\bمتي\b|\b(وال|ال|و)?مده\b|فوري|علي طول|نفس اليوم|"
                        r"بتخلص اليوم|مستعجل|استعجل|سريع|تطول|\b(وال|ال|و)?وقت\b|صلاحيت|تستغرق|خلال كم|\bايام\b|اسبوع|شهور|\bساعه\b"),
    # "How do I pay my fines" is the payment service itself, not a question about its fees.
    ("fees", r"cost|\bfees?\b|price|how much|charge|riyal|\bqar\b|expensive|cheap|\bfree\b|penalty|late fine|"
             r"fine for delay|(have to|will i|citizens|need to) pay|pay (anything|online or|by card)|"
             r"discount|رسوم|بكم|سعر|تكلف|التكلفه|مجان|ببلاش|فلوس|(كم|لازم|الدفع) ?(ادفع|بدفع)|ادفع (شي|بالبطاقه)|"
             r"الدفع|ريال|المبلغ|غالي|رخيص|غرامه التاخير|غرامه تاخير|خصم|المجموع|"
             r"كم (في السنه|للعائله|عن كل|حق)|يدفعون"),
    # A document named alone ("birth certificate", "NOC", "passport") is often the service itself:
    # only a question about needing or bringing it asks for documents.
    ("documents", r"document|paper|bring|attach|upload|\bfiles?\b|checklist|have ready|on hand|prepare|proof|"
                  r"translat|attest|do i need (a|an|my|the|to bring|any)\b|need to (submit|upload|bring)|required|"
                  r"original|a copy|\bforms?\b|\bids\b|"
                  r"اوراق|الاوراق|ورق|مستند|وثائق|اجيب|مرفقات|ملفات|ارفع|احضار|اخذ معاي|يبون|يبيها|تبيها|اجهزه|"
                  r"(احتاج|لازم|يلزم|يشترط|مطلوب)\S* (الي |ال)?\S*(جواز|صور|شهاد|عقد|خطاب|ورق|عدم|بطاقه|استماره)|"
                  r"وش احتاج|ايش احتاج|شنو احتاج|احتاجها|المطلوب|تكفي|نسخه|مصدق|تتصدق|ترجم|نماذج|اثبات|الثبوتيه|"
                  r"اعبيها|تعبيتها|تجيب شي"),
    ("channel", r"where|online|from home|in person|visit an|through|\bon (metrash|the hukoomi|hukoomi)|metrash|hukoomi|"
                r"\bsak\b|kawader|aoun|nadeeb|portal|website|\bapp\b|link|office|cent(er|re)|call them|phone|email|"
                r"hotline|which ministry|which (government|portal)|who handles|responsible|do i go|e-service|"
                r"do i submit|go to|at qatar post|at my health|at the ministry|"
                r"وين|\bاين\b|اونلاين|الكتروني|من البيت|بنفسي|حضور|شخصي|مطراش|حكومي|\bصك\b|كوادر|\bعون\b|النديب|الداخليه|مركز|"
                r"المراكز|مكتب|تطبيق|بالتطبيق|البريد|موقع|الرابط|اللنك|\b(ال)?جهه\b|وزاره|اتصل|رقمهم|خط ساخن|ايميل|الهاتف|"
                r"بوابه|حضوري|البلديه|المحكمه|المسوول|اشغال|اروح|\bحمد\b|بمطراش"),
    ("eligibility", r"eligib|qualif|who can|who is allowed|allowed|can i apply|can (residents|expats|a visitor|a woman|"
                    r"my wife|someone|my company|gcc|students|domestic|individuals|children|retirees|i get it)|"
                    r"only for|is it for|apply to me|\bage\b|salary|condition|criteria|citizens|qataris|nationalit|"
                    r"meet the|\bi'?m \d+|if i'?m|am i|مين يقدر|من يحق|يحق|مؤهل|اقدر اقدم|يقدرون|للقطريين|للمواطنين|"
                    r"الوافدين|الزاير|الشروط|شروط|تنطبق|مسموح|\bعمر|راتب|تشملني|تشمل|يستطيع|\bشرط\b|يشترط|تقدر تقدم|بدالي|\bعني\b|"
                    r"قطري|للشركات|للافراد|استوفي|يقدر يقدم|انا مقيم"),
    ("steps", r"how|process|procedure|guide|explain|walk me|what should i do|what do i (do|have to)|what's next|"
              r"then what|proceed|كيف|شلون|خطوات|اجراءات|الاجراءات|طريقه|الطريقه|اسوي|ماذا|بعدين|دلني|ترشد|وريني|"
              r"مراحل|المراحل|اشرح|كيفيه|فصل لي|رتب لي|ساعدني"),
]
# Patterns are written in plain spelling and normalized like the text (hamza, alef, taa marbuta).
_COMPILED = [(aspect, re.compile(normalize(pattern))) for aspect, pattern in _PATTERNS]

# Words that name no service: question words, pronouns, politeness, and the aspect words
# themselves. What is left of a message without them names a service (or a body).
GENERIC = frozenset(normalize(w) for w in """
a about after again all also am an and any anything are as at be before bring but by can could do does done
for from get give go going have how i if in is it its just know let like me more my need needed of ok okay
on or please same should so some tell than thanks that the their them then there these they this to too
up us want we what whats what's when where which who will with would you your yours this these here
it's i'm there's and, time long much many days fees fee cost price documents document papers required
needed steps step process procedure apply application service services now again pay paid free online
how's cheap expensive approval approved ready receive issued valid week weeks months hours day
و او ف ب ل ال في من على عن الى مع هل ما ماذا كم كيف شلون وش ايش شو شنو وين اين متى ليش لماذا
انا انت احنا هو هي هذا هذي هذه ذلك هالشي هالخدمه الخدمه خدمه المعامله معامله الطلب طلب لها له لي
لو سمحت طيب زين يعني بس ولا الحين اذا لازم ابي ابغى ودي اقدر ممكن عندي عندك حق حقي معي معاي
الرسوم رسوم السعر التكلفه الاوراق اوراق المستندات مستندات المطلوبه المطلوب الخطوات خطوات
الاجراءات المده مده الوقت وقت ياخذ تاخذ تستغرق تطلع يوم ايام اقدم التقديم يحق الشروط شروط
take use submit work available per year only first request start fill requirements minimum whole late
send instead number another list need needs anyone someone something other else yes no
يجب اي احتاج اللي يمكن توجد وانا عليها عليهم موجوده تتم عبر عطني ارسل استخدم انجازها منو ينفع تكون التي
الذي شي مطلوبه مطلوب قايمه ان لا هناك تقريبا استلمها توصل اكمل فيه عنها لهالشي لهالخدمه لهذه لذلك
قبل بعد بدل خلال طريق نظام فضلك اللازم اللازمه يلزم يشترط متطلبات متوفره متاحه ووش
تقدر تقدم يقدم يقدر يقدمون يبون اليوم اول ابدا اقرب person visit home handles nearest call
one ones case side version equivalent بالنسبه وبالنسبه نفس نفسها نفسه عند عندهم لدى
""".split())


_PLACEHOLDER_RE = re.compile(r"\[[A-Z_]+\]")


def detect_aspect(text: str) -> str | None:
    """The aspect a question asks about, or None for a plain question about a service.
    An Arabizi question is read in Arabic script ("kam el rosoom" asks the fees)."""
    text = _PLACEHOLDER_RE.sub(" ", text or "")  # "[PHONE]" is a redacted number, not a question about phones
    norm = " ".join(normalize(search_form(text)).split())
    for aspect, pattern in _COMPILED:
        if pattern.search(norm):
            return aspect
    return None


def service_words(text: str) -> list[str]:
    """The words of a message that could name a service: all but GENERIC ones and
    anything the aspect patterns match."""
    return [t for t in tokenize(_PLACEHOLDER_RE.sub(" ", text or "")) if t not in GENERIC and len(t) > 2 and not t.isdigit()
            and not any(pattern.search(t) for _, pattern in _COMPILED)]


# Nouns many services share ("licence": driving, commercial, broker...) and the verbs that
# say only what to do with one. A message made of nothing else ("ابي اجدد رخصة", "renew
# license", "certificate") does not say which service: search offers the close ones.
SHARED_NOUNS = frozenset(normalize(w) for w in """
licence licences license licenses permit permits certificate certificates card cards visa visas contract contracts
complaint complaints report appointment appointments
رخصه الرخصه رخصتي رخص الرخص شهاده الشهاده شهادتي شهادات بطاقه البطاقه بطاقتي كرت الكرت تصريح التصريح تصاريح
فيزا الفيزا فيزتي تاشيره التاشيره عقد العقد عقدي شكوى الشكوى شكوي بلاغ البلاغ موعد الموعد
""".split())
# What to do with a document, by kind; a kind's key is the stem the English names of the
# services doing it share ("Residence Permit Renewal"), "" for verbs no name repeats.
ACTIONS = {kind: frozenset(normalize(w) for w in words.split()) for kind, words in {
    "renew": "renew renewal renewing تجديد جدد اجدد يجدد نجدد",
    "replac": "replace replacement lost بدل فاقد ضايع ضاع ضاعت",
    "cancel": "cancel cancellation الغاء الغي",
    "exten": "extend extension تمديد امدد",
    "regist": "register registration تسجيل اسجل",
    "": "get getting issue issuance new make obtain book file submit اصدار اصدر اطلع استخرج جديد جديده اسوي سوي احجز حجز اقدم",
}.items()}
ACTION_WORDS = frozenset().union(*ACTIONS.values())


def only_shared_noun(text: str) -> bool:
    """The message's service words are a noun many services share, with at most what to do
    with it: "ابي اجدد رخصة", "renew license", "I need a certificate"."""
    words = service_words(text)
    nouns = [w for w in words if w in SHARED_NOUNS]
    return bool(nouns) and all(w in SHARED_NOUNS or w in ACTION_WORDS for w in words)


def action_stems(text: str) -> set[str]:
    """The name stems of what the message says to do ("ابي اجدد رخصة" -> {"renew"})."""
    words = set(service_words(text))
    return {kind for kind, verbs in ACTIONS.items() if kind and words & verbs}
