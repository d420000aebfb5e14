"""The one Piccolo app of the registry: every table, one migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.accounts.tables import AccessToken, SignInFailure, User
from registry.audit.tables import AuditEvent, AuditHead
from registry.catalog.tables import CatalogueDraft, CatalogueEdition, CatalogueEntry, CatalogueItem
from registry.certification.tables import (
    Application,
    ApplicationItem,
    Certificate,
    CertificateEvent,
    CertificateItem,
    Evaluation,
    Provider,
)
from registry.http.tables import IdempotentResponse
from registry.panels.tables import Panel

TABLES = [
    CatalogueItem,
    CatalogueEdition,
    CatalogueEntry,
    CatalogueDraft,
    AuditEvent,
    AuditHead,
    Provider,
    User,
    AccessToken,
    SignInFailure,
    Application,
    ApplicationItem,
    Evaluation,
    Certificate,
    CertificateItem,
    CertificateEvent,
    IdempotentResponse,
    Panel,
]

APP_CONFIG = AppConfig(
    app_name="registry",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
