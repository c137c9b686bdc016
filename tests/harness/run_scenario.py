#!/usr/bin/env python3
"""Runs one QEMU scenario by name: `run_scenario.py boot.banner --build-dir build`.

Scenarios live in tests/scenarios/*.py and register themselves with the
@scenario decorator from scenario.py. Exit status 0 means the scenario passed.
"""
import argparse
import importlib.util
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenario  # noqa: E402
from harness import ScenarioFailure  # noqa: E402

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


def load_all():
    for path in sorted(SCENARIO_DIR.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"scenarios.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name", nargs="?")
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--list", action="store_true", help="list scenario names")
    args = ap.parse_args()
    load_all()
    if args.list or not args.name:
        for name in sorted(scenario.REGISTRY):
            print(name)
        return 0
    fn = scenario.REGISTRY.get(args.name)
    if not fn:
        print(f"no scenario named {args.name!r}; try --list", file=sys.stderr)
        return 2
    ctx = scenario.Context(args.name, Path(args.build_dir).resolve())
    try:
        fn(ctx)
    except ScenarioFailure as e:
        print(f"FAIL {args.name}: {e}")
        if ctx.last_session:
            print(f"--- console transcript ({ctx.log_path}) ---")
            print(ctx.last_session.transcript())
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    print(f"PASS {args.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
