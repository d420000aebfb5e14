"""The one Piccolo app of the registry: every table (from the wiring), one migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from registry.wiring import TABLES

APP_CONFIG = AppConfig(
    app_name="registry",
    migrations_folder_path=str(Path(__file__).parent / "db" / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
