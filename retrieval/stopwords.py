"""Stopwords for lexical retrieval, already accent-folded and lower-case.

Compact lists after Snowball's: function words and the forms of ser, estar, ter, haver (be, have, do), plus
question words ("quantos", "qual", "how", "many"). A word is dropped if it is in either set, for documents and
queries alike, so the filter never depends on a language guess. Words that carry meaning in the other language
are left out of the union ("era" is a Portuguese verb form but an English noun).
"""

PORTUGUESE = frozenset(
    """
    a ao aos aquela aquelas aquele aqueles aquilo as ate com como da das de dela delas dele deles depois do dos e
    ela elas ele eles em entre essa essas esse esses esta estas este estes eu isso isto ja lhe lhes mais mas me
    mesma mesmo meu meus minha minhas muito muita muitos muitas na nas nao nem no nos nossa nossas nosso nossos num
    numa o os ou para pela pelas pelo pelos por porque qual quais qualquer quando quanto quanta quantos quantas que
    quem se sem sobre seu seus so sua suas tambem te teu teus tua tuas tu um uma umas uns voce voces vos onde cujo cuja
    ser sou somos sao foi fomos foram fosse fossem seja sejam sera serao seria seriam sendo sido
    estar estou esta estamos estao estava estavam esteve estiveram estiver esteja estejam estando
    ter tenho tem temos tinha tinham teve tiveram tiver tenha tenham tera terao teria teriam tendo tido
    haver ha havia houve houver haja hao
    fazer faz fazem fez pode podem poderia deve devem
    """.split()
)

ENGLISH = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below between both
    but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where
    which while who whom whose why will with would you your yours yourself yourselves
    many much also may might must shall upon
    don doesn didn isn aren wasn weren won wouldn shouldn couldn
    """.split()
)

# Content words in one language that happen to be stopwords in the other.
_KEEP = frozenset({"era"})

STOPWORDS = (PORTUGUESE | ENGLISH) - _KEEP
