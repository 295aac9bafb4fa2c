from __future__ import annotations

import pytest

from shop.search.models import Synonym
from shop.search.vocabulary import get_vocabulary

pytestmark = pytest.mark.django_db


def test_staff_add_a_synonym_that_search_and_the_assistant_use_at_once(admin_client):
    article_type = get_vocabulary().article_types()[0]
    response = admin_client.post(
        "/admin/search/synonym/add/",
        {"term": "  Zork-Things ", "targets": f"{article_type},Moon Boots", "two_way": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    synonym = Synonym.objects.get(term="zork things")
    assert synonym.targets == [article_type, "Moon Boots"]
    assert [t.value for t in get_vocabulary().find_terms("zork things")] == [article_type]


def test_the_synonym_list_names_targets_the_catalog_does_not_carry(admin_client):
    article_type = get_vocabulary().article_types()[0]
    Synonym.objects.create(term="zork", targets=[article_type, "Moon Boots"])
    response = admin_client.get("/admin/search/synonym/?q=zork")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<td class="field-unknown_targets">Moon Boots</td>' in content
