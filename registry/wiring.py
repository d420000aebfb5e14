"""The app shell's wiring: every feature's tables (storage knows no feature; the list lives here), and
which feature listens to which domain event."""

from __future__ import annotations

from piccolo.engine.base import Engine

from registry.accounts.tables import AccessToken, SignInThrottle, User
from registry.audit.tables import AuditEvent, AuditHead
from registry.catalog.service import take_approved_proposals
from registry.catalog.tables import (
    CatalogueCertifiedItem,
    CatalogueDraft,
    CatalogueEdition,
    CatalogueEntry,
    CatalogueItem,
)
from registry.certification.tables import (
    Application,
    ApplicationItem,
    Certificate,
    CertificateEvent,
    CertificateItem,
    Evaluation,
    Validation,
)
from registry.db.engine import use_engine
from registry.db.tables import NumberCounter
from registry.http.tables import IdempotentResponse
from registry.kernel.events import Relay, Topic
from registry.kernel.tables import OutboxEvent
from registry.panels.service import on_certificate_event, on_edition_published, on_items_certified, on_validation_event
from registry.panels.tables import Panel
from registry.providers.tables import Provider

TABLES = [
    CatalogueItem,
    CatalogueEdition,
    CatalogueEntry,
    CatalogueDraft,
    CatalogueCertifiedItem,
    AuditEvent,
    AuditHead,
    Provider,
    User,
    AccessToken,
    SignInThrottle,
    Application,
    ApplicationItem,
    Evaluation,
    Certificate,
    CertificateItem,
    CertificateEvent,
    IdempotentResponse,
    Panel,
    OutboxEvent,
    NumberCounter,
    Validation,
]

LISTENERS = {
    Topic.certificate_issued: [on_certificate_event],
    Topic.certificate_changed: [on_certificate_event],
    Topic.certificate_status_changed: [on_certificate_event],
    Topic.edition_published: [on_edition_published],
    Topic.application_decided: [take_approved_proposals],
    Topic.validation_recorded: [on_validation_event],
    Topic.validation_withdrawn: [on_validation_event],
    Topic.items_certified: [on_items_certified],
}


def bind(engine: Engine) -> None:
    """Point every table of the registry at `engine`."""
    use_engine(engine, TABLES)


def relay(**options) -> Relay:
    """The outbox relay with every listener of the registry."""
    return Relay(LISTENERS, **options)
