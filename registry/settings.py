"""Every setting, read once from environment variables, with safe defaults for a local start."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///./var/registry.sqlite3"


class SettingsError(ValueError):
    """A setting has a value the registry cannot run with."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    environment: str = "development"  # development | production
    host: str = "127.0.0.1"
    port: int = 8000
    rules_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "rules")
    seeds_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "seeds")
    db_pool_max: int = 10
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def number(name: str, default: int) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
            if value <= 0 or value > 65535:
                raise SettingsError(f"{name} must be between 1 and 65535, not {value}")
            return value

        environment = env.get("REGISTRY_ENV", "development")
        if environment not in ("development", "production"):
            raise SettingsError(f"REGISTRY_ENV must be 'development' or 'production', not {environment!r}")
        url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not url.startswith(("sqlite:", "postgres://", "postgresql://")):
            raise SettingsError("DATABASE_URL must start with sqlite:///, postgres:// or postgresql://")
        return cls(
            database_url=url,
            environment=environment,
            host=env.get("REGISTRY_HOST", "127.0.0.1"),
            port=number("REGISTRY_PORT", 8000),
            rules_dir=Path(env.get("REGISTRY_RULES_DIR") or PROJECT_ROOT / "rules"),
            seeds_dir=Path(env.get("REGISTRY_SEEDS_DIR") or PROJECT_ROOT / "seeds"),
            db_pool_max=number("REGISTRY_DB_POOL_MAX", 10),
            log_level=env.get("REGISTRY_LOG_LEVEL", "INFO").upper(),
        )
