"""Quotas per user and per group, per minute and per day, on questions and tokens. In-process: a question over a
quota is refused before anything needs the worker, so the Django test client suffices here; the end-to-end test
(mid-conversation, API and browser) is tests/test_quotas_end_to_end.py."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from webapp.usage.models import AnswerUsage, GroupQuota

pytestmark = pytest.mark.django_db


def _member(name: str, group: Group) -> User:
    user = User.objects.create_user(name)
    user.groups.add(group)
    return user


def _used(user: User, questions: int = 1, tokens: int = 0) -> None:
    """Answers already asked: usage rows as question_ask and the worker write them."""
    for _ in range(questions):
        AnswerUsage.objects.create(user=user, surface="api", prompt_tokens=tokens, completion_tokens=0)


def _ask(user: User, language: str = "en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client.post("/api/v1/chat", {"question": "How many vacation days?"}, content_type="application/json")


def test_two_groups_with_different_limits_hold_their_members_to_their_own():
    strict, generous = Group.objects.create(name="strict"), Group.objects.create(name="generous")
    GroupQuota.objects.create(group=strict, member_questions_per_minute=1)
    GroupQuota.objects.create(group=generous, member_questions_per_minute=3)
    sam, gil = _member("sam", strict), _member("gil", generous)
    _used(sam), _used(gil)

    refused = _ask(sam)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "quota_exceeded"
    assert 55 <= int(refused["Retry-After"]) <= 60
    assert refused["X-Quota-Limit"] == "1" and refused["X-Quota-Window"] == "minute"
    assert refused["X-Quota-Scope"] == "user" and refused["X-Quota-Remaining-Questions-Minute"] == "0"
    assert "You can ask again at" in refused.json()["error"]["message"]
    assert _ask(gil).status_code != 429  # 503 here: no worker runs in this tier


def test_a_group_limit_counts_its_members_together():
    legal = Group.objects.create(name="legal")
    GroupQuota.objects.create(group=legal, group_questions_per_day=2)
    ana, bea = _member("ana", legal), _member("bea", legal)
    _used(ana), _used(bea)
    refused = _ask(ana)
    assert refused.status_code == 429 and refused["X-Quota-Scope"] == "group:legal"
    assert refused["X-Quota-Window"] == "day" and int(refused["Retry-After"]) > 23 * 3600
    assert "Your group legal" in refused.json()["error"]["message"]


def test_tokens_count_prompt_and_completion_and_the_default_comes_from_settings(settings):
    settings.QUOTA_USER_TOKENS_PER_MINUTE = 1000
    team = Group.objects.create(name="team")
    tom = _member("tom", team)
    AnswerUsage.objects.create(user=tom, prompt_tokens=700, completion_tokens=299)
    assert _ask(tom).status_code != 429
    AnswerUsage.objects.create(user=tom, prompt_tokens=1, completion_tokens=0)
    refused = _ask(tom)
    assert refused.status_code == 429 and refused["X-Quota-Resource"] == "tokens"


def test_an_override_of_zero_lifts_the_default_for_a_group(settings):
    settings.QUOTA_USER_QUESTIONS_PER_DAY = 1
    vip = Group.objects.create(name="vip")
    GroupQuota.objects.create(group=vip, member_questions_per_day=0)
    val = _member("val", vip)
    _used(val, questions=3)
    assert _ask(val).status_code != 429


def test_the_refusal_speaks_the_readers_language():
    strict = Group.objects.create(name="estrito")
    GroupQuota.objects.create(group=strict, member_questions_per_minute=1)
    rui = _member("rui", strict)
    _used(rui)
    message = _ask(rui, "pt-BR").json()["error"]["message"]
    assert "Você poderá perguntar de novo às" in message and "1 pergunta por minuto" in message


def test_the_openai_door_refuses_with_the_same_quota_headers():
    from webapp.accounts.models import ApiToken

    strict = Group.objects.create(name="strict")
    GroupQuota.objects.create(group=strict, member_questions_per_day=1)
    oli = _member("oli", strict)
    _used(oli)
    _, raw = ApiToken.issue(user=oli)
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        "/v1/chat/completions", {"model": "acervo", "messages": [{"role": "user", "content": "How many days?"}]},
        content_type="application/json")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "quota_exceeded" and "You can ask again at" in refused.json()["error"]["message"]
    assert int(refused["Retry-After"]) > 23 * 3600 and refused["X-Quota-Window"] == "day"
