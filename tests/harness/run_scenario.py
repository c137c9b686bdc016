#!/usr/bin/env python3
"""Runs one QEMU scenario by name: `run_scenario.py boot.banner --build-dir build`.

Scenarios live in tests/scenarios/*.py and register themselves with the
@scenario decorator from scenario.py. Exit status: 0 passed, 1 failed,
2 no such scenario. --list prints the names; --list-cmake prints
`name|label,label|timeout` lines for tests/scenarios/CMakeLists.txt, each
followed by `|PROPERTY=value,value` for the scenario's other CTest properties.
"""
import argparse
import importlib.util
import signal
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scenario  # noqa: E402
from harness import ScenarioFailure  # noqa: E402
from kenix_qemu import QEMU_ENV  # noqa: E402

SCENARIO_DIR = HERE.parent / "scenarios"


class Interrupted(BaseException):
    """SIGTERM/SIGHUP, raised where the scenario is, so its `with` kills QEMU."""


def on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def load_all(directory):
    for path in sorted(Path(directory).glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"scenarios.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def run(entry, args):
    print(f"scenario {entry.name} (labels {','.join(entry.labels)})", flush=True)
    ctx = None
    try:
        ctx = scenario.Context(entry.name, Path(args.build_dir).resolve(), timeout=entry.timeout,
                               qemu=args.qemu, log_dir=args.log_dir)
        entry.fn(ctx)
    except ScenarioFailure as e:
        print(f"FAIL {entry.name}: {e}")
    except (Exception, KeyboardInterrupt, Interrupted) as e:
        traceback.print_exc()
        print(f"FAIL {entry.name}: {type(e).__name__}: {e}")
    else:
        print(f"PASS {entry.name}")
        return 0
    finally:
        if ctx:
            ctx.close()  # the padded initrds go, pass or fail
    if ctx:
        ctx.print_transcripts()
    return 1


def main():
    ap = argparse.ArgumentParser(description="Run one Kenix QEMU scenario.")
    ap.add_argument("name", nargs="?", help="scenario name, e.g. boot.banner")
    ap.add_argument("--build-dir", default="build", help="the build tree (default: build)")
    ap.add_argument("--qemu", help=f"the emulator (default: ${QEMU_ENV} or qemu-system-aarch64)")
    # Running against someone else's build tree without writing into it.
    ap.add_argument("--log-dir", help="where the scenario's log goes (default: BUILD_DIR/tests/logs)")
    ap.add_argument("--list", action="store_true", help="list scenario names")
    ap.add_argument("--list-cmake", action="store_true", help=argparse.SUPPRESS)
    # For the harness self-test: scenarios from another directory.
    ap.add_argument("--scenario-dir", default=SCENARIO_DIR, help=argparse.SUPPRESS)
    args = ap.parse_args()
    load_all(args.scenario_dir)
    if args.list_cmake:
        for e in sorted(scenario.REGISTRY.values(), key=lambda e: e.name):
            props = "".join(f"|{k}={','.join(v)}" for k, v in sorted(e.properties.items()))
            print(f"{e.name}|{','.join(e.labels)}|{e.timeout}{props}")
        return 0
    if args.list or not args.name:
        for name in sorted(scenario.REGISTRY):
            print(name)
        return 0
    entry = scenario.REGISTRY.get(args.name)
    if not entry:
        print(f"no scenario named {args.name!r}; try --list", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    return run(entry, args)


if __name__ == "__main__":
    sys.exit(main())
