"""The excused-recall rules of :mod:`bench.text_recall`: a word ``pdftotext`` missed is excused
only where docparse's and poppler's texts of the page show poppler misread it: a symbol
docparse has in its place, marks poppler split off the letters docparse has them between, a
word broken at a line end whose parts poppler glued to the wrong neighbours."""

from __future__ import annotations

from collections import Counter

from bench.text_recall import Score, excusable, mark_runs, orphan_marks, rejoined, score


def test_angle_brackets_read_as_h_and_i_are_excused() -> None:
    s = score("the \\DeclareLex{hnamei} macro", "the \\DeclareLex{⟨name⟩} macro")
    assert (s.found, s.total, s.recall) == (3, 4, 0.75)  # the strict figure is unchanged
    assert s.excused == Counter({"hnamei": 1})
    assert s.excused_recall == 1.0


def test_a_prime_read_as_zero_is_excused() -> None:
    s = score("so x0 = f 0(x)", "so x′ = f ′(x)")
    assert s.excused == Counter({"x0": 1, "0": 1})
    assert s.excused_recall == 1.0


def test_poppler_writing_apart_what_docparse_writes_together_is_excused() -> None:
    s = score("\\AcceptText{hAcceptText i} is printed", "\\AcceptText{⟨AcceptText⟩} is printed")
    assert s.excused == Counter({"haccepttext": 1, "i": 1})
    assert s.excused_recall == 1.0
    joined = score("\\hnameispeaks is a command", "\\⟨name⟩ speaks is a command")
    assert joined.excused == Counter({"hnameispeaks": 1})


def test_an_ordinary_miss_is_not_excused() -> None:
    absent = score("the name macro", "the macro")
    assert absent.missed == Counter({"name": 1}) and not absent.excused
    assert absent.excused_recall == absent.recall
    no_bracket = score("the hnamei macro", "the name macro")  # an h-word, but no ⟨ in docparse's text
    assert not no_bracket.excused and no_bracket.excused_recall == no_bracket.recall
    elsewhere = score("the hname macro", "the name macro ⟨x⟩")  # a ⟨ on the page, not in that word
    assert not elsewhere.excused
    assert not score("x0", "x 0′").excused  # the substituted ′ reads "00", not "x0"


def test_each_misread_symbol_excuses_one_word() -> None:
    s = score("hai hai", "⟨a⟩ a")
    assert s.excused == Counter({"hai": 1}) and s.excused_recall == 0.5


def test_excusable_keeps_only_words_a_substituted_symbol_is_part_of() -> None:
    assert excusable("\\⟨Act’s macro⟩{⟨art./Art.⟩}") == Counter(
        {"hact": 1, "macroi": 1, "smacroi": 1, "hart": 1, "i": 1}
    )
    assert excusable("h i 0 name x") == Counter()  # letters and digits poppler did not misread
    assert excusable("⟨a⟩ b c d") == Counter({"hai": 1, "haib": 1, "haibc": 1})  # runs as the strict rule


def test_pooled_scores_sum_the_excused_words() -> None:
    pooled = Score()
    pooled.add(score("hnamei b", "⟨name⟩ b"))
    pooled.add(score("c d", "c"))
    assert (pooled.found, pooled.total, pooled.excused.total()) == (2, 4, 1)
    assert pooled.recall == 0.5 and pooled.excused_recall == 0.75


# אֱֹלהִ֖ים as docparse reads it, and as poppler does where it moves the hiriq and the tipcha off
# their letters (reledmac's Genesis): the letters between them join.
ELOHIM = "\u05d0\u05b1\u05b9\u05dc\u05d4\u05b4\u0596\u05d9\u05dd"
SPLIT = "\u05d0 \u05b1\u05b9\u05dc\u05d4\u05d9\u05dd\n\u0596 \u05b4"
LHYM = "\u05dc\u05d4\u05d9\u05dd"  # להים


def test_letters_joined_where_poppler_split_their_marks_off_are_excused() -> None:
    s = score(SPLIT, ELOHIM)
    assert s.missed == Counter({LHYM: 1}) and s.recall == 5 / 6  # the strict figure is unchanged
    assert s.excused == Counter({LHYM: 1}) and s.excused_recall == 1.0


def test_letters_without_split_marks_are_not_excused() -> None:
    lost = score(SPLIT, "\u05d0\u05b1\u05b9\u05dc\u05d4\u05b4\u0596")  # docparse lacks ים
    assert LHYM in lost.missed and not lost.excused
    apart = score(SPLIT, "\u05d0\u05b1\u05b9\u05dc\u05d4\u05b4\u0596-\u05d9\u05dd")  # a hyphen, not marks, between
    assert not apart.excused
    kept = score(LHYM + " \u05d0", ELOHIM)  # poppler split no mark off (none without its letter)
    assert LHYM in kept.missed and not kept.excused
    once = score(SPLIT + " " + LHYM, ELOHIM + " " + ELOHIM)  # one orphan hiriq: one word excused
    assert once.missed[LHYM] == 2 and once.excused == Counter({LHYM: 1})


def test_mark_runs_and_orphan_marks() -> None:
    assert mark_runs(ELOHIM) == {
        "\u05d0\u05dc\u05d4": [Counter({"\u05b1": 1, "\u05b9": 1})],
        "\u05d0\u05dc\u05d4\u05d9\u05dd": [Counter({"\u05b1": 1, "\u05b9": 1, "\u05b4": 1, "\u0596": 1})],
        LHYM: [Counter({"\u05b4": 1, "\u0596": 1})],
    }
    assert mark_runs("ab cd, e-f") == {}  # only marks between join words
    assert orphan_marks(SPLIT) == Counter({"\u05b1": 1, "\u05b9": 1, "\u0596": 1, "\u05b4": 1})
    assert orphan_marks(ELOHIM) == Counter()  # every mark on a letter
    assert orphan_marks("\u0301a, \u0301\u0302") == Counter({"\u0301": 2, "\u0302": 1})


# Two columns, each "consectetur pellentes-/que luc-/tus", as docparse reads them (one after the
# other) and as poppler does, a line of each in turn, joining each line-end hyphen to the line
# that follows in its reading: the other column's.
COLUMNS = "consectetur pellentesque luctus\nconsectetur pellentesque luctus"
INTERLEAVED = "consectetur pellentesconsectetur pellentesque lucque luctus\ntus"


def test_a_word_broken_at_a_line_end_glued_across_columns_is_excused() -> None:
    s = score(INTERLEAVED, COLUMNS)
    assert s.missed == Counter({"pellentesconsectetur": 1, "lucque": 1, "tus": 1}) and s.recall == 0.5
    assert s.excused == s.missed and s.excused_recall == 1.0


def test_glued_words_not_made_of_broken_words_poppler_reads_whole_are_not_excused() -> None:
    assert not score("alpha beta", "alpha").excused  # a word simply absent
    # docparse's own wrong join of fau-/cibus: poppler never reads "fauorci" whole
    wrong = score("faucibus orci", "fauorci cibus")
    assert wrong.missed == Counter({"faucibus": 1, "orci": 1}) and not wrong.excused
    # two whole words glued (no word cut at a line end)
    assert not score("something some thing", "some; thing some thing").excused
    # a cut word's second part is not among the missed words: its first part is no excuse
    half = score("pellentesconsectetur pellentesque consectetur", "pellentesque pellentesque consectetur consectetur")
    assert half.missed == Counter({"pellentesconsectetur": 1}) and not half.excused


def test_rejoined_uses_each_spare_word_once() -> None:
    spare, seen = Counter({"luctus": 1}), {"luctus"}
    assert rejoined(["tus"], spare, seen) == Counter()  # its first part unused: not cut
    assert rejoined(["lucque", "tus"], spare, seen) == Counter()  # "que" is no part of a spare word
    assert rejoined(["lucque", "tus"], spare | Counter({"pellentesque": 1}), seen) == Counter()  # not read whole
    spare2 = Counter({"luctus": 1, "pellentesque": 1, "consectetur": 1})
    seen2 = {"luctus", "pellentesque", "consectetur"}
    assert rejoined(["pellentesconsectetur", "lucque", "tus", "tus"], spare2, seen2) == Counter(
        {"pellentesconsectetur": 1, "lucque": 1, "tus": 1}
    )


def test_a_glued_word_docparse_reads_elsewhere_on_the_page_is_not_excused() -> None:
    """docparse's own wrong join (``pre-`` + ``fix`` of the next column, for ``pre-``/``sent``),
    though ``prefix`` and ``sent`` are words poppler reads on the page: ``present`` is a word
    docparse reads elsewhere on the page, so no glue of poppler's."""
    s = score("present fix prefix sent present", "prefix sent prefix sent present")
    assert s.missed == Counter({"present": 1, "fix": 1}) and not s.excused
