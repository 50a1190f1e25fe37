"""How the API routes say no: one JSON error shape, in OpenAI's form, for every route.

`{"error": {"message", "type", "param", "code"}}` is what OpenAI's SDKs (and LangChain's
client on top of them) read and show, so the same shape on the REST routes means a program
gets a readable message whichever route it called. `param` names the field at fault
("question", "filters.as_of", "messages.2.content") and `message` says what to send instead.
"""

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from newsqa.errors import FilterError, IndexBusyError, LLMError, NewsqaError, NotYoursError
from newsqa.gate import BusyError


def error_response(status: int, message: str, *, kind: str = "invalid_request_error",
                   param: str | None = None, code: str | None = None,
                   headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": param,
                                   "code": code}}, status_code=status, headers=headers)


class ApiError(Exception):
    """Raised by a route to answer with `error_response(...)`."""

    def __init__(self, status: int, message: str, *, param: str | None = None,
                 code: str | None = None, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = (
            status, message, param, code, kind)


def field_path(location: tuple, kind: str = "") -> str:
    """('body', 'filters', 'as_of') -> 'filters.as_of'. Only the first part says where
    (body, query, ...): a body field may well be called `query`. A body that is not JSON
    is the body's fault, not that of the byte offset pydantic puts after it."""
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "form", "cookie"):
        parts = parts[1:]
    if kind == "json_invalid":
        return "body"
    return ".".join(parts) or "body"


def validation_message(error: dict) -> str:
    kind = error.get("type", "")
    field = field_path(tuple(error.get("loc", ())), kind)
    text = error.get("msg", "is not valid")
    if kind == "missing":
        return f"{field}: required; add it to the request body."
    if kind == "json_invalid":
        return "The body is not valid JSON; send a JSON object (Content-Type: application/json)."
    if kind == "extra_forbidden":
        return f"{field}: unknown field; remove it (see /docs for the fields)."
    return f"{field}: {text}."


async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    message = " ".join(validation_message(e) for e in errors[:5]) or "The request is not valid."
    return error_response(422, message, param=field_path(tuple(first.get("loc", ())),
                                                         first.get("type", "")),
                          code=first.get("type"))


async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.message, kind=exc.kind, param=exc.param, code=exc.code)


async def on_newsqa_error(request: Request, exc: NewsqaError) -> JSONResponse:
    """A NewsqaError's message already says what to do; its class decides the status."""
    if isinstance(exc, BusyError):
        return error_response(503, str(exc), kind="server_busy", code="busy",
                              headers={"Retry-After": "5"})
    if isinstance(exc, IndexBusyError):
        return error_response(503, str(exc), kind="server_busy", code="ingest_busy",
                              headers={"Retry-After": "10"})
    if isinstance(exc, FilterError):
        return error_response(422, str(exc), param="filters", code="bad_filter")
    if isinstance(exc, NotYoursError):
        return error_response(403, str(exc), kind="permission_error", code="not_yours")
    if isinstance(exc, LLMError):
        return error_response(502, str(exc), kind="api_error", code="llm_unavailable")
    return error_response(500, str(exc), kind="api_error", code="newsqa_error")


async def on_http_error(request: Request, exc) -> JSONResponse:
    """404/405/413 and the like on the program routes, in the same shape."""
    kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
    return error_response(exc.status_code, str(exc.detail), kind=kind,
                          code=f"http_{exc.status_code}", headers=getattr(exc, "headers", None))


def install(app) -> None:
    from starlette.exceptions import HTTPException

    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(NewsqaError, on_newsqa_error)

