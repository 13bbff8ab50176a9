"""`kustguard-sops`: the kustomize plugin executable, in both invocation modes.

KRM exec function (no arguments): a ResourceList arrives on stdin, the
generator configuration in its `functionConfig`; the input items plus the
generated resources leave on stdout as a ResourceList. Used by standalone
kustomize (`--enable-alpha-plugins --enable-exec`) and `kpt fn eval --exec`.

Legacy exec plugin (one argument): the configuration file's path; the
generated resources leave on stdout as a YAML stream. Used by
`kubectl kustomize --enable-alpha-plugins` from
`$KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<lowercase kind>/<Kind>`.

Fails closed: on any error, one line on stderr, nothing on stdout, exit 2
for configuration or usage errors and 1 for files that do not decrypt.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from kustguard import __version__
from kustguard.errors import InputError
from kustguard.sops import formats, paths, yamlemit, yamlread
from kustguard.sops.config import GeneratorConfig, parse_config
from kustguard.sops.decrypt import shape_only_requested
from kustguard.sops.errors import EXIT_DECRYPTION_FAILED, SopsFileError
from kustguard.sops.generate import Generator, recipients_mode
from kustguard.sops.keys import load_keyring

PROG = "kustguard-sops"
EXIT_USAGE = 2
MAX_INPUT_BYTES = 64 * 1024 * 1024
RESOURCE_LIST_API = "config.kubernetes.io/v1"
ROOT_ENV = "KUSTOMIZE_PLUGIN_CONFIG_ROOT"  # set by kustomize for exec plugins
OUTPUT_INDENT = 2

USAGE = f"""usage: {PROG} [CONFIG_FILE]

Decrypts SOPS/age files for kustomize (kustguard.io/v1 SopsSecretGenerator,
or KSOPS's viaduct.ai/v1 ksops).

  no argument   KRM exec function: ResourceList on stdin and stdout
  CONFIG_FILE   legacy exec plugin: configuration file, YAML on stdout

Environment: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD (age keys);
KUSTGUARD_SOPS_SHAPE_ONLY=1 (no decryption, placeholder values);
KUSTGUARD_SOPS_ALLOW_OUTSIDE_ROOT=1 (allow paths outside the root);
KUSTGUARD_SOPS_RECIPIENTS=warn (only warn about files whose recipients
differ from their .sops.yaml creation rule; default: refuse them).
These switches are read from the process environment only, never from
the configuration.
Exit codes: 0 ok, 1 a file does not decrypt or verify, 2 bad configuration.
"""


def _dump_all(documents: list[Any]) -> str:
    """The plugin's YAML: types kept for every reader (see yamlemit)."""
    return yamlemit.emit_documents(documents, quoting=yamlemit.SAFE, indent=OUTPUT_INDENT)


def _load_single(text: str, source: str) -> Any:
    return yamlread.load_single(text, source)


def _load_json(text: str, source: str) -> Any:
    """A JSON ResourceList; numbers keep the text they were written with."""
    try:
        return json.loads(text, parse_int=yamlemit.Plain, parse_float=yamlemit.Plain,
                          parse_constant=_refuse_constant)
    except ValueError as exc:
        raise InputError(f"cannot parse: {str(exc).splitlines()[0]}", source) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", source) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _warn(message: str) -> None:
    _fail(message)


def _generator(root: Path, config: GeneratorConfig) -> Generator:
    for warning in config.warnings:
        _warn(f"warning: {warning}")
    return Generator(root=root, shape_only=shape_only_requested(), keyring=load_keyring,
                     allow_outside=paths.outside_allowed(),
                     recipients=recipients_mode(os.environ), warn=_warn)


def run_legacy(config_path: str) -> str:
    source = config_path
    try:
        with open(config_path, "rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the configuration: {exc.strerror}", source) from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError("the configuration is too large", source)
    config = parse_config(_load_single(raw.decode("utf-8", "replace"), source), source)
    root = Path(os.environ.get(ROOT_ENV) or os.getcwd())
    resources = _generator(root, config).run(config, source)
    return _dump_all(resources) if resources else ""


def run_krm(stdin: TextIO) -> str:
    source = "stdin ResourceList"
    text = stdin.read(MAX_INPUT_BYTES + 1)
    if len(text) > MAX_INPUT_BYTES:
        raise InputError("the ResourceList is too large", source)
    if not text.strip():
        raise InputError("no ResourceList on stdin", source,
                         hint=f"run it from kustomize or kpt, or pass a configuration file; "
                              f"see {PROG} --help")
    as_json = text.lstrip().startswith("{")
    resource_list = _load_json(text, source) if as_json else _load_single(text, source)
    if not isinstance(resource_list, dict) or resource_list.get("kind") != "ResourceList":
        raise InputError("stdin is not a ResourceList", source)
    items = resource_list.get("items") or []
    if not isinstance(items, list):
        raise InputError("ResourceList items must be a list", source)
    function_config = resource_list.get("functionConfig")
    if function_config is None:
        raise InputError("the ResourceList has no functionConfig", source,
                         hint="with kpt, pass --fn-config FILE")
    config = parse_config(function_config, "functionConfig")
    root = Path(os.getcwd())
    generated = _generator(root, config).run(config, "functionConfig")
    output = {"apiVersion": resource_list.get("apiVersion") or RESOURCE_LIST_API,
              "kind": "ResourceList", "items": list(items) + generated}
    if as_json:
        return formats.json_text(output) + "\n"
    return _dump_all([output])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args and args[0] in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        if args and args[0] == "--version":
            sys.stdout.write(f"{PROG} {__version__}\n")
            return 0
        if len(args) > 1:
            raise InputError(f"expected at most one argument, got {len(args)}",
                             hint=f"see {PROG} --help")
        output = run_legacy(args[0]) if args else run_krm(sys.stdin)
    except InputError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except SopsFileError as exc:
        _fail(str(exc))
        return EXIT_DECRYPTION_FAILED
    except RecursionError:
        _fail("input nested too deeply")
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - fail closed, never a traceback
        # The exception's text is withheld: it could quote a decrypted value.
        _fail(f"internal error ({type(exc).__name__}); details withheld because they "
              "could contain secret values")
        return EXIT_DECRYPTION_FAILED
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0


def _fail(message: str) -> None:
    line = " ".join(message.split())  # exactly one line
    sys.stderr.write(f"{PROG}: {line}\n")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
