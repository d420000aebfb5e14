"""The one Piccolo app of the registry: every table, one migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.catalog.tables import CatalogueEdition, CatalogueEntry, CatalogueItem

TABLES = [CatalogueItem, CatalogueEdition, CatalogueEntry]

APP_CONFIG = AppConfig(
    app_name="registry",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
