"""Refuse an oversized upload from its Content-Length, before Django reads the body."""

from django.conf import settings
from django.http import JsonResponse

from webapp import errors


class UploadLimitMiddleware:
    SLACK_BYTES = 64 * 1024  # multipart headers around the file

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if request.method in ("POST", "PUT") and length > limit + self.SLACK_BYTES:
            message = errors.FILE_TOO_LARGE.format(size_mb=length / 2**20, limit=settings.MAX_UPLOAD_MB)
            return JsonResponse({"error": {"code": "file_too_large", "message": message,
                                           "details": {"max_mb": settings.MAX_UPLOAD_MB}}}, status=413)
        return self.get_response(request)
