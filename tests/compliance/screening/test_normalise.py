from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from strongroom.compliance.screening.normalise import name_tokens, normalise


def test_spellings_of_one_name_normalise_alike() -> None:
    assert {normalise(n) for n in ("Müller", "MUELLER", "Мюллер", "Muller")} == {"muller"}


def test_scripts_come_to_latin() -> None:
    assert normalise("Владимир Петров") == "vladimir petrov"
    assert normalise("Χαράλαμπος") == "charalampos"
    assert normalise("Straße") == "strasse"


def test_chinese_names_are_surname_then_given_name() -> None:
    assert normalise("陈小明") == "chen xiaoming"
    assert normalise("陈") == "chen"


def test_punctuation_honorifics_and_legal_forms() -> None:
    assert name_tokens("Mr. Sean O'Brien") == ("sean", "obrien")
    assert name_tokens("AL-HADDAD, Karim") == ("al", "haddad", "karim")
    assert name_tokens("Golden Star Shipping LLC") == ("golden", "star", "shipping")
    assert name_tokens("OOO Severstal") == ("severstal",)


def test_a_name_that_is_only_a_legal_form_keeps_it() -> None:
    assert name_tokens("AB") == ("ab",)
    assert name_tokens("") == ()
    assert name_tokens(" -- ") == ()


@given(st.text())
def test_tokens_are_lowercase_ascii_letters_and_digits(name: str) -> None:
    for token in name_tokens(name):
        assert token
        assert token.isascii()
        assert token.isalnum()
        assert token == token.lower()
