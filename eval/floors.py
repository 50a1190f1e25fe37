"""The CI gate: per-test-set floors (and ceilings) read from `floors.toml`.

`[<testset>.min]` lists metrics that must not fall below a value, `[<testset>.max]` those
that must not rise above one (e.g. wrong_answer_rate). The values are measured figures
minus a stated margin, so a regression fails the gate while run-to-run noise does not.
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.errors import NewsqaError

FLOORS_FILE = Path(__file__).resolve().parent / "floors.toml"


@dataclass(frozen=True)
class Floors:
    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)


def load_floors(path: Path = FLOORS_FILE) -> dict[str, Floors]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise NewsqaError(f"Cannot read floors file {path}: {error}") from None
    floors = {}
    for testset, table in data.items():
        unknown = set(table) - {"min", "max"}
        if unknown:
            raise NewsqaError(f"{path}: [{testset}] may only hold 'min' and 'max' tables, "
                              f"found {', '.join(sorted(unknown))}")
        floors[testset] = Floors({k: float(v) for k, v in table.get("min", {}).items()},
                                 {k: float(v) for k, v in table.get("max", {}).items()})
    return floors


def violations(metrics: dict, floors: Floors) -> list[str]:
    """One message per metric outside its bound ('not measured' counts as a violation)."""
    problems = []
    for name, bound in floors.minimum.items():
        value = metrics.get(name)
        if value is None:
            problems.append(f"{name}: not measured (floor {bound})")
        elif value < bound:
            problems.append(f"{name} = {value:.4g} is below its floor {bound}")
    for name, bound in floors.maximum.items():
        value = metrics.get(name)
        if value is None:
            problems.append(f"{name}: not measured (ceiling {bound})")
        elif value > bound:
            problems.append(f"{name} = {value:.4g} is above its ceiling {bound}")
    return problems
