from retrieval.language import detect_language, guess_language


def test_short_portuguese_question_is_portuguese():
    assert detect_language("Quantos dias de férias?") == "pt"


def test_short_english_question_is_english():
    assert detect_language("How many vacation days?") == "en"


def test_portuguese_typed_without_accents_is_portuguese():
    assert detect_language("qual o prazo para solicitar a rescisao?") == "pt"


def test_a_lone_accented_word_is_portuguese():
    assert detect_language("férias") == "pt"
    assert detect_language("Informação") == "pt"


def test_english_text_with_a_portuguese_name_stays_english():
    assert detect_language("Is the café in São Paulo open on Sundays?") == "en"


def test_a_bare_code_gives_no_guess_and_detect_falls_back_to_the_default():
    assert guess_language("CPF 123.456.789-00") is None
    assert detect_language("CPF 123.456.789-00") == "en"
    assert detect_language("CPF", default="pt") == "pt"


def test_empty_text_falls_back_to_the_default():
    assert guess_language("") is None
    assert detect_language("   ") == "en"


def test_portuguese_passage_is_portuguese():
    passage = (
        "O colaborador tem direito a 30 dias corridos de férias após cada período de doze meses de trabalho. "
        "As férias podem ser divididas em até três períodos, desde que um deles não seja inferior a 14 dias."
    )
    assert detect_language(passage) == "pt"


def test_english_passage_is_english():
    passage = (
        "Employees are entitled to 30 calendar days of vacation after each twelve-month period of work. "
        "Vacation may be split into up to three periods, provided one of them is at least 14 days long."
    )
    assert detect_language(passage) == "en"


def test_portuguese_passage_quoting_english_terms_stays_portuguese():
    passage = "O deploy é feito pelo pipeline de CI com o comando make release, e o rollback manual."
    assert detect_language(passage) == "pt"


def test_a_short_english_phrase_without_function_words_is_english():
    assert detect_language("Lunch break hours", default="pt") == "en"
