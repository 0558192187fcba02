"""A small INI reader: sections, key = value, comments, typed getters."""

from __future__ import annotations


class IniError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise IniError(number, "bad section header")
            name = line[1:-1].strip()
            if name in sections:
                raise IniError(number, f"duplicate section {name!r}")
            current = sections[name] = {}
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise IniError(number, "expected key = value")
        if current is None:
            raise IniError(number, "key outside any section")
        current[key.strip().lower()] = value.strip()
    return sections


def get_bool(section: dict[str, str], key: str, default: bool = False) -> bool:
    value = section.get(key)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("1", "yes", "true", "on"):
        return True
    if lowered in ("0", "no", "false", "off"):
        return False
    raise ValueError(f"{key}: not a boolean: {value!r}")


def get_int(section: dict[str, str], key: str, default: int = 0, minimum: int | None = None) -> int:
    value = section.get(key)
    if value is None:
        return default
    try:
        number = int(value, 0)
    except ValueError:
        raise ValueError(f"{key}: not an integer: {value!r}") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{key}: {number} is below {minimum}")
    return number


def get_list(section: dict[str, str], key: str) -> list[str]:
    value = section.get(key, "")
    return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]
