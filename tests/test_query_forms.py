"""The forms search reads a question in: English spelling corrected against the catalog's
vocabulary, and abbreviations and Gulf words spelled out."""
import pytest

from knowledge.search.expansion import expansions
from knowledge.search.spelling import Speller, catalog_vocabulary, distance
from knowledge.text import is_arabizi

VOCABULARY = ["police clearance certificate", "register a government school", "health card renewal",
              "appointment hospital", "health", "health"]


@pytest.mark.parametrize("a, b, d", [("police", "police", 0), ("plice", "police", 1), ("cetrificate", "certificate", 1),
                                     ("certficate", "certificate", 1), ("helth", "health", 1), ("kitten", "sitting", 3)])
def test_distance_counts_edits_and_transpositions(a, b, d):
    assert distance(a, b) == d


@pytest.mark.parametrize("text, corrected", [
    ("plice clearence certficate", "police clearance certificate"),   # one edit; two in a long word
    ("regester in goverment scool", "register in government school"),
    ("Helth card", "health card"),
    ("QID renewl", "QID renewal"),                                     # an abbreviation is left as typed
    ("gone home", "gone home"),                                        # short words are not touched
    ("zzzzzzz", "zzzzzzz"),                                            # nothing close: unchanged
])
def test_unknown_words_take_the_closest_known_spelling(text, corrected):
    assert Speller(VOCABULARY).correct(text) == corrected


def test_misspellings_in_the_bank_are_not_vocabulary(catalog):
    # The bank's English questions carry deliberate typos; a word seen once or twice is not a spelling.
    speller = Speller(catalog_vocabulary(catalog))
    assert speller.correct("plice certficate") == "police certificate"


def test_searcher_matches_the_corrected_spelling_lexically(searcher):
    lexical, dense = searcher.forms("plice clearence certficate")
    # "clearence" is a catalog keyword once (on purpose), "clearance" far more common: corrected.
    assert lexical.split() == ["plice", "clearence", "certficate", "police", "clearance", "certificate"]
    assert dense == "plice clearence certficate"  # the embedding sees what was typed
    assert searcher.search("how to regester in matrash app").hits[0].service.id == "moi-metrash2-registration"


@pytest.mark.parametrize("text, spelled_out", [
    # The expand_en / expand_ar of catalog/_synonyms.yaml, normalized.
    ("how do i get NOC", ["no objection certificate شهاده عدم ممانعه"]),
    ("ابي اجدد ال RP", ["residence permit رخصه الاقامه"]),
    ("ليسني ضاع", ["رخصه قياده"]),
    ("qid and QID again", ["qatar id card residence permit البطاقه الشخصيه اقامه"]),  # once, whatever the case
    ("renew my istimara", ["vehicle registration استماره المركبه"]),
    ("how do i renew my residence permit", []),  # an English name needs no spelling out
    ("the cdr of a list", []),                   # whole words only
    ("abi ajadid el iqama", []),                 # Arabizi is searched in Arabic script instead
])
def test_abbreviations_and_gulf_words_are_spelled_out(searcher, text, spelled_out):
    assert expansions(text, searcher.entities(text), searcher.finder.by_key, is_arabizi(text)) == spelled_out


def test_searcher_reads_the_spelled_out_abbreviation_in_both_forms(searcher):
    lexical, dense = searcher.forms("how do i get NOC")
    assert lexical.endswith("no objection certificate شهاده عدم ممانعه") and dense == lexical
