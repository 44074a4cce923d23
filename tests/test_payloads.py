"""The citation and the usage are defined once (retrieval/contracts/payloads.py); the stored row, the `done` event,
the page data and the API schema follow that definition. In-process, no database."""

import dataclasses

from retrieval.contracts import payloads
from retrieval.contracts.payloads import Citation, Usage
from webapp.api.api import api
from webapp.chat import page_data
from webapp.chat.models import Citation as CitationRow

SNAPSHOT = Citation(n=2, chunk_id=7, document_id=3, title="Policy", text="Thirty days.", page=4, location="page 4",
                    heading_path="Leave", char_start=10, char_end=22, score=0.8, cited=True, support=0.4, weak=True,
                    weak_reason="[2] does not contain 45.", weak_code="number_missing",
                    weak_params={"numbers": ["45"]}, attributed=False)


def test_the_citation_row_has_a_column_for_each_field_and_no_other_snapshot_column():
    columns = {f.attname.removesuffix("_id") if f.is_relation else f.name for f in CitationRow._meta.concrete_fields}
    fields = {f.name.removesuffix("_id") for f in dataclasses.fields(Citation)}
    assert columns - {"id", "message"} == fields


def test_a_row_built_from_the_payload_reads_back_as_the_same_payload():
    row = CitationRow(message_id=1, **SNAPSHOT.as_row_fields())
    assert Citation.of(row) == SNAPSHOT


def test_the_done_event_names_a_citation_by_the_event_fields():
    event = SNAPSHOT.to_event()
    assert list(event) == list(payloads.EVENT_FIELDS)
    assert event["weak_params"] == {"numbers": ["45"]} and event["chunk_id"] == 7


def test_the_page_shows_every_field_of_the_stored_citation():
    row = CitationRow(message_id=1, **{**SNAPSHOT.as_row_fields(), "weak": False})
    shown = page_data.source(row)
    assert {f.name for f in dataclasses.fields(Citation)} <= set(shown)
    assert shown["document_deleted"] is False and shown["weak_reason"] == ""


def test_the_api_schema_documents_usage_and_citations_from_the_payloads():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    usage = schemas["UsageOut"]["properties"]
    assert set(usage) == set(Usage.__annotations__)
    assert usage["ttft_ms"]["description"] == payloads.described(Usage)["ttft_ms"][1]
    citation = schemas["CitationOut"]["properties"]
    assert set(citation) == {*payloads.EVENT_FIELDS, "document_deleted"}
    assert citation["location"]["description"] == payloads.described(Citation)["location"][1]
    assert "$ref" in str(usage["answerability"]) and "$ref" in str(citation["weak_params"])


def test_the_generation_parameters_have_one_definition_that_ranges_profiles_and_backends_follow():
    from retrieval.types import GenerationParams
    from webapp.chat.models import ModelProfile
    from webapp.chat.params import GENERATION_FIELDS, PROFILE_FIELD, RANGES, GenerationParamsIn, profile_defaults

    assert set(RANGES) | {"stop"} == set(GENERATION_FIELDS)
    assert set(GenerationParamsIn.model_fields) == set(GENERATION_FIELDS)
    profile = ModelProfile(name="p")
    for name in set(GENERATION_FIELDS) - {"seed"}:  # a profile has every parameter but the seed, with its default
        assert getattr(profile, PROFILE_FIELD.get(name, name)) == getattr(GenerationParams(), name), name
    assert profile_defaults(profile) == GenerationParams()
    changed = GenerationParams(top_k=7, stop=["\n\n"], seed=3)
    assert changed.sampling()["top_k"] == 7 and changed.sampling()["stop"] == ["\n\n"]
    assert set(changed.sampling()) == set(GENERATION_FIELDS) - {"timeout"}
