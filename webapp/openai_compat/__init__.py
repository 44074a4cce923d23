"""An OpenAI-compatible door to the answer path, at /v1/ (README: Integrations › OpenAI-compatible API).

Chat front-ends, IDE assistants, automation tools and the official OpenAI SDKs speak OpenAI's chat API; this
package lets them ask Acervo without learning /api/v1. It adds no answer logic of its own: a request is read
into `webapp.chat.services.question_ask` (the same retrieval, refusal, citations, support check, limits and
parameter validation as /api/v1/chat) and the answer's events (`webapp.chat.relay`) are written out in OpenAI's
shapes, citations in a documented extra field and as `[n]` markers in the text. Not a Django app: no models.

    catalog   which "models" a caller may use: profiles, and profiles bound to one readable collection
    request   an OpenAI request body → what question_ask takes (mapped, refused or ignored, field by field)
    shapes    the answer's events → chat.completion / chat.completion.chunk objects
    errors    every failure in OpenAI's error shape
    views     the thin HTTP endpoints
"""
