"""API keys: ``X-API-Key`` -> a :class:`Principal` (the key's name and its role).

Keys come from :class:`~docparse.api.settings.ApiSettings`; the presented key is compared with
every configured key in constant time (``hmac.compare_digest``, no early exit), and keys are
never logged. A user key sees only the documents it uploaded (``owner`` = its name); another
owner's document answers 404, as if it did not exist, so ids do not leak. Admin keys see all.
A reviewer key (``DOCPARSE_API_REVIEWER_KEYS``) sees and reviews only the documents assigned
to it (:mod:`docparse.api.routes_review`) and gets 403 for uploads, reprocessing, cancelling,
deleting and assigning (:func:`manageable_record`). With ``DOCPARSE_API_AUTH=disabled`` every
request is the admin ``local``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from docparse.api.problems import ProblemError
from docparse.api.settings import ApiSettings
from docparse.services import Services
from storage import DocumentRecord

API_KEY_HEADER = "X-API-Key"
LOCAL = "local"

_scheme = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="an API key (DOCPARSE_API_KEYS)")


@dataclass(frozen=True)
class Principal:
    """Who calls: the key's name (the owner of what it uploads) and whether it sees everything."""

    name: str
    admin: bool
    reviewer: bool = False
    """A reviewer key: sees only documents assigned to it, may review them, manages nothing."""

    @property
    def owner_filter(self) -> str | None:
        """The owner to filter listings by (``None``: all documents)."""
        return None if self.admin else self.name

    def may_see(self, record: DocumentRecord) -> bool:
        """Admins and the owner (reviewers: see :func:`visible_record`, which checks assignments)."""
        return self.admin or (not self.reviewer and record.owner == self.name)


def get_settings(request: Request) -> ApiSettings:
    """The app's :class:`ApiSettings` (set by :func:`docparse.api.create_app`)."""
    settings: ApiSettings = request.app.state.settings
    return settings


def get_services(request: Request) -> Services:
    """The app's :class:`Services` (database, blob store, Celery app)."""
    services: Services = request.app.state.services
    return services


def match_key(settings: ApiSettings, presented: str) -> Principal | None:
    """The principal whose key equals ``presented``; every key is compared, in constant time."""
    found: Principal | None = None
    given = presented.encode()
    groups = ((False, False, settings.api_keys), (True, False, settings.api_admin_keys))
    for admin, reviewer, keys in (*groups, (False, True, settings.api_reviewer_keys)):
        for name, secret in keys.items():
            if hmac.compare_digest(given, secret.get_secret_value().encode()) and found is None:
                found = Principal(name=name, admin=admin, reviewer=reviewer)
    return found


def authenticate(
    settings: Annotated[ApiSettings, Depends(get_settings)],
    key: Annotated[str | None, Security(_scheme)] = None,
) -> Principal:
    """The caller, or a 401 problem (missing or unknown key)."""
    if settings.auth_disabled:
        return Principal(name=LOCAL, admin=True)
    challenge = {"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'}
    if not key:
        raise ProblemError(401, f"missing API key: send it in the {API_KEY_HEADER} header", headers=challenge)
    principal = match_key(settings, key)
    if principal is None:
        raise ProblemError(401, "invalid API key", headers=challenge)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
CurrentServices = Annotated[Services, Depends(get_services)]
CurrentSettings = Annotated[ApiSettings, Depends(get_settings)]


def not_found(document_id: str) -> ProblemError:
    return ProblemError(404, f"no document {document_id}", kind="document-not-found")


def visible_record(services: Services, principal: Principal, document_id: str) -> DocumentRecord:
    """The document if the caller may see it (admin, owner, or a reviewer assigned to it); a 404
    problem otherwise (missing or not theirs)."""
    with services.db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        assigned = principal.reviewer and record is not None and uow.assignments.is_assigned(record.id, principal.name)
    if record is None or not (principal.may_see(record) or assigned):
        raise not_found(document_id)
    return record


def forbid_reviewer(principal: Principal, action: str) -> None:
    """A 403 problem when a reviewer key tries to ``action`` (upload, delete ...)."""
    if principal.reviewer:
        raise ProblemError(403, f"a reviewer key may not {action}", kind="forbidden-for-reviewers")


def manageable_record(services: Services, principal: Principal, document_id: str, action: str) -> DocumentRecord:
    """The document if the caller may ``action`` it (its owner or an admin): 404 when it may not
    see it, 403 when it sees it only as an assigned reviewer."""
    record = visible_record(services, principal, document_id)
    forbid_reviewer(principal, action)
    return record
