"""Lever's error bodies: one PascalCase code per status, `{"code", "message"}`."""

from __future__ import annotations

CODES = {
    400: "BadRequestError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "ResourceNotFound",
    405: "MethodNotAllowedError",
    429: "TooManyRequestsError",
    500: "InternalServerError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
}
INVALID_OFFSET = "Invalid offset token: Offset token is invalid for sort"
UNAUTHORIZED = "The request requires authentication."


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def body(self) -> dict:
        return {"code": CODES.get(self.status, "Error"), "message": self.message}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(entity: str, ident: str) -> ApiError:
    return ApiError(404, f"{entity} {ident} was not found")
