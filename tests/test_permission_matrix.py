"""Who may do what, everywhere: every person of tests/permission_world.py × every route × every object kind and
verb, against a table written out below. In-process (Django's test client): no worker, so a question or a search
that passes the access decision answers 503 "no worker", which counts as let through.

Outcomes: `ok` let through (any answer but 401/403/404 or a redirect to a login page), `404` hidden (the same as
an object that does not exist), `403` seen but refused (or an area the person may not enter), `login` asked to
sign in (401 from the API, a redirect from a page), `any` a public route with no decision to make.

Mutating cells (delete, replace, upload, rename…) each run in their own rolled-back transaction, so every cell
starts from the same world. A last test fails when a route exists that the matrix does not list.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver

from tests.permission_world import USERS, world_build

pytestmark = pytest.mark.django_db

UPLOAD = {"file": ("new.txt", b"Fresh words about parking.")}

# Every route, object and verb.       (method, url, body kind)              url name (for the coverage test)
ROUTES = {
    # chat pages and their actions (session)
    "chat home":                        ("GET", "/", None,                                  "chat:home"),
    "own conversation page":            ("GET", "/c/{conv_alice}/", None,                   "chat:conversation"),
    "rename a conversation":            ("POST", "/c/{conv_alice}/rename", {"title": "x"},  "chat:conversation-rename"),
    "delete a conversation":            ("POST", "/c/{conv_alice}/delete", {},              "chat:conversation-delete"),
    "answer with citations":            ("GET", "/c/messages/{answer_alice}/", None,        "chat:message-detail"),
    "regenerate an answer":             ("POST", "/c/messages/{answer_alice}/regenerate", {}, "chat:answer-regenerate"),
    "edit a question":                  ("POST", "/c/messages/{answer_alice}/edit", {"question": "Why?"},
                                         "chat:question-edit"),
    "feedback on an answer":            ("POST", "/c/messages/{answer_alice}/feedback", {"thumbs": "up"},
                                         "chat:feedback"),
    "original of doc a":                ("GET", "/documents/{doc_a}/original", None,        "chat:document-original"),
    "original of doc b":                ("GET", "/documents/{doc_b}/original", None,        "chat:document-original"),
    "original of doc c":                ("GET", "/documents/{doc_c}/original", None,        "chat:document-original"),
    # documents pages (session)
    "documents page":                   ("GET", "/documents/", None,                        "documents:list"),
    "documents status":                 ("GET", "/documents/status?id={doc_a}", None,       "documents:status"),
    "text and chunks of doc a":         ("GET", "/documents/{doc_a}/?chunk=0", None,        "documents:detail"),
    "text and chunks of doc b":         ("GET", "/documents/{doc_b}/", None,                "documents:detail"),
    "re-ingest doc a":                  ("POST", "/documents/{doc_a}/retry", {},            "documents:retry"),
    "delete doc a (page)":              ("POST", "/documents/{doc_a}/delete", {},           "documents:delete"),
    "delete doc b (page)":              ("POST", "/documents/{doc_b}/delete", {},           "documents:delete"),
    "replace doc a (page)":             ("POST", "/documents/{doc_a}/replace", "file",      "documents:replace"),
    "collections page":                 ("GET", "/documents/collections/", None,            "documents:collections"),
    "create a collection":              ("POST", "/documents/collections/new", {"new-name": "New"},
                                         "documents:collection-create"),
    "manage collection A":              ("POST", "/documents/collections/{coll_A}/edit", {"c{coll_A}-name": "A2"},
                                         "documents:collection-update"),
    "manage collection B":              ("POST", "/documents/collections/{coll_B}/edit", {"c{coll_B}-name": "B2"},
                                         "documents:collection-update"),
    "retrieval test page":              ("GET", "/documents/search/", None,                 "documents:search"),
    "dashboard":                        ("GET", "/documents/dashboard/", None,              "documents:dashboard"),
    "evaluation data":                  ("GET", "/documents/evaluation/", None,             "documents:evaluation"),
    "usage page":                       ("GET", "/usage/", None,                            "usage:page"),
    "usage csv":                        ("GET", "/usage/usage.csv", None,                   "usage:csv"),
    # the review queue and evaluation sets (staff; a collection they may not read is not found)
    "review queue":                     ("GET", "/review/", None,                           "review:queue"),
    "review alice's answer":            ("GET", "/review/answers/{answer_alice}/", None,    "review:answer"),
    "case from alice's answer":         ("POST", "/review/answers/{answer_alice}/case", {"collection": "{coll_A}", "expected_answer": "x"},
                                         "review:case-create"),
    "mark alice's answer reviewed":     ("POST", "/review/answers/{answer_alice}/reviewed", {}, "review:reviewed"),
    "evaluation sets":                  ("GET", "/review/sets/", None,                      "review:sets"),
    "evaluation set of A":              ("GET", "/review/sets/{coll_A}/", None,             "review:set"),
    "delete a case":                    ("POST", "/review/cases/999999/delete", {},         "review:case-delete"),
    "run the set of A":                 ("POST", "/review/sets/{coll_A}/run", {},           "review:set-run"),
    "export the set of A":              ("GET", "/review/sets/{coll_A}/export", None,       "review:set-export"),
    "import into the set of A":         ("POST", "/review/sets/{coll_A}/import", "file",    "review:set-import"),
    "switch on a run":                  ("POST", "/review/runs/999999/switch", {},          "review:switch"),
    "knowledge gaps":                   ("GET", "/review/gaps/", None,                      "review:gaps"),
    # sources of a collection (session)
    "add a source to A":                ("POST", "/documents/collections/{coll_A}/sources/new", {}, "sources:create"),
    "edit the source of A":             ("POST", "/documents/sources/{source_A}/edit", {},  "sources:update"),
    "sync the source of A":             ("POST", "/documents/sources/{source_A}/sync", {},  "sources:sync"),
    "delete the source of A":           ("POST", "/documents/sources/{source_A}/delete", {}, "sources:delete"),
    # OpenAI-compatible API (bearer token only)
    "openai: models":                   ("GET", "/v1/models", None,                         "openai:models"),
    "openai: model of A":               ("GET", "/v1/models/acervo:A", None,                "openai:model"),
    "openai: ask in A":                 ("POST", "/v1/chat/completions",
                                         {"model": "acervo:A", "messages": [{"role": "user", "content": "Vacation?"}]},
                                         "openai:chat-completions"),
    "openai: ask in C":                 ("POST", "/v1/chat/completions",
                                         {"model": "acervo:C", "messages": [{"role": "user", "content": "Vacation?"}]},
                                         "openai:chat-completions"),
    "openai: no such route":            ("GET", "/v1/nothing", None,                        "openai:<unnamed ^(?P<rest>.*)$>"),
    # API v1 (run with the session and with a bearer token)
    "api: read doc a":                  ("GET", "/api/v1/documents/{doc_a}", None,          "api-v1:get_document"),
    "api: read doc b":                  ("GET", "/api/v1/documents/{doc_b}", None,          "api-v1:get_document"),
    "api: read doc c":                  ("GET", "/api/v1/documents/{doc_c}", None,          "api-v1:get_document"),
    "api: list documents":              ("GET", "/api/v1/documents", None,                  "api-v1:list_documents"),
    "api: upload to A":                 ("POST", "/api/v1/documents", "upload A",           "api-v1:upload_document"),
    "api: upload to B":                 ("POST", "/api/v1/documents", "upload B",           "api-v1:upload_document"),
    "api: replace doc a":               ("PUT", "/api/v1/documents/{doc_a}", "file",        "api-v1:replace_document"),
    "api: delete doc a":                ("DELETE", "/api/v1/documents/{doc_a}", None,       "api-v1:delete_document"),
    "api: delete doc b":                ("DELETE", "/api/v1/documents/{doc_b}", None,       "api-v1:delete_document"),
    "api: ask in A":                    ("POST", "/api/v1/chat", {"question": "Vacation?", "collection": "A"},
                                         "api-v1:chat_ask"),
    "api: search in A":                 ("POST", "/api/v1/search", {"query": "vacation", "collection": "A"},
                                         "api-v1:search"),
    "api: search in C":                 ("POST", "/api/v1/search", {"query": "vacation", "collection": "C"},
                                         "api-v1:search"),
    "api: stream of alice's answer":    ("GET", "/api/v1/messages/{answer_alice}/stream", None,
                                         "api-v1:message_stream"),
    "api: cancel alice's answer":       ("POST", "/api/v1/messages/{answer_alice}/cancel", {},
                                         "api-v1:message_cancel"),
    # session-only API pages, admin, public
    "api schema":                       ("GET", "/api/v1/openapi.json", None,               "api-v1:openapi-json"),
    "api docs":                         ("GET", "/api/v1/docs", None,                       "api-v1:openapi-view"),
    "api root":                         ("GET", "/api/v1/", None,                           "api-v1:api-root"),
    "admin index":                      ("GET", "/admin/", None,                            "admin:index"),
    "admin documents":                  ("GET", "/admin/documents/document/", None,
                                         "admin:documents_document_changelist"),
    "admin doc a":                      ("GET", "/admin/documents/document/{doc_a}/change/", None,
                                         "admin:documents_document_change"),
    "admin collections":                ("GET", "/admin/documents/collection/", None,
                                         "admin:documents_collection_changelist"),
    "admin messages":                   ("GET", "/admin/chat/message/", None,               "admin:chat_message_changelist"),
    "admin conversations":              ("GET", "/admin/chat/conversation/", None,
                                         "admin:chat_conversation_changelist"),
    "admin feedback":                   ("GET", "/admin/chat/feedback/", None,              "admin:chat_feedback_changelist"),
    "admin tokens":                     ("GET", "/admin/accounts/apitoken/", None,
                                         "admin:accounts_apitoken_changelist"),
    "admin profiles":                   ("GET", "/admin/chat/modelprofile/", None,
                                         "admin:chat_modelprofile_changelist"),
    "admin evaluation runs":            ("GET", "/admin/chat/evaluationrun/", None,
                                         "admin:chat_evaluationrun_changelist"),
    "admin users":                      ("GET", "/admin/auth/user/", None,                  "admin:auth_user_changelist"),
    "admin groups":                     ("GET", "/admin/auth/group/", None,                 "admin:auth_group_changelist"),
    "admin group mappings":             ("GET", "/admin/sso/groupmapping/", None,
                                         "admin:sso_groupmapping_changelist"),
    "admin sign-on identities":         ("GET", "/admin/sso/identity/", None,               "admin:sso_identity_changelist"),
    "admin login attempts":             ("GET", "/admin/axes/accessattempt/", None,
                                         "admin:axes_accessattempt_changelist"),
    "admin login failures":             ("GET", "/admin/axes/accessfailurelog/", None,
                                         "admin:axes_accessfailurelog_changelist"),
    "admin login log":                  ("GET", "/admin/axes/accesslog/", None,             "admin:axes_accesslog_changelist"),
    "admin evaluation sets":            ("GET", "/admin/review/evaluationset/", None,       "admin:review_evaluationset_changelist"),
    "admin set runs":                   ("GET", "/admin/review/setrun/", None,              "admin:review_setrun_changelist"),
    "admin profile switches":           ("GET", "/admin/review/profileswitch/", None,       "admin:review_profileswitch_changelist"),
    "admin model catalogue":            ("GET", "/admin/catalogue/modeldownload/", None,    "admin:catalogue_modeldownload_changelist"),
    "admin audit entries":              ("GET", "/admin/audit/auditentry/", None,           "admin:audit_auditentry_changelist"),
    "admin answer usage":               ("GET", "/admin/usage/answerusage/", None,          "admin:usage_answerusage_changelist"),
    "admin group quotas":               ("GET", "/admin/usage/groupquota/", None,           "admin:usage_groupquota_changelist"),
    "admin profile prices":             ("GET", "/admin/usage/profileprice/", None,         "admin:usage_profileprice_changelist"),
    # account pages (session)
    "token page":                       ("GET", "/account/tokens/", None,                   "account:tokens"),
    "create a token":                   ("POST", "/account/tokens/", {"name": "new", "scopes": ["chat"]},
                                         "account:tokens"),
    "revoke alice's token":             ("POST", "/account/tokens/{token_alice}/revoke", {}, "account:token-revoke"),
    "password page":                    ("GET", "/account/password/", None,                 "account:password"),
    "password changed page":            ("GET", "/account/password/done/", None,            "account:password-done"),
    "single sign-on start":             ("GET", "/oidc/authenticate/", None,                "oidc_authentication_init"),
    "single sign-on return":            ("GET", "/oidc/callback/", None,                    "oidc_authentication_callback"),
    "health":                           ("GET", "/healthz", None,                           "healthz"),
    "metrics":                          ("GET", "/metrics", None,                           "metrics"),
    "readiness":                        ("GET", "/readyz", None,                            "readyz"),
    "login page":                       ("GET", "/accounts/login/", None,                   "login"),
    "log out":                          ("POST", "/accounts/logout/", {},                   "logout"),
    "language":                         ("POST", "/i18n/setlang/", {"language": "pt-br"},   "set_language"),
}

# What each person may do on each route. Staff hold no grant: they reach the staff pages, not the documents.
# The admin's model pages follow Django's model permissions (this staff user has none: 403) and, for
# conversations, messages, feedback and tokens, are for superusers only.
#                                      alice  bob    charlie dana   erin   staff  root
MATRIX = {
    "chat home":                      ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "own conversation page":          ("ok",  "404", "404",  "404", "404", "404", "404"),
    "rename a conversation":          ("ok",  "404", "404",  "404", "404", "404", "404"),
    "delete a conversation":          ("ok",  "404", "404",  "404", "404", "404", "404"),
    "answer with citations":          ("ok",  "404", "404",  "404", "404", "404", "404"),
    "regenerate an answer":           ("ok",  "404", "404",  "404", "404", "404", "404"),
    "edit a question":                ("ok",  "404", "404",  "404", "404", "404", "404"),
    "feedback on an answer":          ("ok",  "404", "404",  "404", "404", "404", "404"),
    "original of doc a":              ("ok",  "404", "404",  "ok",  "ok",  "404", "ok"),
    "original of doc b":              ("404", "ok",  "404",  "404", "404", "404", "ok"),
    "original of doc c":              ("404", "404", "404",  "404", "404", "404", "ok"),
    "documents page":                 ("403", "403", "403",  "ok",  "ok",  "ok",  "ok"),
    "documents status":               ("403", "403", "403",  "ok",  "ok",  "ok",  "ok"),
    "text and chunks of doc a":       ("403", "403", "403",  "ok",  "ok",  "404", "ok"),
    "text and chunks of doc b":       ("403", "403", "403",  "404", "404", "404", "ok"),
    "re-ingest doc a":                ("403", "403", "403",  "ok",  "ok",  "404", "ok"),
    "delete doc a (page)":            ("403", "403", "403",  "ok",  "ok",  "404", "ok"),
    "delete doc b (page)":            ("403", "403", "403",  "404", "404", "404", "ok"),
    "replace doc a (page)":           ("403", "403", "403",  "ok",  "ok",  "404", "ok"),
    "collections page":               ("403", "403", "403",  "403", "ok",  "ok",  "ok"),
    "create a collection":            ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "manage collection A":            ("403", "404", "404",  "403", "ok",  "404", "ok"),
    "manage collection B":            ("404", "403", "404",  "404", "404", "404", "ok"),
    "retrieval test page":            ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "dashboard":                      ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "evaluation data":                ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "usage page":                     ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "usage csv":                      ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "review queue":                   ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "review alice's answer":          ("403", "403", "403",  "403", "403", "404", "ok"),
    "case from alice's answer":       ("403", "403", "403",  "403", "403", "404", "ok"),
    "mark alice's answer reviewed":   ("403", "403", "403",  "403", "403", "404", "ok"),
    "evaluation sets":                ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "evaluation set of A":            ("403", "403", "403",  "403", "403", "404", "ok"),
    "delete a case":                  ("403", "403", "403",  "403", "403", "404", "404"),
    "run the set of A":               ("403", "403", "403",  "403", "403", "404", "ok"),
    "export the set of A":            ("403", "403", "403",  "403", "403", "404", "ok"),
    "import into the set of A":       ("403", "403", "403",  "403", "403", "404", "ok"),
    "switch on a run":                ("403", "403", "403",  "403", "403", "404", "404"),
    "knowledge gaps":                 ("403", "403", "403",  "403", "403", "ok",  "ok"),
    "add a source to A":              ("403", "403", "403",  "403", "403", "404", "ok"),
    "edit the source of A":           ("403", "403", "403",  "403", "403", "404", "ok"),
    "sync the source of A":           ("403", "403", "403",  "403", "403", "404", "ok"),
    "delete the source of A":         ("403", "403", "403",  "403", "403", "404", "ok"),
    "openai: models":                 ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "openai: model of A":             ("ok",  "404", "404",  "ok",  "ok",  "404", "ok"),
    "openai: ask in A":               ("ok",  "404", "404",  "ok",  "ok",  "404", "ok"),
    "openai: ask in C":               ("404", "404", "404",  "404", "404", "404", "ok"),
    "openai: no such route":          ("404", "404", "404",  "404", "404", "404", "404"),
    "api: read doc a":                ("ok",  "404", "404",  "ok",  "ok",  "404", "ok"),
    "api: read doc b":                ("404", "ok",  "404",  "404", "404", "404", "ok"),
    "api: read doc c":                ("404", "404", "404",  "404", "404", "404", "ok"),
    "api: list documents":            ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "api: upload to A":               ("403", "403", "403",  "ok",  "ok",  "404", "ok"),
    "api: upload to B":               ("403", "403", "403",  "404", "404", "404", "ok"),
    "api: replace doc a":             ("403", "404", "404",  "ok",  "ok",  "404", "ok"),
    "api: delete doc a":              ("403", "404", "404",  "ok",  "ok",  "404", "ok"),
    "api: delete doc b":              ("404", "403", "404",  "404", "404", "404", "ok"),
    "api: ask in A":                  ("ok",  "404", "404",  "ok",  "ok",  "404", "ok"),
    "api: search in A":               ("ok",  "404", "404",  "ok",  "ok",  "404", "ok"),
    "api: search in C":               ("404", "404", "404",  "404", "404", "404", "ok"),
    "api: stream of alice's answer":  ("ok",  "404", "404",  "404", "404", "404", "404"),
    "api: cancel alice's answer":     ("ok",  "404", "404",  "404", "404", "404", "404"),
    "api schema":                     ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "api docs":                       ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "api root":                       ("any", "any", "any",  "any", "any", "any", "any"),
    "admin index":                    ("login", "login", "login", "login", "login", "ok", "ok"),
    "admin documents":                ("login", "login", "login", "login", "login", "403", "ok"),
    "admin doc a":                    ("login", "login", "login", "login", "login", "403", "ok"),
    "admin collections":              ("login", "login", "login", "login", "login", "403", "ok"),
    "admin messages":                 ("login", "login", "login", "login", "login", "403", "ok"),
    "admin conversations":            ("login", "login", "login", "login", "login", "403", "ok"),
    "admin feedback":                 ("login", "login", "login", "login", "login", "403", "ok"),
    "admin tokens":                   ("login", "login", "login", "login", "login", "403", "ok"),
    "admin profiles":                 ("login", "login", "login", "login", "login", "403", "ok"),
    "admin evaluation runs":          ("login", "login", "login", "login", "login", "403", "ok"),
    "admin users":                    ("login", "login", "login", "login", "login", "403", "ok"),
    "admin groups":                   ("login", "login", "login", "login", "login", "403", "ok"),
    "admin group mappings":           ("login", "login", "login", "login", "login", "403", "ok"),
    "admin sign-on identities":       ("login", "login", "login", "login", "login", "403", "ok"),
    "admin login attempts":           ("login", "login", "login", "login", "login", "403", "ok"),
    "admin login failures":           ("login", "login", "login", "login", "login", "403", "ok"),
    "admin login log":                ("login", "login", "login", "login", "login", "403", "ok"),
    "admin evaluation sets":          ("login", "login", "login", "login", "login", "403", "ok"),
    "admin set runs":                 ("login", "login", "login", "login", "login", "403", "ok"),
    "admin profile switches":         ("login", "login", "login", "login", "login", "403", "ok"),
    "admin model catalogue":          ("login", "login", "login", "login", "login", "403", "ok"),
    "admin audit entries":            ("login", "login", "login", "login", "login", "403", "ok"),
    "admin answer usage":             ("login", "login", "login", "login", "login", "403", "ok"),
    "admin group quotas":             ("login", "login", "login", "login", "login", "403", "ok"),
    "admin profile prices":           ("login", "login", "login", "login", "login", "403", "ok"),
    "token page":                     ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "create a token":                 ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "revoke alice's token":           ("ok",  "404", "404",  "404", "404", "404", "404"),
    "password page":                  ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "password changed page":          ("ok",  "ok",  "ok",   "ok",  "ok",  "ok",  "ok"),
    "single sign-on start":           ("any", "any", "any",  "any", "any", "any", "any"),
    "single sign-on return":          ("any", "any", "any",  "any", "any", "any", "any"),
    "health":                         ("any", "any", "any",  "any", "any", "any", "any"),
    "metrics":                        ("404", "404", "404",  "404", "404", "ok",  "ok"),
    "readiness":                      ("any", "any", "any",  "any", "any", "any", "any"),
    "login page":                     ("any", "any", "any",  "any", "any", "any", "any"),
    "log out":                        ("any", "any", "any",  "any", "any", "any", "any"),
    "language":                       ("any", "any", "any",  "any", "any", "any", "any"),
}

# Routes an API token reaches as well as the session (the rest are pages, or Django's admin); the OpenAI-compatible
# API takes a token only: a session is asked to sign in there (401).
BEARER_ONLY = [name for name in ROUTES if name.startswith("openai: ") and name != "openai: no such route"]
BEARER = [name for name in ROUTES if name.startswith(("api: ", "openai: "))]
# Without signing in, nothing but the public routes and the login page answers.
PUBLIC = {"health", "readiness", "login page", "log out", "language", "api root", "single sign-on start",
          "single sign-on return", "openai: no such route"}
# Routes that answer someone signed out otherwise than "sign in": /metrics is not there for them (404) while no
# METRICS_TOKEN is set (with one, a scraper without it gets 401).
SIGNED_OUT = {"metrics": "404"}


def outcome(response) -> str:
    status, location = response.status_code, response.get("Location", "")
    if status == 401 or (status == 302 and "login/" in location):
        return "login"
    if status in (403, 404):
        return str(status)
    assert status < 500 or status == 503, (status, response.content[:300])
    return "ok"


def call(client, route: str, ids: dict[str, int]):
    method, url, body, _ = ROUTES[route]
    url = url.format(**ids)
    if body == "file" and method == "PUT":
        data = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(*UPLOAD["file"])})
        return client.put(url, data, content_type=MULTIPART_CONTENT)
    if body == "file":
        return client.post(url, {"file": SimpleUploadedFile(*UPLOAD["file"])})
    if isinstance(body, str) and body.startswith("upload "):
        return client.post(url, {"file": SimpleUploadedFile(*UPLOAD["file"]), "collection": body[-1]})
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    fields = {k.format(**ids): v.format(**ids) if isinstance(v, str) else v for k, v in (body or {}).items()}
    json_routes = url.startswith(("/api/", "/c/", "/v1/"))
    if json_routes:
        return client.post(url, fields, content_type="application/json")
    return client.post(url, fields)


def _close(response):
    """Read a streamed answer to its end (a file; an answer's events, which end: each answer has ended), which
    closes it as Django's test client means it to be closed (with the database connection left open)."""
    if getattr(response, "streaming", False):
        b"".join(response)


CELLS = [(route, user, i) for route in ROUTES for i, user in enumerate(USERS)]


@pytest.mark.parametrize("route,user,index", CELLS, ids=[f"{r}|{u}" for r, u, _ in CELLS])
def test_the_session_gets_what_the_matrix_says(route, user, index):
    world = world_build()
    response = call(world.client(user, "session"), route, world.ids())
    _close(response)
    expected = "login" if route in BEARER_ONLY else MATRIX[route][index]
    if expected != "any":
        assert outcome(response) == expected, (response.status_code, response.content[:300])


@pytest.mark.parametrize("route,user,index", [c for c in CELLS if c[0] in BEARER],
                         ids=[f"{r}|{u}" for r, u, _ in CELLS if r in BEARER])
def test_a_bearer_token_gets_what_the_matrix_says(route, user, index):
    world = world_build()
    response = call(world.client(user, "bearer"), route, world.ids())
    _close(response)
    assert outcome(response) == MATRIX[route][index], (response.status_code, response.content[:300])


@pytest.mark.parametrize("route", list(ROUTES))
def test_someone_not_signed_in_is_asked_to_sign_in(route):
    world = world_build()
    response = call(world.client("alice", "anonymous"), route, world.ids())
    _close(response)
    if route not in PUBLIC:
        assert outcome(response) == SIGNED_OUT.get(route, "login"), (response.status_code, response.content[:300])


def test_every_row_of_the_matrix_names_every_person():
    assert set(MATRIX) == set(ROUTES)
    assert all(len(row) == len(USERS) for row in MATRIX.values())


def _url_names(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"
        else:
            yield f"{namespace}<unnamed {pattern.pattern}>"


# The Django admin's own routes, and why the matrix leaves them out: each model's pages follow one
# ModelAdmin, whose changelist row above decides; the rest is the admin's machinery, for staff alone.
ADMIN_INTERNALS = {
    ("_add", "_change", "_delete", "_history"): "the same ModelAdmin decision as the model's changelist row",
    ("login", "logout", "password_change", "password_change_done", "jsi18n", "view_on_site", "autocomplete",
     "app_list"): "Django's admin machinery: staff only (the admin index row)",
    ("auth_user_password_change",): "Django's user admin: model permissions (the users row)",
    ("<unnamed (?P<url>.*)$>", "<unnamed <path:object_id>/>"): "the admin's redirects (to its index, or to an "
                                                                "object's change page, whose row decides)",
}


def _admin_internal(name: str) -> bool:
    short = name.removeprefix("admin:")
    return any(short == key or short.endswith(key) for keys in ADMIN_INTERNALS for key in keys)


def test_every_route_is_in_the_matrix():
    """A new route fails here until it gets its rows above (and what each person may do there)."""
    covered = {row[3] for row in ROUTES.values()}
    names = set(_url_names(get_resolver().url_patterns))
    missing = sorted(n for n in names - covered if not (n.startswith("admin:") and _admin_internal(n)))
    assert not missing, f"routes missing from the permission matrix: {missing}"


def _state(world) -> tuple:
    """What a refused request must leave as it was: documents (and their files), collections and their grants,
    conversations, messages, feedback."""
    from webapp.access.models import Grant
    from webapp.accounts.models import ApiToken
    from webapp.chat.models import Conversation, Feedback, Message
    from webapp.documents.models import Collection, Document
    from webapp.sources.models import Source

    return (
        sorted(Document.objects.values_list("pk", "sha256", "revision", "status", "file")),
        sorted(Collection.objects.values_list("pk", "name")),
        list(Grant.objects.order_by("pk").values_list("collection_id", "group_id", "user_id", "role")),
        sorted(Conversation.objects.values_list("pk", "title")),
        sorted(Message.objects.values_list("pk", "text", "status")),
        sorted(Feedback.objects.values_list("pk", "thumbs_up", "comment")),
        list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(Source.objects.order_by("pk").values_list("pk", "location", "interval_minutes", "running_until")),
    )


MUTATING = [name for name, (method, *_rest) in ROUTES.items() if method != "GET" and name not in PUBLIC]
REFUSED = [(route, user, surface) for route in MUTATING for i, user in enumerate(USERS)
           for surface in ("session", "bearer") if MATRIX[route][i] in ("403", "404")
           and (surface == "session" or route in BEARER) and not (surface == "session" and route in BEARER_ONLY)]


@pytest.mark.parametrize("route,user,surface", REFUSED, ids=[f"{r}|{u}|{s}" for r, u, s in REFUSED])
def test_a_refused_change_changes_nothing(route, user, surface):
    world = world_build()
    before = _state(world)
    _close(call(world.client(user, surface), route, world.ids()))
    assert _state(world) == before


# What each person sees when guessing ids in sequence: every id from the first object of a kind to two past the
# last is tried; only these answer, every other id is a 404 exactly like an id that never existed.
#            documents           answers (and their streams)   conversations
VISIBLE = {
    "alice":   ({"a"},             {"alice"},                    {"alice"}),
    "bob":     ({"b"},             {"bob"},                      {"bob"}),
    "charlie": (set(),             set(),                        set()),
    "dana":    ({"a"},             set(),                        set()),
    "erin":    ({"a"},             set(),                        set()),
    "staff":   (set(),             set(),                        set()),
    "root":    ({"a", "b", "c"},   set(),                        set()),
}
GUESSED = {  # kind: (the urls that reach one object of it, the world's objects of that kind)
    "documents": (("/api/v1/documents/{id}", "/documents/{id}/original"), "documents"),
    "answers": (("/api/v1/messages/{id}/stream", "/c/messages/{id}/"), "answers"),
    "conversations": (("/c/{id}/",), "conversations"),
}


def _body(response, url: str) -> str:
    """The answer's body without what differs between any two requests: the CSRF token, the asked address."""
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()).replace(url, "URL")


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("surface", ["session", "bearer"])
def test_ids_guessed_in_sequence_find_nothing_but_ones_own(user, surface):
    from webapp.chat.models import Message

    world = world_build()
    client = world.client(user, surface)
    for column, (kind, (urls, attribute)) in enumerate(GUESSED.items()):
        objects = getattr(world, attribute)
        by_id = {o.pk: name for name, o in objects.items()}
        all_ids = list(by_id) + (list(Message.objects.values_list("pk", flat=True)) if kind == "answers" else [])
        for url in urls:
            if surface == "bearer" and not url.startswith("/api/"):
                continue
            never_url = url.format(id=max(all_ids) + 1000)
            never = client.get(never_url)
            assert never.status_code == 404
            for guessed in range(min(all_ids), max(all_ids) + 3):
                response = client.get(url.format(id=guessed))
                _close(response)
                visible = by_id.get(guessed) in VISIBLE[user][column]
                assert response.status_code == (200 if visible else 404), (kind, url, guessed)
                if not visible:
                    assert _body(response, url.format(id=guessed)) == _body(never, never_url), (kind, url, guessed)


# What each person finds in the lists: the API's documents, the chat's collections, the documents page's and the
# collections page's, and what the search and the answers are scoped to (ids of collections they may ask in).
#            API documents      chat collections    documents page   collections page   search scope
LISTS = {
    "alice":   ({"a"},            {"A"},              None,            None,              {"A"}),
    "bob":     ({"b"},            {"B"},              None,            None,              {"B"}),
    "charlie": (set(),            set(),              None,            None,              set()),
    "dana":    ({"a"},            {"A"},              {"a"},           None,              {"A"}),
    "erin":    ({"a"},            {"A"},              {"a"},           {"A"},             {"A"}),
    "staff":   (set(),            set(),              set(),           set(),             set()),
    "root":    ({"a", "b", "c"},  {"A", "B", "C"},    {"a", "b", "c"}, {"A", "B", "C"},   {"A", "B", "C"}),
}


@pytest.mark.parametrize("user", USERS)
def test_each_list_holds_what_the_person_may_see(user):
    from webapp.chat.services import collection_scope

    world = world_build()
    names = {d.pk: k for k, d in world.documents.items()}
    collection_names = {c.pk: k for k, c in world.collections.items()}
    client = world.client(user, "session")
    api_docs, chat_collections, documents_page, collections_page, scope = LISTS[user]

    assert {names[d["id"]] for d in client.get("/api/v1/documents").json()} == api_docs
    assert {c.name for c in client.get("/").context["collections"]} == chat_collections
    page = client.get("/documents/")
    assert (page.status_code == 403) if documents_page is None else (
        {names[d["id"]] for d in page.context["page_data"]["documents"]} == documents_page)
    if documents_page is not None:  # only who may create a collection is offered "New collection…"
        assert ("New collection…" in page.content.decode()) == (user in ("staff", "root"))
    ids = "&".join(f"id={d.pk}" for d in world.documents.values())
    status = client.get(f"/documents/status?{ids}")
    assert (status.status_code == 403) if documents_page is None else (
        {names[d["id"]] for d in status.json()["documents"]} == documents_page)
    page = client.get("/documents/collections/")
    assert (page.status_code == 403) if collections_page is None else (
        {item["row"].collection.name for item in page.context["items"]} == collections_page)
    assert {collection_names[pk] for pk in collection_scope(world.users[user], None)} == scope
