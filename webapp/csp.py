"""A Content-Security-Policy on every response that does not set its own (a view serving an uploaded original
sets a stricter one): only this origin's scripts, styles, images and connections, no plugins, no framing.

The pages keep their scripts and styles in static files and pass data as `json_script` blocks (data, never
run), so no inline script needs allowing. Style attributes are allowed: answers keep a table's `text-align`
(the markdown sanitiser lets only that property through) and the scripts size elements through `style`.
"""

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

HEADER = "Content-Security-Policy"
DEFAULT_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    def process_response(self, request, response):
        if settings.CONTENT_SECURITY_POLICY and HEADER not in response and not getattr(response, "csp_exempt", False):
            response[HEADER] = settings.CONTENT_SECURITY_POLICY
        return response
