"""Differential test: every value comes out of kustomize and kpt as `sops decrypt` gives it.

Seeded tricky scalars (strings that look like numbers, booleans, nulls,
timestamps or YAML syntax, and real numbers, booleans, nulls and
timestamps) go into one YAML, one JSON and one dotenv file. The real sops
encrypts them; the real kustomize builds them through the plugin as a KRM
exec function and as a legacy exec plugin, and `kpt fn eval --exec` runs
it. Each value read back (type, value, and the written form of numbers) is
compared:

- kpt hands values on as written: its output must equal `sops decrypt`'s.
- kustomize re-encodes every resource through JSON, so it turns timestamps
  into strings and rewrites float forms (`1.23456789e+08` becomes
  `123456789`) whoever produced them. Its output must equal what kustomize
  makes of `sops decrypt`'s output given as plain resources, and every
  string of `sops decrypt` must still be that string.
"""
from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kustguard.sops import yamlscalars

from .conftest import KUSTOMIZE, PLUGIN, SopsKit, write
from .test_modes import cli_args

SEED = 20261202
YAML_COUNT, JSON_COUNT, DOTENV_COUNT = 700, 400, 300

FIXED_STRINGS = [
    "1e5", "1E3", "1e+21", "1e-7", "-1.5e-3", ".5", "1.", "+12", "-0", "0", "00", "007", "017",
    "08", "0x1F", "0X1f", "0o17", "0O17", "0b101", "0B11", "1_000", "0x_1F", "1:30", "12:30:45",
    "190:20:30.15", "1.2.3", "10.0.0.1", "3.0", "1e3", "123456789", "-123", "+.5", "1.5e+10",
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n",
    "N", "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null", "NULL", "",
    ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN", "inf", "nan", "NaN",
    "2024-01-02", "2024-1-2", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05",
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2024-13-45", "=", "<<",
    " leading space", "trailing space ", "#not a comment", "a #b", "- item", "-", "--- doc",
    "...", ": colon", "key: value", "?", "? q", "[x]", "{x: y}", ", comma", "@at", "`tick",
    "%percent", "!tag", "&anchor", "*alias", "|", ">", "'single'", '"double"', "tab\there",
    "back\\slash", "héllo wörld", "emoji 🎉", "line\nbreak", "ends with newline\n",
    "\u2028sep", "null byte \x00 inside", "plain words", "1password", "abc123", "0xZZ",
]


def _tricky_string(rng: random.Random) -> str:
    choice = rng.randrange(12)
    if choice < 4:
        return rng.choice(FIXED_STRINGS)
    if choice == 4:
        return str(rng.randint(-10**9, 10**9))
    if choice == 5:
        return f"{rng.randint(1, 9)}{rng.choice('eE')}{rng.choice(['', '+', '-'])}{rng.randint(0, 40)}"
    if choice == 6:
        value = rng.randrange(1 << 32)
        return rng.choice([f"0x{value:X}", f"0o{value:o}", f"0b{value:b}", f"0{value % 4096:o}"])
    if choice == 7:
        return repr(rng.uniform(-1e6, 1e6))
    if choice == 8:
        return f"{rng.randint(1970, 2099)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if choice == 9:
        return f"{rng.randint(1, 99)}:{rng.randint(0, 59):02d}"
    if choice == 10:
        return f"{rng.randint(1, 999)}_{rng.randint(0, 999):03d}"
    return rng.choice(["on", "off", "yes", "no", "y", "n", "~", "null", "=", "<<"])


def _typed_value(rng: random.Random, with_time: bool) -> Any:
    choice = rng.randrange(7 if with_time else 6)
    if choice == 0:
        return rng.randint(-(2**53), 2**53)
    if choice == 1:
        return rng.choice([3.0, 1e3, 1e-7, 1.5, 1e21, 123456789.0, 0.1, -2.5e-12, 1e300, 5e-324])
    if choice == 2:
        return rng.uniform(-1e9, 1e9)
    if choice == 3:
        return rng.choice([True, False])
    if choice == 4:
        return None
    if choice == 5:
        return rng.randint(0, 99)
    return f"{rng.randint(1970, 2099)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" \
           f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def _yaml_scalar(value: Any, is_time: bool = False) -> str:
    if isinstance(value, str) and not is_time:
        return json.dumps(value, ensure_ascii=False)  # a YAML double-quoted string
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


def make_values(rng: random.Random, count: int, with_time: bool) -> list[tuple[Any, bool]]:
    values = []
    for _ in range(count):
        if rng.random() < 0.6:
            values.append((_tricky_string(rng), False))
        else:
            value = _typed_value(rng, with_time)
            values.append((value, isinstance(value, str)))
    return values


def yaml_plaintext(values: list[tuple[Any, bool]]) -> str:
    lines = ["apiVersion: example.com/v1", "kind: Bag", "metadata:", "  name: bag-yaml", "spec:"]
    lines += [f"  k{i:04d}: {_yaml_scalar(value, is_time)}" for i, (value, is_time) in
              enumerate(values)]
    lines += ["  list:"] + [f"    - {_yaml_scalar(v, t)}" for v, t in values[:50]]
    secret = ["---", "apiVersion: v1", "kind: Secret", "metadata:", "  name: tricky", "stringData:"]
    secret += [f"  s{i:03d}: {json.dumps(s, ensure_ascii=False)}" for i, s in enumerate(
        FIXED_STRINGS)]
    return "\n".join(lines + secret) + "\n"


def json_plaintext(values: list[tuple[Any, bool]]) -> str:
    spec = {f"k{i:04d}": value for i, (value, _) in enumerate(values)}
    spec["list"] = [value for value, _ in values[:50]]
    return json.dumps({"apiVersion": "example.com/v1", "kind": "Bag",
                       "metadata": {"name": "bag-json"}, "spec": spec}, ensure_ascii=False)


def dotenv_values(rng: random.Random, count: int) -> dict[str, str]:
    def fits(text: str) -> bool:  # what a dotenv line can hold unchanged
        return (text == text.strip() and "\n" not in text and "\u2028" not in text
                and "#" not in text and "\\" not in text and "\x00" not in text
                and text[:1] not in ("'", '"', "`"))
    values: dict[str, str] = {}
    while len(values) < count:
        text = _tricky_string(rng)
        if fits(text):
            values[f"E{len(values):04d}"] = text
    return values


# --- typed reading ---------------------------------------------------------

class _Composer(yaml.SafeLoader):
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return "plain" if implicit[0] else "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


def _leaf(kind: str, value: Any, text: str) -> tuple:
    if kind == yamlscalars.STR:
        return ("str", value)
    if kind == yamlscalars.NULL:
        return ("null",)
    if kind == yamlscalars.BOOL:
        return ("bool", value)
    if kind == yamlscalars.TIMESTAMP:
        return ("time", value.rfc3339nano())
    return (kind, repr(value), text)  # numbers: type, value and written form


def yaml_leaves(node: yaml.Node, path: tuple = ()) -> dict[tuple, tuple]:
    """Every leaf as a go-yaml v3 reader (kustomize, kpt) types it."""
    if isinstance(node, yaml.MappingNode):
        out: dict[tuple, tuple] = {}
        for key, child in node.value:
            out.update(yaml_leaves(child, path + (key.value,)))
        return out
    if isinstance(node, yaml.SequenceNode):
        out = {}
        for index, child in enumerate(node.value):
            out.update(yaml_leaves(child, path + (index,)))
        return out
    if node.tag == "plain":
        return {path: _leaf(*yamlscalars.resolve_plain(node.value), node.value)}
    return {path: ("str", node.value)}


def yaml_objects(text: str) -> dict[str, dict[tuple, tuple]]:
    objects = {}
    for node in yaml.compose_all(text, Loader=_Composer):
        if node is None:
            continue
        leaves = yaml_leaves(node)
        objects[leaves[("metadata", "name")][1]] = leaves
    return objects


def json_leaves(text: str) -> dict[tuple, tuple]:
    """sops's JSON output read the way the plugin must hand it on."""
    class Number(str):
        pass

    def walk(value: Any, path: tuple) -> dict[tuple, tuple]:
        if isinstance(value, dict):
            return {k: v for key, child in value.items() for k, v in walk(child, path + (key,)).items()}
        if isinstance(value, list):
            return {k: v for i, child in enumerate(value) for k, v in walk(child, path + (i,)).items()}
        if isinstance(value, Number):
            return {path: _leaf(*yamlscalars.resolve_plain(str(value)), str(value))}
        if value is None:
            return {path: ("null",)}
        if isinstance(value, bool):
            return {path: ("bool", value)}
        return {path: ("str", value)}

    return walk(json.loads(text, parse_int=Number, parse_float=Number), ())


def dotenv_leaves(text: str) -> dict[tuple, tuple]:
    leaves = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            leaves[("stringData", key)] = ("str", value)
    return leaves


def _without(leaves: dict[tuple, tuple], *prefixes: str) -> dict[tuple, tuple]:
    return {path: leaf for path, leaf in leaves.items() if path[0] not in prefixes}


def assert_same(actual: dict[tuple, tuple], expected: dict[tuple, tuple], where: str) -> int:
    differences = [(path, expected.get(path), actual.get(path))
                   for path in sorted(set(actual) | set(expected), key=repr)
                   if actual.get(path) != expected.get(path)]
    assert not differences, f"{where}: {len(differences)} differences, first: {differences[:5]}"
    return len(expected)


# --- the run ---------------------------------------------------------------

GENERATOR = """\
apiVersion: kustguard.io/v1
kind: SopsSecretGenerator
metadata:
  name: differential
{annotation}files:
  - bag.enc.yaml
  - bag.enc.json
secretFrom:
  - metadata:
      name: from-dotenv
    envs: [values.enc.env]
"""
ANNOTATION = """\
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: kustguard-sops
"""


@pytest.fixture(scope="module")
def corpus(kit: SopsKit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rng = random.Random(SEED)
    folder = tmp_path_factory.mktemp("differential")
    plain = {
        "bag.enc.yaml": yaml_plaintext(make_values(rng, YAML_COUNT, with_time=True)),
        "bag.enc.json": json_plaintext(make_values(rng, JSON_COUNT, with_time=False)),
        "values.enc.env": "".join(f"{k}={v}\n" for k, v in dotenv_values(rng, DOTENV_COUNT).items()),
    }
    files: dict[str, bytes] = {}
    expected: dict[str, dict[tuple, tuple]] = {}
    for name, text in plain.items():
        flags = () if name.endswith(".env") else ("--encrypted-regex", "^(spec|stringData)$")
        files[name] = kit.encrypt(text.encode(), name, *flags)
        decrypted = kit.sops_decrypt(write(folder / name, files[name]))
        assert decrypted.returncode == 0, decrypted.stderr.decode()
        out = decrypted.stdout.decode()
        if name.endswith(".yaml"):
            expected.update(yaml_objects(out))
        elif name.endswith(".json"):
            expected["bag-json"] = json_leaves(out)
        else:
            expected["from-dotenv"] = dotenv_leaves(out)
    scalars = sum(len(v) for v in expected.values())
    assert scalars >= 1000
    return {"files": files, "expected": expected, "folder": folder,
            "decrypted": {name: (folder / name).read_bytes() for name in plain}}


def _decrypted_resources(kit: SopsKit, corpus, folder: Path) -> dict[str, dict[tuple, tuple]]:
    """What kustomize itself makes of `sops decrypt`'s YAML and JSON output."""
    for name in ("bag.enc.yaml", "bag.enc.json"):
        done = kit.sops_decrypt(corpus["folder"] / name)
        write(folder / name.replace(".enc", ""), done.stdout)
    write(folder / "kustomization.yaml", "resources:\n  - bag.yaml\n  - bag.json\n")
    done = subprocess.run([KUSTOMIZE, "build", "."], cwd=folder, env=kit.env(),
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    reference = yaml_objects(done.stdout.decode())
    reference["from-dotenv"] = corpus["expected"]["from-dotenv"]
    return reference


def _strings_kept(actual: dict[str, dict[tuple, tuple]], corpus, where: str) -> int:
    """Every value `sops decrypt` gives as a string is still exactly that string."""
    count = 0
    for name, leaves in corpus["expected"].items():
        for path, leaf in leaves.items():
            if leaf[0] == "str" and path[0] != "metadata":
                assert actual[name].get(path) == leaf, f"{where} {name} {path}: {leaf}"
                count += 1
    return count


def _compare(actual: dict[str, dict[tuple, tuple]], expected: dict[str, dict[tuple, tuple]],
             where: str) -> int:
    assert set(actual) == set(expected), where
    compared = 0
    for name, leaves in expected.items():
        compared += assert_same(_without(actual[name], "apiVersion", "kind", "metadata"),
                                _without(leaves, "apiVersion", "kind", "metadata"),
                                f"{where} {name}")
    return compared


def _overlay(root: Path, files: dict[str, bytes], krm: bool) -> Path:
    for name, data in files.items():
        write(root / name, data)
    write(root / "generator.yaml", GENERATOR.format(annotation=ANNOTATION if krm else ""))
    write(root / "kustomization.yaml", "generators:\n  - generator.yaml\n")
    return root


def test_kustomize_krm_exec_keeps_every_value(kit: SopsKit, corpus, tmp_path: Path) -> None:
    root = _overlay(tmp_path, corpus["files"], krm=True)
    done = subprocess.run([KUSTOMIZE, "build", "--enable-alpha-plugins", "--enable-exec", "."],
                          cwd=root, env=kit.env(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    actual = yaml_objects(done.stdout.decode())
    reference = _decrypted_resources(kit, corpus, tmp_path / "reference")
    assert _compare(actual, reference, "kustomize KRM") >= 1000
    assert _strings_kept(actual, corpus, "kustomize KRM") >= 500


def test_kustomize_legacy_plugin_keeps_every_value(kit: SopsKit, corpus, tmp_path: Path) -> None:
    plugin_home = tmp_path / "plugins"
    args = cli_args("install-legacy-plugin", "--dir", str(plugin_home))
    assert args.func(args) == 0
    root = _overlay(tmp_path / "overlay", corpus["files"], krm=False)
    done = subprocess.run([KUSTOMIZE, "build", "--enable-alpha-plugins", "."], cwd=root,
                          env=kit.env(KUSTOMIZE_PLUGIN_HOME=str(plugin_home)),
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    actual = yaml_objects(done.stdout.decode())
    reference = _decrypted_resources(kit, corpus, tmp_path / "reference")
    assert _compare(actual, reference, "kustomize legacy") >= 1000
    assert _strings_kept(actual, corpus, "kustomize legacy") >= 500


PASS_THROUGH = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: input-item
data:
  quoted_number: "1e5"
  quoted_bool: "yes"
  quoted_null: "~"
  plain_word: on-call
  float_form: 1.50
  exponent: 1e3
  integer: 017
  hex: 0x1F
  stamp: 2024-01-02
  flag: true
  nothing: null
"""


def test_kpt_fn_eval_exec_keeps_every_value(kit: SopsKit, corpus, tmp_path: Path) -> None:
    package = tmp_path / "package"
    for name, data in corpus["files"].items():
        write(package / name, data)
    write(package / ".krmignore", "*.enc.*\n")
    write(package / "input.yaml", PASS_THROUGH)
    config = write(tmp_path / "fn-config.yaml", GENERATOR.format(annotation=""))
    done = subprocess.run(["kpt", "fn", "eval", ".", "--exec", PLUGIN, "--fn-config",
                           str(config), "-o", "stdout"], cwd=package, env=kit.env(),
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    expected = dict(corpus["expected"])
    expected["input-item"] = yaml_objects(PASS_THROUGH)["input-item"]
    assert _compare(item_objects(done.stdout.decode()), expected, "kpt") >= 1000


def item_objects(resource_list: str) -> dict[str, dict[tuple, tuple]]:
    """The ResourceList's items, each leaf typed as in `yaml_objects`."""
    root = yaml.compose(resource_list, Loader=_Composer)
    items = next(value for key, value in root.value if key.value == "items")
    objects = {}
    for item in items.value:
        leaves = yaml_leaves(item)
        objects[leaves[("metadata", "name")][1]] = leaves
    return objects
