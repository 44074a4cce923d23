"""The usage page and its CSV: per user, group, collection and profile, with cost where a profile has a price.
In-process; usage rows as question_ask and the worker write them."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from webapp.audit.models import AuditEntry
from webapp.chat.models import ModelProfile
from webapp.documents.models import Collection
from webapp.usage.models import AnswerUsage, ProfilePrice

pytestmark = pytest.mark.django_db


@pytest.fixture
def usage():
    legal, sales = Group.objects.create(name="legal"), Group.objects.create(name="sales")
    ana, bo = User.objects.create_user("ana"), User.objects.create_user("bo")
    ana.groups.add(legal), bo.groups.add(sales)
    priced, free = ModelProfile.objects.create(name="priced"), ModelProfile.objects.create(name="free")
    ProfilePrice.objects.create(profile=priced, currency="BRL", prompt_per_million=Decimal("10"),
                                completion_per_million=Decimal("30"))
    contracts = Collection.objects.create(name="contracts")
    for user, profile, prompt, completion in ((ana, priced, 1_000_000, 100_000), (ana, priced, 500_000, 0),
                                              (bo, free, 2_000, 1_000)):
        AnswerUsage.objects.create(user=user, profile=profile, profile_name=profile.name, collections=[contracts.pk],
                                   prompt_tokens=prompt, completion_tokens=completion, model_seconds=2.5)


def _staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("staff", is_staff=True))
    return client


def test_the_page_shows_a_months_usage_per_group_with_its_cost_and_a_chart(usage):
    page = _staff().get("/usage/").content.decode()
    assert "BRL 18.00" in page  # 1.5 M prompt × 10 + 0.1 M completion × 30
    legal = page[page.index('id="usage-table-groups"'):]
    assert "<th scope=\"row\">legal</th><td>2</td><td>1,600,000</td><td>5.0 s</td><td>BRL 18.00</td>" in legal
    assert "<th scope=\"row\">sales</th><td>1</td><td>3,000</td><td>2.5 s</td><td>–</td>" in legal
    assert 'id="usage-table-collections"' in page and "<th scope=\"row\">contracts</th><td>3</td>" in page
    assert '<svg class="chart-svg"' in page


def test_the_csv_has_every_dimension_and_its_export_is_audited(usage):
    response = _staff().get("/usage/usage.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by = {(r["dimension"], r["name"]): r for r in rows}
    assert by[("total", "total")]["questions"] == "3"
    assert by[("group", "legal")]["cost"] == "18.000000" and by[("group", "legal")]["currency"] == "BRL"
    assert by[("profile", "free")]["cost"] == ""
    assert {("user", "ana"), ("user", "bo"), ("collection", "contracts")} <= by.keys()
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT, data__what="usage.csv").exists()


def test_only_staff_see_usage(usage):
    client = Client()
    client.force_login(User.objects.get(username="ana"))
    assert client.get("/usage/").status_code == 403
