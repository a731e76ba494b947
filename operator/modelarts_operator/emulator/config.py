"""Start-up configuration of the emulator: credentials, tokens, seed data and limits.

A seed file (JSON or YAML) has the keys ``credentials``, ``tokens``, ``services``,
``tasks``, ``faults`` and ``settings``, each optional. Credentials are written
``AK:SK`` or ``AK:SK:TOKEN`` (the token makes them temporary credentials), or as an
object with ``access_key``, ``secret_key`` and ``security_token``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from modelarts_operator.cloud.signing import AkSkCredentials
from modelarts_operator.emulator.faults import FaultRule

DEFAULT_START_DELAY_SECONDS = 2.0
DEFAULT_LOCKOUT_SECONDS = 300.0


class ServiceSeed(BaseModel):
    """A service to create at start-up or through ``POST /_emulator/services``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: str
    service_id: str
    status: str = "running"


class TaskSeed(BaseModel):
    """A task to create at start-up or through ``POST /_emulator/tasks``. Without ``task_id`` an ID is generated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: str
    service_id: str
    task_id: str | None = None
    name: str | None = None
    state: str = "STOPPED"


class Settings(BaseModel):
    """Limits that can change while the emulator runs (``PUT /_emulator/settings``)."""

    model_config = ConfigDict(extra="forbid")

    start_delay_seconds: float = Field(default=DEFAULT_START_DELAY_SECONDS, ge=0.0)
    qps_limit: int | None = Field(default=None, ge=1)
    lockout_seconds: float = Field(default=DEFAULT_LOCKOUT_SECONDS, ge=0.0)


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything ``create_app`` needs. The repr shows access keys but no secret key or token."""

    credentials: tuple[AkSkCredentials, ...] = ()
    tokens: tuple[str, ...] = field(default=(), repr=False)
    services: tuple[ServiceSeed, ...] = ()
    tasks: tuple[TaskSeed, ...] = ()
    faults: tuple[FaultRule, ...] = ()
    start_delay_seconds: float = DEFAULT_START_DELAY_SECONDS
    qps_limit: int | None = None
    lockout_seconds: float = DEFAULT_LOCKOUT_SECONDS

    def settings(self) -> Settings:
        """Return the initial run-time settings, validated."""
        return Settings(
            start_delay_seconds=self.start_delay_seconds,
            qps_limit=self.qps_limit,
            lockout_seconds=self.lockout_seconds,
        )


def parse_credential(value: str) -> AkSkCredentials:
    """Parse ``AK:SK`` or ``AK:SK:TOKEN``. The ValueError names the access key but never the secret key."""
    parts = value.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1] or (len(parts) == 3 and not parts[2]):
        access_key = parts[0] if parts and parts[0] else "(empty)"
        raise ValueError(
            f"invalid credentials for access key {access_key}: expected AK:SK or AK:SK:TOKEN with no empty part"
        )
    token = parts[2] if len(parts) == 3 else None
    return AkSkCredentials(parts[0], parts[1], token)


class _SeedCredential(BaseModel):
    model_config = ConfigDict(extra="forbid")

    access_key: str = Field(min_length=1)
    secret_key: str = Field(min_length=1, repr=False)
    security_token: str | None = Field(default=None, repr=False)


class _SeedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credentials: list[str | _SeedCredential] = []
    tokens: list[str] = Field(default=[], repr=False)
    services: list[ServiceSeed] = []
    tasks: list[TaskSeed] = []
    faults: list[FaultRule] = []
    settings: Settings | None = None


def describe_validation_error(error: ValidationError) -> str:
    """List each invalid field and why, without the input values, which may contain a secret."""
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)
    ]
    return "; ".join(problems)


def load_seed(path: Path, base: EmulatorConfig | None = None) -> EmulatorConfig:
    """Read a JSON or YAML seed file and add its contents to ``base``, or raise ValueError if it is invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read seed file {path}: {error.strerror}") from None
    try:
        data: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        seed = _SeedFile.model_validate(data or {})
    except ValidationError as error:
        raise ValueError(f"invalid seed file {path}: {describe_validation_error(error)}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON in seed file {path}: {error.msg} at line {error.lineno}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"invalid YAML in seed file {path}{where}") from None

    credentials = [
        parse_credential(item)
        if isinstance(item, str)
        else AkSkCredentials(item.access_key, item.secret_key, item.security_token)
        for item in seed.credentials
    ]
    config = base or EmulatorConfig()
    settings = seed.settings or config.settings()
    return replace(
        config,
        credentials=(*config.credentials, *credentials),
        tokens=(*config.tokens, *seed.tokens),
        services=(*config.services, *seed.services),
        tasks=(*config.tasks, *seed.tasks),
        faults=(*config.faults, *seed.faults),
        start_delay_seconds=settings.start_delay_seconds,
        qps_limit=settings.qps_limit,
        lockout_seconds=settings.lockout_seconds,
    )
