"""Every setting, read once from environment variables, with safe defaults for a local start."""

from __future__ import annotations

import ipaddress
import math
import os
import string
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///./var/registry.sqlite3"
# Good enough on a developer's machine, refused in production (see `production_problems`).
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"


MIN_SECRET_BITS = 128


_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation + " ")
# Alphabets secrets are usually drawn from, smallest first: a secret inside one gets that many symbols.
_ALPHABETS = (
    string.digits,
    string.hexdigits.lower(),
    string.hexdigits.upper(),
    string.ascii_uppercase + "234567=",  # base32
    string.ascii_letters + string.digits + "-_=",  # base64url
    string.ascii_letters + string.digits + "+/=",  # base64
)


def secret_bits(secret: str) -> float:
    """A cautious estimate of a secret's entropy in bits: its length times log2 of its alphabet, the
    smallest common alphabet (hex, base32, base64 ...) or else the character classes it uses (lower,
    upper, digits, punctuation, other). A secret that repeats a shorter unit counts as that unit; one
    with fewer than 8 distinct characters counts only those."""
    n = len(secret)
    unit = next((secret[:k] for k in range(1, n // 2 + 1) if n % k == 0 and secret[:k] * (n // k) == secret), secret)
    chars = set(unit)
    sizes = [len(a) for a in _ALPHABETS if chars <= set(a)]
    pool = sum(len(c) for c in _CLASSES if chars & set(c)) + (100 if chars - set("".join(_CLASSES)) else 0)
    alphabet = min([*sizes, pool])
    if len(chars) < 8:
        alphabet = min(alphabet, len(chars))
    return len(unit) * math.log2(alphabet) if alphabet > 1 else 0.0


class SettingsError(ValueError):
    """A setting has a value the registry cannot run with."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL read replicas for the public read path (anonymous GET requests); empty: the primary.
    read_database_urls: tuple[str, ...] = ()
    environment: str = "development"  # development | production
    host: str = "127.0.0.1"
    port: int = 8000
    rules_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "rules")
    seeds_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "seeds")
    db_pool_max: int = 10
    log_level: str = "INFO"
    # The level of the one access line per request (registry.access); OFF writes none.
    access_log_level: str = "INFO"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    token_ttl_minutes: int = 480
    # Whether this process hands domain events to their listeners (the default). Off for a web process
    # whose events a separate `dtc-registry events relay` process handles.
    dispatch_events: bool = True
    # Load shedding (README, "Load shedding"): requests one worker serves at once; beyond it a 503 at once.
    # 64: a client or proxy keeping up to 64 connections busy is served, not refused (measured there).
    max_concurrent_requests: int = 64
    # Requests per client address and window, per class (0: no limit); counted in the database.
    rate_limit_reads: int = 600
    rate_limit_sign_ins: int = 10
    rate_limit_writes: int = 120
    rate_limit_window_seconds: int = 60
    # Proxies whose X-Forwarded-For names the client (addresses or networks, e.g. 10.0.0.0/8).
    trusted_proxies: tuple[str, ...] = ()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def number(name: str, default: int, low: int = 1, high: int = 65535) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
            if value < low or value > high:
                raise SettingsError(f"{name} must be between {low} and {high}, not {value}")
            return value

        proxies = tuple(p.strip() for p in env.get("REGISTRY_TRUSTED_PROXIES", "").split(",") if p.strip())
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(f"REGISTRY_TRUSTED_PROXIES: {proxy!r} is not an address or network") from None

        environment = env.get("REGISTRY_ENV", "development")
        if environment not in ("development", "production"):
            raise SettingsError(f"REGISTRY_ENV must be 'development' or 'production', not {environment!r}")
        access_log_level = env.get("REGISTRY_ACCESS_LOG_LEVEL", "INFO").upper()
        if access_log_level not in ("DEBUG", "INFO", "WARNING", "OFF"):
            raise SettingsError(
                f"REGISTRY_ACCESS_LOG_LEVEL must be DEBUG, INFO, WARNING or OFF, not {access_log_level!r}"
            )
        url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not url.startswith(("sqlite:", "postgres://", "postgresql://")):
            raise SettingsError("DATABASE_URL must start with sqlite:///, postgres:// or postgresql://")
        read_urls = tuple(u.strip() for u in env.get("REGISTRY_READ_DATABASE_URLS", "").split(",") if u.strip())
        if read_urls and not url.startswith(("postgres://", "postgresql://")):
            raise SettingsError(
                "REGISTRY_READ_DATABASE_URLS needs DATABASE_URL on PostgreSQL (replicas of its primary)"
            )
        for read_url in read_urls:
            if not read_url.startswith(("postgres://", "postgresql://")):
                raise SettingsError(
                    "REGISTRY_READ_DATABASE_URLS: each entry must start with postgres:// or postgresql://, "
                    f"not {read_url.split('://', 1)[0]!r}"
                )
        return cls(
            database_url=url,
            read_database_urls=read_urls,
            environment=environment,
            host=env.get("REGISTRY_HOST", "127.0.0.1"),
            port=number("REGISTRY_PORT", 8000),
            rules_dir=Path(env.get("REGISTRY_RULES_DIR") or PROJECT_ROOT / "rules"),
            seeds_dir=Path(env.get("REGISTRY_SEEDS_DIR") or PROJECT_ROOT / "seeds"),
            db_pool_max=number("REGISTRY_DB_POOL_MAX", 10),
            log_level=env.get("REGISTRY_LOG_LEVEL", "INFO").upper(),
            access_log_level=access_log_level,
            secret_key=env.get("REGISTRY_SECRET_KEY") or DEVELOPMENT_SECRET_KEY,
            token_ttl_minutes=number("REGISTRY_TOKEN_TTL_MINUTES", 480),
            dispatch_events=env.get("REGISTRY_DISPATCH_EVENTS", "1") not in ("0", "false", "no"),
            max_concurrent_requests=number("REGISTRY_MAX_CONCURRENT_REQUESTS", cls.max_concurrent_requests),
            rate_limit_reads=number("REGISTRY_RATE_LIMIT_READS", cls.rate_limit_reads, 0, 10**9),
            rate_limit_sign_ins=number("REGISTRY_RATE_LIMIT_SIGN_INS", cls.rate_limit_sign_ins, 0, 10**9),
            rate_limit_writes=number("REGISTRY_RATE_LIMIT_WRITES", cls.rate_limit_writes, 0, 10**9),
            rate_limit_window_seconds=number("REGISTRY_RATE_LIMIT_WINDOW", cls.rate_limit_window_seconds, 1, 3600),
            trusted_proxies=proxies,
        )

    def production_problems(self) -> list[str]:
        """What makes these settings unfit for production (checked at start-up in production mode)."""
        problems = []
        if self.secret_key == DEVELOPMENT_SECRET_KEY:
            problems.append("REGISTRY_SECRET_KEY is not set (the development default is refused)")
        elif len(self.secret_key) < 32:
            problems.append("REGISTRY_SECRET_KEY must be at least 32 characters")
        elif secret_bits(self.secret_key) < MIN_SECRET_BITS:
            problems.append(
                f"REGISTRY_SECRET_KEY is too predictable (about {secret_bits(self.secret_key):.0f} bits, "
                f"at least {MIN_SECRET_BITS} needed): few distinct characters or a repeated pattern; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return problems
