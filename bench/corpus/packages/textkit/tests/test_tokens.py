import pytest

from textkit import ngrams, sentences, tokenize, word_frequencies


def test_tokenize_contractions():
    assert tokenize("Don't STOP me now!") == ["don't", "stop", "me", "now"]


def test_tokenize_keep_case_and_stopwords():
    assert tokenize("The Cat and the Hat", lower=False, drop_stopwords=True) == ["Cat", "Hat"]


def test_ngrams():
    assert ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]
    assert ngrams(["a", "b", "c"], 3) == [("a", "b", "c")]
    assert ngrams(["a"], 2) == []
    with pytest.raises(ValueError):
        ngrams(["a"], 0)


def test_word_frequencies_order_and_top():
    text = "b x c b x b the the the"
    assert word_frequencies(text) == [("b", 3), ("x", 2), ("c", 1)]
    assert word_frequencies(text, top=1) == [("b", 3)]


def test_sentences():
    assert sentences("Hi there. How are you?  Fine!") == ["Hi there.", "How are you?", "Fine!"]
