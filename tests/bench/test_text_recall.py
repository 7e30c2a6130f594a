"""The excused-recall rule of :mod:`bench.text_recall`: a word ``pdftotext`` missed is excused
only where docparse's text of the page holds the symbol poppler misread in its place."""

from __future__ import annotations

from collections import Counter

from bench.text_recall import Score, excusable, score


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
