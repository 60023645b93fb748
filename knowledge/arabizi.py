"""Arabizi (Arabic typed in Latin letters and digits) detection and transliteration.

Gulf users chat "abi ajaddid el iqama" or "kam rosoom ta9reeh el 5oroj". Both the Rasa
tokenizer and search turn such words into Arabic script before anything else, so the
classifier and the index see the same Arabic they were built from. Pure Python: it runs
in both environments.

Two parts, both tested: a word list for the frequent words (where rules would guess the
short vowels wrong) and a rule table for the rest (digits 2=ء 3=ع 5=خ 6=ط 7=ح 8=ق 9=ص,
digraphs sh kh gh th dh, long vowels, the article el-/al-).
"""
from __future__ import annotations

import re

# Frequent Arabizi words -> Arabic. Spelling variants are folded first (see _fold).
WORDS: dict[str, str] = {
    # question words and dialect verbs
    "abi": "ابي", "abee": "ابي", "aby": "ابي", "abgha": "ابغى", "abga": "ابغى", "ab8a": "ابغى", "abghi": "ابغى",
    "abaa": "ابي", "aba": "ابي", "ubi": "ابي", "bghit": "ابغى",
    "kaif": "كيف", "kayf": "كيف", "kef": "كيف", "keef": "كيف", "kif": "كيف", "kaf": "كيف",
    "shlon": "شلون", "shloon": "شلون", "shlun": "شلون", "shlown": "شلون",
    "wain": "وين", "wein": "وين", "wen": "وين", "ween": "وين", "wayn": "وين",
    "wesh": "وش", "wish": "وش", "wsh": "وش", "shu": "شو", "shoo": "شو", "sho": "شو", "esh": "ايش", "aish": "ايش",
    "kam": "كم", "cham": "كم", "matha": "ماذا", "mata": "متى", "meta": "متى", "hal": "هل", "lesh": "ليش",
    "laish": "ليش", "leish": "ليش", "ain": "اين", "ayn": "اين", "min": "من", "mn": "من",
    "fi": "في", "fe": "في", "ala": "على", "3ala": "على", "3la": "على", "ila": "الى", "ela": "الى",
    "3an": "عن", "ma3": "مع", "wa": "و", "w": "و", "ya": "يا", "la": "لا", "mo": "مو", "mu": "مو",
    "ana": "انا", "enta": "انت", "inta": "انت", "anta": "انت", "ehna": "احنا", "e7na": "احنا",
    "hatha": "هذا", "hadha": "هذا", "hadi": "هذي", "hathi": "هذي",
    "al7een": "الحين", "el7in": "الحين", "alhin": "الحين", "l7een": "الحين",
    "ow": "او", "aw": "او", "walla": "ولا", "wala": "ولا", "bas": "بس", "lazim": "لازم", "lazem": "لازم",
    "agdar": "اقدر", "aqdar": "اقدر", "a8dar": "اقدر", "ygdar": "يقدر", "tegdar": "تقدر",
    "ashan": "عشان", "3shan": "عشان", "3ashan": "عشان", "ashaan": "عشان", "3ashaan": "عشان",
    "7ag": "حق", "hag": "حق", "7ak": "حق", "7agi": "حقي", "hagi": "حقي", "7aggi": "حقي", "7agg": "حق",
    "ode": "ودي", "wedi": "ودي", "widdi": "ودي", "weddi": "ودي", "yabi": "يبي", "ybi": "يبي", "yebi": "يبي",
    "sawi": "اسوي", "aswi": "اسوي", "asawi": "اسوي", "asawee": "اسوي", "sawwi": "سوي",
    "ajadid": "اجدد", "ajaddid": "اجدد", "ajded": "اجدد", "ajadded": "اجدد", "ajadd": "اجدد", "ajadad": "اجدد",
    "jadid": "جدد", "jaddid": "جدد", "tajdeed": "تجديد", "tajdid": "تجديد", "tajded": "تجديد", "tajdeid": "تجديد",
    "atalla3": "اطلع", "a6la3": "اطلع", "at6ala3": "اطلع", "ata3": "اطلع", "a6le3": "اطلع", "tal3": "طلع",
    "astakhrij": "استخرج", "astakhrej": "استخرج", "esti5raj": "استخراج", "istikhraj": "استخراج",
    "isdar": "اصدار", "esdar": "اصدار", "i9dar": "اصدار", "e9dar": "اصدار", "asdar": "اصدار",
    "alghi": "الغي", "algi": "الغي", "ilgha": "الغاء", "elgha": "الغاء", "ilgha2": "الغاء", "elgha2": "الغاء",
    "adfa3": "ادفع", "adfa": "ادفع", "daf3": "دفع", "dafa": "دفع", "sadad": "سداد", "sadaad": "سداد",
    "asajjil": "اسجل", "asajel": "اسجل", "asajil": "اسجل", "tasjeel": "تسجيل", "tasjil": "تسجيل",
    "agdim": "اقدم", "aqadim": "اقدم", "aqdem": "اقدم", "taqdeem": "تقديم", "tagdeem": "تقديم",
    "talab": "طلب", "6alab": "طلب", "6alb": "طلب", "abdal": "ابدل", "badal": "بدل", "ta3weedh": "تعويض",
    "dayi3": "ضايع", "dhaye3": "ضايع", "9aye3": "ضايع", "dhaya3t": "ضيعت", "dayya3t": "ضيعت", "6ayya3t": "ضيعت",
    "shakwa": "شكوى", "shakwah": "شكوى", "ashtiki": "اشتكي", "ashteki": "اشتكي",
    "ta7weel": "تحويل", "tahweel": "تحويل", "na8l": "نقل", "naql": "نقل", "nagl": "نقل",
    "mu3amala": "معامله", "mo3amala": "معامله", "khidma": "خدمه", "5idma": "خدمه", "5edma": "خدمه",
    # documents, cards, bodies
    "iqama": "اقامه", "eqama": "اقامه", "egama": "اقامه", "iqamah": "اقامه", "igama": "اقامه", "iqameh": "اقامه",
    "iqamti": "اقامتي", "eqamti": "اقامتي", "egamti": "اقامتي", "igamti": "اقامتي", "iqamat": "اقامه",
    "jawaz": "جواز", "jawaaz": "جواز", "jwaz": "جواز", "jawaz2": "جواز", "jawazi": "جوازي", "jawazat": "جوازات",
    "rukhsa": "رخصه", "rokhsa": "رخصه", "ru5sa": "رخصه", "ro5sa": "رخصه", "rukh9a": "رخصه", "rokh9a": "رخصه",
    "ru59a": "رخصه", "ro59a": "رخصه", "rukhsat": "رخصه", "rokhsat": "رخصه", "ru5sat": "رخصه", "rukhsa2": "رخصه",
    "siyaqa": "سياقه", "seyaqa": "سياقه", "siyaga": "سياقه", "syaqa": "سياقه", "syaga": "سياقه", "siaqa": "سياقه",
    "siyaqah": "سياقه", "sewaqa": "سواقه", "swaqa": "سواقه", "sowaqa": "سواقه",
    "bitaqa": "بطاقه", "betaqa": "بطاقه", "bi6aqa": "بطاقه", "be6aqa": "بطاقه", "b6aqa": "بطاقه", "bitaga": "بطاقه",
    "be6aga": "بطاقه", "bi6aga": "بطاقه", "b6aga": "بطاقه", "bitaqat": "بطاقه",
    "shakhsiya": "شخصيه", "shakhsiyya": "شخصيه", "sh5siya": "شخصيه", "shakh9iya": "شخصيه", "shakhsia": "شخصيه",
    "hawiya": "هويه", "hawiyya": "هويه", "hwiya": "هويه",
    "istimara": "استماره", "estimara": "استماره", "istimarah": "استماره", "esteemara": "استماره",
    "istimarat": "استماره", "estimarat": "استماره", "stmara": "استماره",
    "sayyara": "سياره", "sayara": "سياره", "syara": "سياره", "sayarti": "سيارتي", "sayyarti": "سيارتي",
    "mukhalafa": "مخالفه", "mokhalafa": "مخالفه", "mo5alafa": "مخالفه", "mu5alafa": "مخالفه", "mokhalfa": "مخالفه",
    "mukhalafat": "مخالفات", "mo5alafat": "مخالفات", "mokhalafat": "مخالفات", "mu5alafat": "مخالفات",
    "ta9reeh": "تصريح", "tasreeh": "تصريح", "ta9ree7": "تصريح", "tasree7": "تصريح", "tasrih": "تصريح",
    "fiza": "فيزا", "feeza": "فيزا", "veeza": "فيزا", "ta2sheera": "تاشيره", "tashira": "تاشيره", "ta2shira": "تاشيره",
    "tasheera": "تاشيره", "zeyara": "زياره", "ziyara": "زياره", "zyara": "زياره", "ziara": "زياره",
    "3amal": "عمل", "amal": "عمل", "shughl": "شغل", "shoghl": "شغل", "sheghl": "شغل", "shoql": "شغل",
    "3a2ela": "عائله", "3ayla": "عايله", "aila": "عائله", "3aila": "عائله", "3ai2li": "عائلي",
    "zawja": "زوجه", "zawjti": "زوجتي", "zojti": "زوجتي", "zoujti": "زوجتي", "zawjati": "زوجتي", "7urma": "حرمه",
    "walad": "ولد", "wildi": "ولدي", "weldi": "ولدي", "waldi": "ولدي", "bint": "بنت", "binti": "بنتي",
    "3yali": "عيالي", "eyali": "عيالي", "3eyali": "عيالي", "atfal": "اطفال", "a6fal": "اطفال",
    "milad": "ميلاد", "meelad": "ميلاد", "melad": "ميلاد", "shahada": "شهاده", "shahadat": "شهاده",
    "wafat": "وفاه", "wafa": "وفاه", "wafaa": "وفاه",
    "sijil": "سجل", "sijel": "سجل", "sejel": "سجل", "sjil": "سجل", "tijari": "تجاري", "tejari": "تجاري",
    "tijariya": "تجاريه", "tejariya": "تجاريه", "sharika": "شركه", "sharikah": "شركه", "shirka": "شركه",
    "sharikti": "شركتي", "mu2assasa": "مؤسسه", "moassasa": "مؤسسه", "mo2assasa": "مؤسسه",
    "3aqd": "عقد", "aqd": "عقد", "3agd": "عقد", "ijar": "ايجار", "eejar": "ايجار", "ejar": "ايجار", "ijara": "ايجار",
    "zawaj": "زواج", "zawaaj": "زواج", "zwaj": "زواج", "talaq": "طلاق", "6alaq": "طلاق", "6alag": "طلاق",
    "wakala": "وكاله", "wekala": "وكاله", "wkala": "وكاله", "tawkeel": "توكيل", "tawkil": "توكيل",
    "mahkama": "محكمه", "ma7kama": "محكمه", "qadiya": "قضيه", "gadhiya": "قضيه",
    "kahraba": "كهرباء", "kahraba2": "كهرباء", "kahrba": "كهرباء", "kahrama": "كهرماء", "kahramaa": "كهرماء",
    "mai": "ماي", "maya": "مياه", "miyah": "مياه", "fatora": "فاتوره", "fatoora": "فاتوره",
    "fatura": "فاتوره", "fawateer": "فواتير", "fawatir": "فواتير",
    "ba6aqa": "بطاقه", "9e77iya": "صحيه", "se7iya": "صحيه", "si7iya": "صحيه", "sehiya": "صحيه", "sihhiya": "صحيه",
    "9i77iya": "صحيه", "mow3ed": "موعد", "maw3id": "موعد", "mo3ed": "موعد", "maw3ed": "موعد", "mau3ed": "موعد",
    "mustashfa": "مستشفى", "mostashfa": "مستشفى", "markaz": "مركز", "merkaz": "مركز", "9i7i": "صحي", "se7i": "صحي",
    "madrasa": "مدرسه", "madrasah": "مدرسه", "madrase": "مدرسه", "jam3a": "جامعه", "jami3a": "جامعه",
    "mu3adala": "معادله", "mo3adala": "معادله", "mu3adalat": "معادله", "shahadti": "شهادتي",
    "ba3tha": "بعثه", "bi3tha": "بعثه", "minha": "منحه", "men7a": "منحه", "tawtheeq": "توثيق", "tawthee8": "توثيق",
    "ta9deeq": "تصديق", "tasdeeq": "تصديق", "ta9dee8": "تصديق", "tasdiq": "تصديق",
    "jamarik": "جمارك", "jamarek": "جمارك", "jumruk": "جمرك", "barid": "بريد", "bareed": "بريد",
    "9andoog": "صندوق", "sandooq": "صندوق", "sanduq": "صندوق", "shi7na": "شحنه", "shahna": "شحنه", "tard": "طرد",
    "ma7kamat": "محكمه", "baladiya": "بلديه", "baladiyya": "بلديه", "baladia": "بلديه",
    "bina": "بناء", "bina2": "بناء", "binaa": "بناء", "hadm": "هدم", "i3lan": "اعلان", "e3lan": "اعلان",
    "kalb": "كلب", "9eed": "صيد", "9ayd": "صيد", "gareeb": "قريب",
    "dhariba": "ضريبه", "dareeba": "ضريبه", "9ariba": "ضريبه", "zakat": "زكاه", "zaka": "زكاه", "7ajj": "حج",
    "hajj": "حج", "7aj": "حج", "fatwa": "فتوى", "quran": "قران", "qur2an": "قران", "kawader": "كوادر",
    "wadheefa": "وظيفه", "wa6eefa": "وظيفه", "wadhifa": "وظيفه", "wathifa": "وظيفه",
    "wazifa": "وظيفه", "wa9eefa": "وظيفه", "tawdheef": "توظيف", "tawtheef": "توظيف", "ta3yeen": "تعيين",
    "kafala": "كفاله", "kafeel": "كفيل", "kafil": "كفيل", "kafeeli": "كفيلي", "kfeel": "كفيل",
    "khadama": "خدامه", "5adama": "خدامه", "khadima": "خادمه", "5adema": "خادمه", "sayeq": "سايق", "sa2eq": "سايق",
    "3amil": "عامل", "3ummal": "عمال", "3ommal": "عمال", "ra5sa": "رخصه",
    "mumtalakat": "ممتلكات", "3aqar": "عقار", "3aqari": "عقاري", "3agar": "عقار", "ar9": "ارض", "ardh": "ارض",
    "raheen": "رهن", "rahn": "رهن", "milkiya": "ملكيه", "melkiya": "ملكيه", "wirtha": "ورثه", "werth": "ورث",
    "irth": "ارث", "miyrath": "ميراث", "meerath": "ميراث", "sanad": "سند",
    "safar": "سفر", "musafir": "مسافر", "khuruj": "خروج", "5urooj": "خروج", "5orooj": "خروج", "khorooj": "خروج",
    "dukhul": "دخول", "dukhool": "دخول", "do5ool": "دخول", "qatar": "قطر", "gatar": "قطر", "8a6ar": "قطر",
    "9a7eefa": "صحيفه", "sahifa": "صحيفه", "jina2i": "جنائي", "jinai": "جنائي", "7usn": "حسن", "husn": "حسن",
    "suluk": "سلوك", "sulook": "سلوك", "solook": "سلوك", "shorta": "شرطه", "shur6a": "شرطه", "shurta": "شرطه",
    "murur": "مرور", "muroor": "مرور", "moroor": "مرور", "mroor": "مرور", "fa7s": "فحص", "fahs": "فحص",
    "6ibbi": "طبي", "tibbi": "طبي", "6ebi": "طبي", "tebi": "طبي", "basma": "بصمه", "ba9ma": "بصمه",
    "ra8m": "رقم", "raqam": "رقم", "ragam": "رقم", "nimra": "نمره", "lo7a": "لوحه", "loha": "لوحه",
    "rasoom": "رسوم", "rusoom": "رسوم", "rosoom": "رسوم", "rsoom": "رسوم", "rusum": "رسوم", "rosom": "رسوم",
    "kalfa": "كلفه", "taklifa": "تكلفه", "si3r": "سعر", "se3r": "سعر", "flus": "فلوس",
    "awraq": "اوراق", "awra8": "اوراق", "awrag": "اوراق", "mustanadat": "مستندات", "mostanadat": "مستندات",
    "shoroo6": "شروط", "shuroot": "شروط", "shorout": "شروط", "shuruut": "شروط", "sharoot": "شروط",
    "khatawat": "خطوات", "5atawat": "خطوات", "6ariqa": "طريقه", "tareeqa": "طريقه", "6ari8a": "طريقه",
    "mudda": "مده", "moddah": "مده", "mudat": "مده", "wagt": "وقت", "waqt": "وقت",
    "online": "اونلاين", "onlayn": "اونلاين", "metrash": "مطراش", "mitrash": "مطراش", "metrash2": "مطراش",
    "hukoomi": "حكومي", "7ukoomi": "حكومي", "hukumi": "حكومي", "sak": "صك", "9ak": "صك",
    "wizara": "وزاره", "wezara": "وزاره", "wizarat": "وزاره", "dakhiliya": "داخليه", "da5liya": "داخليه",
    "daakhiliya": "داخليه", "3adl": "عدل", "adl": "عدل", "ba6ala": "بطاله",
    "jadeed": "جديد", "jdeed": "جديد", "jdeeda": "جديده", "jadeeda": "جديده",
    "mafqood": "مفقود", "mafgood": "مفقود", "mafqud": "مفقود", "kharban": "خربان", "5arban": "خربان",
    "ingi6a3": "انقطاع", "inqita3": "انقطاع", "ingita3": "انقطاع",
    "rasmi": "رسمي", "siya8a": "سياقه", "sya8a": "سياقه", "rasmiya": "رسميه", "amlek": "املك", "amlik": "املك", "sha7ada": "شهاده",
}

# Longest first: digraphs before single letters, digit+apostrophe before digit.
_RULES: list[tuple[str, str]] = sorted({
    "sh": "ش", "kh": "خ", "gh": "غ", "th": "ث", "dh": "ذ", "ch": "تش",
    "3'": "غ", "6'": "ظ", "9'": "ض", "7'": "خ",
    "2": "ء", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "ق", "9": "ص",
    "aa": "ا", "ee": "ي", "ii": "ي", "oo": "و", "ou": "و", "uu": "و", "ei": "ي", "ay": "ي", "ai": "ي", "aw": "و",
    "b": "ب", "t": "ت", "j": "ج", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف", "q": "ق", "k": "ك",
    "l": "ل", "m": "م", "n": "ن", "h": "ه", "w": "و", "y": "ي", "g": "ق", "v": "ف", "p": "ب", "x": "كس", "c": "ك",
}.items(), key=lambda kv: -len(kv[0]))

_VOWELS = set("aeiou")
_LATIN_TOKEN_RE = re.compile(r"[A-Za-z0-9']+")
_ARABIC_RE = re.compile(r"[\u0621-\u064A]")
# An Arabizi digit used as a letter: next to a Latin letter ("3ala", "ta9reeh", "a7tag").
_DIGIT_LETTER_RE = re.compile(r"(?i)[a-z][235679]|[235679][a-z]")

# Common English words: a message made of these is English, not Arabizi. Kept small on
# purpose: only words that could otherwise look Arabizi-neutral in a mixed message.
ENGLISH_WORDS = frozenset("""
a about after am an and any apply are as at be been can cancel card certificate change check
cost costs could do does documents for from get give go has have help how i id if in is it its
licence license lost make me much my need new no not of on or our pay permit please renew renewal
replace residence should so take than that the their there this to transfer visa want was we what
when where which who why will with without work you your online fee fees time long register
""".split())


def _fold(word: str) -> str:
    """Lower-case and squeeze letters typed three or more times ("tajdeeed" -> "tajdeed")."""
    return re.sub(r"(.)\1{2,}", r"\1\1", word.lower())


def _is_marked(word: str) -> bool:
    w = _fold(word)
    return (w in WORDS and w not in ENGLISH_WORDS) or bool(_DIGIT_LETTER_RE.search(w))


def is_arabizi(text: str) -> bool:
    """True when a Latin-script message reads as Arabic: at least one Arabizi word (a known
    one, or digits used as letters) and no more English words than Arabizi ones."""
    if not text or _ARABIC_RE.search(text):
        return False
    words = _LATIN_TOKEN_RE.findall(text)
    marked = sum(1 for w in words if _is_marked(w))
    english = sum(1 for w in words if _fold(w) in ENGLISH_WORDS)
    return marked >= 1 and marked >= english


def skeleton(word: str) -> str:
    """A spelling-blind key: the consonants, with the letters people use for the same Arabic
    sound folded together ("rou5sat", "rukhsat", "ru9sat" -> "r5st"; "e8amti", "iqamti" -> "aqmt").
    A leading vowel is kept as "a": "ajadid" (I renew) is not "jadid" (renew)."""
    w = _fold(word)
    for latin, key in (("kh", "5"), ("gh", "3"), ("sh", "$"), ("th", "t"), ("dh", "d"), ("ou", "u"),
                       ("8", "q"), ("g", "q"), ("9", "s"), ("6", "t"), ("7", "h"), ("2", ""), ("'", "")):
        w = w.replace(latin, key)
    head = "a" if w[:1] in _VOWELS else ""
    tail = "i" if w[-1:] in ("i", "y") and len(w) > 2 else ""  # "8a6ari" (Qatari) is not "8a6ar" (Qatar)
    body = re.sub(r"[aeiouy]$", "", w) if tail else w
    body = re.sub(r"[aeiou]", "", body)
    return head + re.sub(r"(.)\1+", r"\1", body) + tail


def _skeletons() -> dict[str, str]:
    """WORDS by skeleton, keeping only keys that name one Arabic word and are long enough
    (three or more letters) not to catch unrelated short words."""
    found: dict[str, set[str]] = {}
    for latin, arabic in WORDS.items():
        found.setdefault(skeleton(latin), set()).add(arabic)
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1 and len(k) >= 3}


SKELETONS = _skeletons()
# Attached pronouns, longest first: "ajadedha" is "ajaded" + "ha" (renew it).
_SUFFIXES = (("hum", "هم"), ("kum", "كم"), ("ha", "ها"), ("na", "نا"), ("ti", "تي"), ("ak", "ك"), ("ek", "ك"),
             ("i", "ي"))


def _known(w: str) -> str | None:
    """A word of the list, by its spelling or its skeleton, possibly with an attached pronoun."""
    if w in WORDS:
        return WORDS[w]
    if skeleton(w) in SKELETONS:
        return SKELETONS[skeleton(w)]
    for latin, arabic in _SUFFIXES:
        stem = w[:-len(latin)]
        if w.endswith(latin) and len(stem) >= 3:
            base = WORDS.get(stem) or SKELETONS.get(skeleton(stem))
            if base:
                if base.endswith("ه"):  # taa marbuta carries the pronoun on a taa: بطاقه + تي -> بطاقتي
                    return base[:-1] + "ت" + arabic.removeprefix("ت")
                return base + arabic
    return None


def transliterate_word(word: str) -> str:
    """One Arabizi word in Arabic script (word list, by spelling or skeleton, then the rule table)."""
    w = _fold(word)
    if w in WORDS:
        return WORDS[w]
    if w.isdigit() or (word.isupper() and len(word) <= 4):
        return word  # a number or an abbreviation (RP, QID) stays as typed
    known = _known(w)
    if known:
        return known
    article = ""
    for prefix in ("el-", "al-", "il-", "el", "al"):
        rest = w[len(prefix):]
        if w.startswith(prefix) and len(rest) >= (3 if prefix.endswith("-") else 4):
            known = _known(rest)
            if known:
                return "ال" + known
            article, w = "ال", rest
            break
    out: list[str] = []
    i = 0
    while i < len(w):
        ch = w[i]
        if ch in _VOWELS and not w.startswith(("aa", "ee", "ii", "oo", "ou", "uu", "ei", "ay", "ai", "aw"), i):
            if i == 0:
                out.append("ا")  # a word-initial vowel is written with alef
            elif i == len(w) - 1:
                out.append({"a": "ه", "e": "ه", "i": "ي", "o": "و", "u": "و"}[ch])  # final a/e: taa marbuta
            i += 1  # a short vowel inside a word is not written
            continue
        for latin, arabic in _RULES:
            if w.startswith(latin, i):
                out.append(arabic)
                i += len(latin)
                break
        else:
            i += 1  # apostrophes and other marks carry nothing
    return article + "".join(out)


def transliterate(text: str) -> str:
    """An Arabizi message in Arabic script; a separate article ("el iqama") joins its noun."""
    words = _LATIN_TOKEN_RE.findall(text)
    out: list[str] = []
    join_next = False
    for word in words:
        folded = _fold(word)
        if folded in ("el", "al", "il", "l"):
            join_next = True
            continue
        arabic = transliterate_word(word)
        if join_next and not arabic.startswith("ال") and _ARABIC_RE.search(arabic):
            arabic = "ال" + arabic
        join_next = False
        out.append(arabic)
    return " ".join(out)
