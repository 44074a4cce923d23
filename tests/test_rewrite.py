from retrieval.rewrite import standalone_question


def test_a_follow_up_is_searched_together_with_the_previous_question():
    assert standalone_question("and for interns?", ["How many vacation days do employees get?"]) == (
        "How many vacation days do employees get? and for interns?"
    )
    assert standalone_question("E para estagiários?", ["Quantos dias de férias?"]).startswith("Quantos dias de férias?")


def test_a_self_contained_question_is_searched_as_it_is():
    question = "How are travel expenses reimbursed after a business trip?"
    assert standalone_question(question, ["How many vacation days do employees get?"]) == question


def test_the_first_question_of_a_conversation_is_never_rewritten():
    assert standalone_question("and for interns?", []) == "and for interns?"
